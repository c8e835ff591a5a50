import Foundation

/// JSON as the project writes it: one line, keys sorted, so that results are easy to diff and
/// to parse from the last line of a command's standard output.
public enum JSONOutput {
    public static func line<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static func pretty<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

/// An append-only file of JSON lines (one object per line), e.g. per-epoch metrics.
///
/// The whole file is rewritten atomically on each append, so a kill leaves either the old or
/// the new file, never a torn last line; metrics files are small (one line per epoch).
public struct JSONLinesFile {
    public let url: URL
    public private(set) var lines: [String]

    /// Opens `url`, keeping the lines already there (for a resumed run).
    public init(url: URL, keepingFirst count: Int? = nil) {
        self.url = url
        let existing = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        var kept = existing.split(separator: "\n").map(String.init)
        if let count { kept = Array(kept.prefix(count)) }
        self.lines = kept
    }

    public mutating func append<T: Encodable>(_ value: T) throws {
        lines.append(try JSONOutput.line(value))
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: url)
    }
}
