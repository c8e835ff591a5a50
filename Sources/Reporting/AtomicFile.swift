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
        try stage(data, for: url).commit()
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
