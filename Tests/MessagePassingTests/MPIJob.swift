import Foundation
import Numerics
import TestSupport

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

    /// The built `eqprop`.
    static let eqprop = BuiltExecutable.eqprop

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

    /// Runs `executable` with exactly `environment`; past `timeout` seconds it is terminated.
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String], timeout: Double) throws -> MPIJob {
        let r = try ChildProcess.run(executable, arguments, environment: environment, inheritEnvironment: false, timeout: timeout)
        return MPIJob(status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: r.seconds, timedOut: r.timedOut)
    }
}

enum MPIJobError: Error, CustomStringConvertible {
    case mpirunMissing
    var description: String { "mpirun not found on PATH: install it with `apt-get install openmpi-bin libopenmpi-dev` (scripts/setup.sh does)" }
}
