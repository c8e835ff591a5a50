import Foundation

/// Temporary folders for tests, all under one folder per test process that is removed when
/// the process exits (a test run used to leave ~90 folders, ~200 MB, in the temporary
/// directory). Folders of earlier runs whose process is gone (killed, crashed) are removed
/// when the first folder of a new run is made.
public enum Scratch {
    /// `$TMPDIR/eqprop-tests-<pid>`.
    public static let root: URL = {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory
        removeStaleRoots(in: tmp)
        let root = tmp.appendingPathComponent("eqprop-tests-\(getpid())")
        try? fm.createDirectory(at: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.root) }
        return root
    }()

    /// A fresh, empty folder named after `label`.
    public static func directory(_ label: String) -> URL {
        let d = root.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// A path for a file in the scratch root (not created).
    public static func file(_ name: String) -> URL {
        root.appendingPathComponent("\(UUID().uuidString)-\(name)")
    }

    private static func removeStaleRoots(in tmp: URL) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: tmp.path) else { return }
        for name in names where name.hasPrefix("eqprop-tests-") {
            guard let pid = Int32(name.dropFirst("eqprop-tests-".count)), pid != getpid() else { continue }
            // kill(pid, 0) fails with ESRCH when no such process exists.
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? fm.removeItem(at: tmp.appendingPathComponent(name))
            }
        }
    }
}
