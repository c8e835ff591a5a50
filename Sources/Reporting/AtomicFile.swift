import Foundation

/// Why an output could not be written.
public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes files so that a reader (or a killed process) never sees half of one: the bytes go
/// to a temporary file in the same folder, are flushed to disk, and the temporary file is
/// renamed over the destination (rename(2) is atomic within a file system).
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let tmp = temporaryURL(for: url)
        try writeFlushed(data, to: tmp, reportingAs: url)
        guard rename(tmp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp.path)
            throw OutputError(path: url.path, reason: reason)
        }
    }

    /// Writes `data` to `tmp` and flushes it to disk; on a failure removes `tmp` and throws
    /// an error naming `url`.
    static func writeFlushed(_ data: Data, to tmp: URL, reportingAs url: URL) throws {
        do {
            let writer = try StreamWriter(path: tmp.path, reportingAs: url.path)
            try data.withUnsafeBytes { try writer.write(unbuffered: $0) }
            try writer.finish()
        } catch {
            unlink(tmp.path)
            throw error
        }
    }

    public static func write(_ string: String, to url: URL) throws {
        try write(Data(string.utf8), to: url)
    }

    /// Creates `url` (and its parents) as a folder and checks that files can be created in it.
    public static func prepareDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: url.path, reason: "cannot create the folder (\((error as NSError).localizedDescription))")
        }
        guard access(url.path, W_OK) == 0 else {
            throw OutputError(path: url.path, reason: "the folder is not writable")
        }
    }
}
