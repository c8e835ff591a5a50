import Foundation

/// An ngspice raw file in its ASCII form (what `set filetype=ascii` + `write` produce, and
/// what ngspice's `load`, gwave and most SPICE viewers read): named real vectors sampled at
/// the same points (the first one, `time` for a transient, is the scale).
public struct SpiceRawFile: Sendable, Equatable {
    public struct Variable: Sendable, Equatable {
        public var name: String
        /// `time`, `voltage`, `current`…
        public var type: String
        public init(_ name: String, _ type: String) {
            self.name = name
            self.type = type
        }
    }

    public var title: String
    public var plotName: String
    public var variables: [Variable]
    /// points × variables.
    public var points: [[Double]]

    public init(title: String, plotName: String, variables: [Variable], points: [[Double]]) {
        self.title = title
        self.plotName = plotName
        self.variables = variables
        self.points = points
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The values of one variable over all points (nil: no such variable). ngspice names node
    /// voltages `v(node)` in some versions and `node` in others: both are looked up.
    public func vector(_ name: String) -> [Double]? {
        let key = name.lowercased()
        let alternatives = key.hasPrefix("v(") && key.hasSuffix(")") ? [key, String(key.dropFirst(2).dropLast())] : [key, "v(\(key))"]
        guard let index = variables.firstIndex(where: { alternatives.contains($0.name.lowercased()) }) else { return nil }
        return points.map { $0[index] }
    }

    /// The ASCII raw text; numbers as `Double.description` (round-trip, locale-independent).
    public func ascii(date: String = "") -> String {
        var out = "Title: \(SpiceWriter.safeText(title))\nDate: \(date)\nPlotname: \(SpiceWriter.safeText(plotName))\nFlags: real\n"
        out += "No. Variables: \(variables.count)\nNo. Points: \(points.count)\nVariables:\n"
        for (i, v) in variables.enumerated() { out += "\t\(i)\t\(v.name)\t\(v.type)\n" }
        out += "Values:\n"
        for (p, row) in points.enumerated() {
            for (i, x) in row.enumerated() { out += (i == 0 ? "\(p)" : "") + "\t\(x.description)\n" }
        }
        return out
    }

    /// Reads the ASCII form (the first plot of the file).
    public init(ascii text: String) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        var header: [String: String] = [:]
        var variables: [Variable] = []
        func value(_ key: String) throws -> String {
            guard let v = header[key] else { throw FormatError(description: "raw file: no '\(key):' line in the header") }
            return v
        }
        while let line = lines.next() {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("Binary:") { throw FormatError(description: "raw file is binary: only the ASCII form (set filetype=ascii) is read") }
            if l.hasPrefix("Values:") { break }
            if l.hasPrefix("Variables:") {
                guard let n = Int(try value("No. Variables")) else { throw FormatError(description: "raw file: bad variable count") }
                for _ in 0..<n {
                    guard let v = lines.next() else { throw FormatError(description: "raw file: variable list ends early") }
                    let parts = v.split(whereSeparator: { $0 == "\t" || $0 == " " })
                    guard parts.count >= 3 else { throw FormatError(description: "raw file: bad variable line '\(v)'") }
                    variables.append(Variable(String(parts[1]), String(parts[2])))
                }
                continue
            }
            if let colon = l.firstIndex(of: ":") {
                header[String(l[..<colon])] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        guard let count = Int(try value("No. Points")), count >= 0 else { throw FormatError(description: "raw file: bad point count") }
        var numbers: [Double] = []
        numbers.reserveCapacity(count * (variables.count + 1))
        while let line = lines.next(), numbers.count < count * (variables.count + 1) {
            for field in line.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "," }) {
                guard let x = Double(field) else { throw FormatError(description: "raw file: '\(field)' is not a number") }
                numbers.append(x)
            }
        }
        let stride = variables.count + 1  // the point index, then one value per variable
        guard numbers.count == count * stride else {
            throw FormatError(description: "raw file: \(numbers.count) numbers for \(count) points of \(variables.count) variables")
        }
        self.title = header["Title"] ?? ""
        self.plotName = header["Plotname"] ?? ""
        self.variables = variables
        self.points = (0..<count).map { Array(numbers[($0 * stride + 1)..<(($0 + 1) * stride)]) }
    }
}
