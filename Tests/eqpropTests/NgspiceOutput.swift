import Foundation

/// Runs a deck in the real `ngspice -b` and reads the voltages its print lines show.
enum NgspiceBatch {
    static func run(_ deck: URL) throws -> (voltages: [String: Double], errorLines: [String]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ngspice")
        p.arguments = ["-b", deck.path]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        let text = String(decoding: outData, as: UTF8.self) + "\n" + String(decoding: errData, as: UTF8.self)
        var voltages: [String: Double] = [:]
        var errors: [String] = []
        for line in text.split(separator: "\n").map(String.init) {
            let l = line.lowercased()
            if l.contains("error") || l.contains("aborted") || l.contains("singular matrix") || l.contains("not parsed")
                || l.contains("solution failed") || l.contains("timestep too small") {
                errors.append(line)
            }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0].hasPrefix("v("), parts[0].hasSuffix(")"), let v = Double(parts[1]) {
                voltages[String(parts[0].dropFirst(2).dropLast())] = v
            }
        }
        return (voltages, errors)
    }
}
