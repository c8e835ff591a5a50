import Foundation

/// The single writer of a run folder: an exclusive `flock(2)` on `<run>/.lock`, held from
/// before the first file is written until the process ends. A second `train` on the same
/// folder is refused with the holder's process ID, host and start time (which the holder
/// writes into the lock file). The kernel drops the lock when its process dies however it
/// dies, so a lock left by a killed run is simply taken over; its holder line, still in the
/// file, is reported as `staleHolder`. The file is left in place (emptied on release):
/// removing it could let two processes lock two different files of the same name.
public final class RunFolderLock {
    /// Who holds (or held) the lock, as written into the lock file.
    public struct Holder: Codable, Sendable, CustomStringConvertible {
        public var pid: Int32
        public var host: String
        /// ISO 8601, UTC.
        public var started: String
        public var command: String

        public var description: String {
            "process \(pid) on host \(host), started \(started)" + (command.isEmpty ? "" : " (\(command))")
        }
    }

    public enum LockError: Error, CustomStringConvertible {
        case held(folder: String, holder: Holder?)
        case unavailable(path: String, reason: String)

        public var description: String {
            switch self {
            case let .held(folder, holder):
                return "--out \(folder) is being written by another run: "
                    + (holder.map(\.description) ?? "a process that has not yet recorded itself in \(folder)/.lock")
                    + "; wait for it to finish (then --resume), or choose another folder"
            case let .unavailable(path, reason):
                return "cannot lock \(path): \(reason)"
            }
        }
    }

    public let url: URL
    private var fd: Int32
    /// The holder line found in the lock file when the lock was taken: a run that ended
    /// without releasing it (killed, crashed), whose folder this process now continues.
    public let staleHolder: Holder?

    /// Locks `folder` (which must exist) for `command` or throws `LockError.held` at once.
    public init(folder: RunFolder, command: String) throws {
        url = folder.url.appendingPathComponent(".lock")
        // O_CLOEXEC: worker processes started by this run must not inherit (and keep) the lock.
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LockError.unavailable(path: url.path, reason: String(cString: strerror(errno))) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let code = errno
            let holder = Self.readHolder(fd)
            close(fd)
            if code == EWOULDBLOCK { throw LockError.held(folder: folder.url.path, holder: holder) }
            throw LockError.unavailable(path: url.path, reason: String(cString: strerror(code)))
        }
        staleHolder = Self.readHolder(fd)
        let me = Holder(pid: getpid(), host: ProcessInfo.processInfo.hostName,
                        started: ISO8601DateFormatter().string(from: Date()), command: command)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = (try? encoder.encode(me)) ?? Data()
        line.append(0x0A)
        ftruncate(fd, 0)
        _ = line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        fsync(fd)
    }

    /// Empties the lock file and releases the lock (also done when the process ends).
    public func release() {
        guard fd >= 0 else { return }
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }

    private static func readHolder(_ fd: Int32) -> Holder? {
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: Data(bytes[0..<n]).split(separator: 0x0A).first.map { Data($0) } ?? Data())
    }
}
