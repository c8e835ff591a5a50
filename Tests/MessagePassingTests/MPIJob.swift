import Foundation

/// Runs the built `eqprop` under the real `mpirun` (Debian's Open MPI), with a deadline, as a
/// user of a cluster would. The root permissions Open MPI asks for are given here, in the
/// tests, never in the library.
struct MPIJob {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Wall-clock seconds from start to exit.
    var seconds: Double
    /// Whether the deadline passed and the job was terminated.
    var timedOut: Bool

    /// The last line of standard output as a JSON object (rank 0's report).
    var json: [String: Any]? {
        guard let line = stdout.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else { return nil }
        return object as? [String: Any]
    }

    /// The `eqprop` executable next to the test bundle (same build configuration).
    static let eqprop: URL = {
        let bundleDir = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        let candidate = bundleDir.appendingPathComponent("eqprop")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for config in ["release", "debug"] {
            let url = root.appendingPathComponent(".build/\(config)/eqprop")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidate
    }()

    /// `mpirun` on PATH (Debian: /usr/bin/mpirun from openmpi-bin, installed by scripts/setup.sh).
    static let mpirun: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin"] {
            let url = URL(fileURLWithPath: dir).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    /// This environment without any MPI launcher's variables (the tests may themselves run
    /// under a launcher on a cluster).
    static var plainEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") }
    }

    /// `mpirun --oversubscribe -np <ranks> eqprop <arguments>`.
    static func run(ranks: Int, _ arguments: [String], timeout: Double = 120) throws -> MPIJob {
        guard let mpirun else { throw MPIJobError.mpirunMissing }
        var environment = plainEnvironment
        if getuid() == 0 {
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        }
        return try run(mpirun, ["--oversubscribe", "-np", String(ranks), eqprop.path] + arguments,
                       environment: environment, timeout: timeout)
    }

    /// `eqprop <arguments>` without mpirun.
    static func runAlone(_ arguments: [String], timeout: Double = 120) throws -> MPIJob {
        try run(eqprop, arguments, environment: plainEnvironment, timeout: timeout)
    }

    /// Runs `executable`, reading both pipes concurrently; past `timeout` seconds the process
    /// gets SIGTERM, then SIGKILL 5 s later.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String], timeout: Double) throws -> MPIJob {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        let pid = p.processIdentifier
        let timedOut = TimeoutFlag()
        let timer = DispatchWorkItem {
            timedOut.set()
            kill(pid, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) { kill(pid, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        timer.cancel()
        return MPIJob(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), seconds: Date().timeIntervalSince(start),
                      timedOut: timedOut.value)
    }
}

enum MPIJobError: Error, CustomStringConvertible {
    case mpirunMissing
    var description: String { "mpirun not found on PATH: install it with `apt-get install openmpi-bin libopenmpi-dev` (scripts/setup.sh does)" }
}

/// Set once by the timer thread, read after the process exits.
final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.lock(); flag = true; lock.unlock() }
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}
