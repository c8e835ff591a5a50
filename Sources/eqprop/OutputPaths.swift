import ArgumentParser
import Foundation

/// A file an output will be written to: its folder must exist and take a new file (tried
/// with a probe file, which also catches read-only file systems when running as root).
func writableFileLocation(_ path: String, flag: String) throws -> URL {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(flag) \(path): the folder \(dir.path) does not exist")
    }
    var existingIsDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &existingIsDirectory), existingIsDirectory.boolValue {
        throw ValidationError("\(flag) \(path) is a folder, not a file")
    }
    let probe = dir.appendingPathComponent(".eqprop-probe-\(getpid())")
    let fd = open(probe.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else {
        throw ValidationError("\(flag) \(path): cannot write in \(dir.path) (\(String(cString: strerror(errno))))")
    }
    close(fd)
    unlink(probe.path)
    return url
}

/// A folder outputs go to, created if missing; refused (naming `flag`) when it is a file or
/// cannot be written.
func writableFolder(_ path: String, flag: String) throws -> URL {
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw ValidationError("\(flag) \(path) is a file, not a folder") }
    } else {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw ValidationError("\(flag) \(path): the folder cannot be created (\(error.localizedDescription))")
        }
    }
    guard access(url.path, W_OK | X_OK) == 0 else { throw ValidationError("\(flag) \(path): the folder is not writable") }
    return url
}
