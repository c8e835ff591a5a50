import Foundation

/// A file written to its temporary name and flushed to disk, not yet renamed over its
/// destination: several files staged first and committed (renamed) one after another are
/// replaced together except in the instants between the renames, which are the only window
/// a kill can leave a mismatch in (see `TrainingRun`, which renames the checkpoint last).
public struct StagedFile {
    public let destination: URL
    let temporary: URL

    /// Renames the temporary file over the destination (atomic within a file system).
    public func commit() throws {
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw OutputError(path: destination.path, reason: reason)
        }
    }

    /// Removes the temporary file (an earlier file of the same commit failed).
    public func discard() { unlink(temporary.path) }
}

extension AtomicFile {
    /// The temporary name `write` uses for `url` in this process: `.<name>.tmp-<pid>` in the
    /// same folder.
    public static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    }

    /// Whether `name` is a temporary name of `write` or `stage` (of any process).
    public static func isTemporaryName(_ name: String) -> Bool {
        guard name.hasPrefix("."), let r = name.range(of: ".tmp-", options: .backwards) else { return false }
        let pid = name[r.upperBound...]
        return !pid.isEmpty && pid.allSatisfy(\.isASCII) && pid.allSatisfy(\.isNumber) && r.lowerBound > name.index(after: name.startIndex)
    }

    /// Writes `data` to the temporary name of `url` and flushes it; `commit()` puts it in place.
    public static func stage(_ data: Data, for url: URL) throws -> StagedFile {
        try stage(for: url) { writer in try data.withUnsafeBytes { try writer.write(unbuffered: $0) } }
    }

    /// Streams a file to the temporary name of `url` through `body` and flushes it; `commit()`
    /// puts it in place. On a failure the temporary file is removed.
    public static func stage(for url: URL, writing body: (StreamWriter) throws -> Void) throws -> StagedFile {
        let tmp = temporaryURL(for: url)
        do {
            let writer = try StreamWriter(path: tmp.path, reportingAs: url.path)
            try body(writer)
            try writer.finish()
        } catch {
            unlink(tmp.path)
            throw error
        }
        return StagedFile(destination: url, temporary: tmp)
    }

    /// Writes every file to its temporary name, then renames them in the given order (the
    /// last one last): on a failure before the renames nothing is replaced.
    public static func commitTogether(_ files: [(data: Data, url: URL)]) throws {
        try commitTogether(streaming: files.map { file in
            (file.url, { writer in try file.data.withUnsafeBytes { try writer.write(unbuffered: $0) } })
        })
    }

    /// `commitTogether` for files streamed through a `StreamWriter` (too large to hold in memory).
    public static func commitTogether(streaming files: [(url: URL, write: (StreamWriter) throws -> Void)]) throws {
        var staged: [StagedFile] = []
        do {
            for f in files { staged.append(try stage(for: f.url, writing: f.write)) }
        } catch {
            for s in staged { s.discard() }
            throw error
        }
        for (i, s) in staged.enumerated() {
            do { try s.commit() } catch {
                for rest in staged[(i + 1)...] { rest.discard() }
                throw error
            }
        }
    }
}
