import Foundation
import Reporting

/// Writes a group of files all or nothing: each goes (atomically, through `AtomicFile`) to a
/// hidden staging file next to its destination; only when every one is written are they
/// renamed into place. A failure removes the staging files and leaves the destinations as
/// they were.
public enum OutputFiles {
    /// Refuses (before writing anything) when a destination exists, unless `overwrite`.
    public static func write(_ files: [(url: URL, data: Data)], overwrite: Bool) throws {
        if !overwrite, let existing = files.first(where: { FileManager.default.fileExists(atPath: $0.url.path) }) {
            throw ExportError.outputExists(path: existing.url.path)
        }
        var staged: [(staging: URL, destination: URL)] = []
        defer { for s in staged { unlink(s.staging.path) } }
        for (url, data) in files {
            let staging = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).export-\(getpid())")
            do { try AtomicFile.write(data, to: staging) } catch let e as OutputError {
                throw OutputError(path: url.path, reason: e.reason)
            }
            staged.append((staging, url))
        }
        for s in staged where rename(s.staging.path, s.destination.path) != 0 {
            throw OutputError(path: s.destination.path, reason: String(cString: strerror(errno)))
        }
    }
}
