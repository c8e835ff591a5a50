import Foundation
import Numerics

/// Runs the built `eqprop` under the real `mpirun` (Debian's Open MPI), with a deadline, as a
/// user of a cluster would. The root permissions Open MPI asks for are given here, in the
/// tests, never in the library.
public struct MPIJob {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// Wall-clock seconds from start to exit.
    public var seconds: Double
    /// Whether the deadline passed and the job was terminated.
    public var timedOut: Bool

    /// The last line of standard output as a JSON object (rank 0's report).
    public var json: [String: Any]? {
        guard let line = stdout.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else { return nil }
        return object as? [String: Any]
    }

    /// The built `eqprop`.
    public static let eqprop = BuiltExecutable.eqprop

    /// `mpirun` on PATH (Debian: /usr/bin/mpirun from openmpi-bin, installed by scripts/setup.sh).
    public static let mpirun: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/bin"] {
            let url = URL(fileURLWithPath: dir).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    /// This environment without any MPI launcher's variables (the tests may themselves run
    /// under a launcher on a cluster).
    public static var plainEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") }
    }

    /// `mpirun --oversubscribe -np <ranks> eqprop <arguments>` (or another `program` on every rank).
    public static func run(ranks: Int, _ arguments: [String], program: URL = eqprop, timeout: Double = 120) throws -> MPIJob {
        guard let mpirun else { throw MPIJobError.mpirunMissing }
        return try run(mpirun, ["--oversubscribe", "-np", String(ranks), program.path] + arguments,
                       environment: mpirunEnvironment, timeout: timeout)
    }

    /// The environment for mpirun: this one without a launcher's variables, and as root the
    /// permission Open MPI asks for.
    public static var mpirunEnvironment: [String: String] {
        var environment = plainEnvironment
        if getuid() == 0 {
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        }
        return environment
    }

    /// `eqprop <arguments>` without mpirun.
    public static func runAlone(_ arguments: [String], timeout: Double = 120) throws -> MPIJob {
        try run(eqprop, arguments, environment: plainEnvironment, timeout: timeout)
    }

    /// Runs `executable` with exactly `environment`; past `timeout` seconds it is terminated.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String], timeout: Double) throws -> MPIJob {
        let r = try ChildProcess.run(executable, arguments, environment: environment, inheritEnvironment: false, timeout: timeout)
        return MPIJob(status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: r.seconds, timedOut: r.timedOut)
    }
}

public enum MPIJobError: Error, CustomStringConvertible {
    case mpirunMissing
    public var description: String { "mpirun not found on PATH: install it with `apt-get install openmpi-bin libopenmpi-dev` (scripts/setup.sh does)" }
}
