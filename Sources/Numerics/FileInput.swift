import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads input files the way command-line tools do: by streaming `read(2)` until end of
/// file, so that special files work too (`/dev/fd/N` from `<(…)`, pipes, FIFOs, `/dev/stdin`),
/// where `Data(contentsOf:)` trusts a size of 0 or reports "permission denied". Errors name the
/// file and the cause in words ("is a directory", "no such file"), never a Foundation domain
/// and code.
public enum FileInput {
    /// The whole content of `url`, refused as soon as it passes `maxBytes` (default: the
    /// memory budget), before the rest is read.
    public static func read(_ url: URL, maxBytes: Int? = nil) throws -> Data {
        try read(path: url.path, maxBytes: maxBytes)
    }

    public static func read(path: String, maxBytes: Int? = nil) throws -> Data {
        let limit = maxBytes ?? MemoryBudget.limitBytes
        guard !path.isEmpty else { throw InputError("''", "an empty path names no file") }
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw InputError(path, cannotOpen(errno)) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR { throw InputError(path, "is a directory, not a file") }
            if kind == S_IFREG && Int(info.st_size) > limit {
                throw InputError(path, "the file holds \(MemoryBudget.format(Int(info.st_size))), more than the limit of \(MemoryBudget.format(limit))")
            }
        }
        var data = Data()
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, chunk) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(path, "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            guard data.count + n <= limit else {
                throw InputError(path, "holds more than the limit of \(MemoryBudget.format(limit)); stopped reading there")
            }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }

    private static func cannotOpen(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES: return "permission denied (the file exists but may not be read)"
        case ENOTDIR: return "a folder on the path is a file"
        case ELOOP: return "too many symbolic links"
        default: return "cannot open: \(String(cString: strerror(code)))"
        }
    }
}
