import Foundation

/// Bytes written to a file through a 1 MB buffer: for outputs too large to build in memory
/// first (the first crossbar of drn-xl is 51 million cells, about 0.8 GB of CSV). Numbers are
/// formatted into the buffer by `snprintf`, without a `String` per number.
public final class StreamWriter {
    private let fd: Int32
    private let reportedPath: String
    private var buffer: [UInt8] = []
    private let capacity = 1 << 20
    private var scratch = [CChar](repeating: 0, count: 40)

    init(path: String, reportingAs reported: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        reportedPath = reported
        guard fd >= 0 else { throw OutputError(path: reported, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(capacity + 64)
    }

    deinit { close(fd) }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= capacity { try flush() }
    }

    /// `x` as C's `%.<digits>e` (e.g. 1.234567890e-05 for 9 digits).
    public func write(scientific x: Double, digits: Int32) throws {
        let n = scratch.withUnsafeMutableBufferPointer { p in
            Int(withVaList([digits, x]) { vsnprintf(p.baseAddress!, p.count, "%.*e", $0) })
        }
        guard n > 0, n < scratch.count else { throw OutputError(path: reportedPath, reason: "cannot format \(x)") }
        scratch.withUnsafeBytes { buffer.append(contentsOf: $0.prefix(n)) }
        if buffer.count >= capacity { try flush() }
    }

    /// Writes `bytes` to the file at once, after what is buffered.
    func write(unbuffered bytes: UnsafeRawBufferPointer) throws {
        try flush()
        try writeAll(bytes)
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw OutputError(path: reportedPath, reason: String(cString: strerror(errno))) }
            offset += n
        }
    }

    /// Writes what is buffered and flushes the file to disk.
    func finish() throws {
        try flush()
        guard fsync(fd) == 0 else { throw OutputError(path: reportedPath, reason: String(cString: strerror(errno))) }
    }
}
