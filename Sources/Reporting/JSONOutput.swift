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
        String(decoding: try prettyEncoder().encode(value), as: UTF8.self) + "\n"
    }

    /// Keys sorted, pretty-printed, non-finite numbers as "inf", "-inf", "nan".
    static func prettyEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
}

/// An append-only file of JSON lines (one object per line), e.g. per-epoch metrics.
///
/// The whole file is rewritten atomically on each append, so a kill leaves either the old or
/// the new file, never a torn last line; metrics files are small (one line per epoch).
///
/// A damaged line (not UTF-8, not a JSON object) is kept byte for byte and listed in
/// `damaged`, so that a reader can warn about it: one bad byte never costs the other lines.
public struct JSONLinesFile {
    public let url: URL
    /// Every kept line, as its bytes (without the newline).
    public private(set) var rawLines: [Data]
    /// Kept lines that are not a UTF-8 JSON object: 1-based line number and what is wrong.
    public private(set) var damaged: [(line: Int, reason: String)] = []
    /// Lines found beyond the first `count` (not kept).
    public private(set) var droppedCount = 0

    /// The kept lines that are valid UTF-8 (damaged UTF-8 lines are left out; see `damaged`).
    public var lines: [String] { rawLines.compactMap { String(data: $0, encoding: .utf8) } }

    /// Opens `url`, keeping the first `count` non-empty lines already there (all when nil; a
    /// missing file has none). Throws when the file exists but cannot be read.
    public init(url: URL, keepingFirst count: Int? = nil) throws {
        self.url = url
        var data = Data()
        if FileManager.default.fileExists(atPath: url.path) {
            do { data = try Data(contentsOf: url) } catch {
                throw OutputError(path: url.path, reason: "cannot be read (\((error as NSError).localizedDescription)); "
                                  + "move it away to start a new history")
            }
        }
        var kept = data.split(separator: 0x0A, omittingEmptySubsequences: true).map { Data($0) }
        if let count, kept.count > max(count, 0) {
            droppedCount = kept.count - max(count, 0)
            kept = Array(kept.prefix(max(count, 0)))
        }
        rawLines = kept
        for (i, line) in kept.enumerated() {
            guard let text = String(data: line, encoding: .utf8) else {
                damaged.append((i + 1, "not valid UTF-8"))
                continue
            }
            if (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] == nil {
                damaged.append((i + 1, "not a JSON object"))
            }
        }
    }

    public mutating func append<T: Encodable>(_ value: T) throws {
        rawLines.append(Data(try JSONOutput.line(value).utf8))
        var out = Data()
        for line in rawLines { out.append(line); out.append(0x0A) }
        try AtomicFile.write(out, to: url)
    }
}
