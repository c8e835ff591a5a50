import Foundation

extension RunFolder {
    /// The folder of a run and its lock: `out`, else `runs/<stem>-seed<S>` (stem: the preset,
    /// and the solver for circuits). The lock is taken before anything is read from a folder
    /// that exists already (one that does not exist yet is locked once it is created, see
    /// `TrainingSession`); a folder another run writes is refused naming that run. A fresh run
    /// without `out` does not stop at an earlier run there, nor at a folder another run is
    /// writing, but takes the next free name (`…-seed<S>-2`, `-3`, …). `note` hears of a dead
    /// run's lock taken over.
    public static func choose(out: String?, stem: String, seed: UInt64, resume: Bool, command: String,
                              note: (String) -> Void) throws -> (folder: RunFolder, lock: RunFolderLock?) {
        func lock(_ folder: RunFolder) throws -> RunFolderLock {
            let lock = try RunFolderLock(folder: folder, command: command)
            if let stale = lock.staleHolder {
                note("\(folder.url.path) was last written by \(stale), which ended without finishing; this run takes it over")
            }
            return lock
        }
        func lockIfPresent(_ folder: RunFolder) throws -> RunFolderLock? {
            do { return folder.isDirectory ? try lock(folder) : nil } catch let e as RunFolderLock.LockError {
                throw TrainingError.invalidConfiguration(e.description)
            }
        }
        if let out {
            guard !out.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw TrainingError.invalidConfiguration("--out: empty path; give the run folder (it would otherwise be the current directory)")
            }
            let folder = RunFolder(URL(fileURLWithPath: out))
            return (folder, try lockIfPresent(folder))
        }
        let base = "runs/\(stem)-seed\(seed)"
        var k = 1
        while true {
            let folder = RunFolder(URL(fileURLWithPath: k == 1 ? base : "\(base)-\(k)"))
            if resume { return (folder, try lockIfPresent(folder)) }
            if !folder.hasCheckpoint {
                guard folder.isDirectory else { return (folder, nil) }
                do { return (folder, try lock(folder)) } catch RunFolderLock.LockError.held {}  // another run's: the next name
            }
            k += 1
        }
    }

    /// True when the folder exists and is a directory.
    public var isDirectory: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
