import Circuit
import Equilibrium
import Foundation
import Ngspice
import Numerics
import Testing
import TestSupport

/// Worker processes (the real `eqprop ngspice-worker`): parallel jobs, and recovery from a
/// worker that crashes or hangs, with its job re-run. Fault injection: a worker aborts (or
/// sleeps forever) at its next request when the file named by EQPROP_WORKER_CRASH_FILE (or
/// EQPROP_WORKER_HANG_FILE) exists, deleting it first.
@Suite(.serialized) struct WorkerPoolTests {
    let directory: URL = {
        Scratch.directory("pool")
    }()

    func setup() throws -> (ResistiveCircuit, CircuitConditions, [DoubleMatrix]) {
        let p = try NgspiceTestSupport.preset("real-diode")
        var rng = SeededGenerator(seed: 31)
        let c = ResistiveCircuit(network: ResistiveNetwork(architecture: [16, 8, 4], preset: p, conductanceScale: 5e-4, rng: &rng), preset: p)
        let pixels = DoubleMatrix.uniform(rows: 12, columns: 16, in: 0...1, using: &rng)
        let conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: pixels, gain: p.inputGain))
        var state = c.network.layerSizes.map { DoubleMatrix(rows: 12, columns: $0) }
        #expect(CircuitSolver(diodeModel: .shockley, tolerance: 1e-12).relax(c, conditions: conditions, state: &state).converged)
        return (c, conditions, state)
    }

    func maxDiff(_ a: [DoubleMatrix], _ b: [DoubleMatrix]) -> Double {
        StateDifference(a, b).maxAbs
    }

    @Test func poolRelaxesBatchesInParallel() throws {
        let (c, conditions, swift) = try setup()
        let pool = NgspiceWorkerPool(executable: NgspiceTestSupport.executable, size: 2)
        defer { pool.shutdown() }
        let relaxer = NgspiceRelaxer(pool: pool, form: .fullCrossbar)
        relaxer.chunk = 4
        #expect(maxDiff(try relaxer.relax(c, conditions: conditions), swift) < 1e-9)
        #expect(pool.processIDs.count == 2 && pool.restarts == 0)
    }

    @Test func crashedWorkerIsRestartedAndItsJobRerun() throws {
        let (c, conditions, swift) = try setup()
        let marker = directory.appendingPathComponent("crash")
        setenv("EQPROP_WORKER_CRASH_FILE", marker.path, 1)
        defer { unsetenv("EQPROP_WORKER_CRASH_FILE") }
        let pool = NgspiceWorkerPool(executable: NgspiceTestSupport.executable, size: 2)
        defer { pool.shutdown() }
        let relaxer = NgspiceRelaxer(pool: pool)
        _ = try relaxer.relax(c, conditions: conditions)  // workers up and holding the circuit
        #expect(FileManager.default.createFile(atPath: marker.path, contents: Data()))
        let again = try relaxer.relax(c, conditions: conditions)
        #expect(!FileManager.default.fileExists(atPath: marker.path), "a worker must have consumed the crash marker")
        #expect(pool.restarts == 1)
        #expect(maxDiff(again, swift) < 1e-9, "the re-run job must give the same answer")
    }

    @Test func hungWorkerIsKilledRestartedAndItsJobRerun() throws {
        let (c, conditions, swift) = try setup()
        let marker = directory.appendingPathComponent("hang")
        setenv("EQPROP_WORKER_HANG_FILE", marker.path, 1)
        defer { unsetenv("EQPROP_WORKER_HANG_FILE") }
        let pool = NgspiceWorkerPool(executable: NgspiceTestSupport.executable, size: 2, timeout: 3)
        defer { pool.shutdown() }
        let relaxer = NgspiceRelaxer(pool: pool)
        _ = try relaxer.relax(c, conditions: conditions)
        #expect(FileManager.default.createFile(atPath: marker.path, contents: Data()))
        let start = Date()
        let again = try relaxer.relax(c, conditions: conditions)
        #expect(Date().timeIntervalSince(start) >= 3, "the hang must have been waited out")
        #expect(pool.restarts == 1)
        #expect(maxDiff(again, swift) < 1e-9)
    }

    /// A worker stopped by SIGSTOP (alive, silent) is found by the adaptive timeout —
    /// max(10 × median, 2 × slowest recent job, floor), here with a 1 s floor — killed,
    /// restarted and its job re-run with the same answer; the restart is logged.
    @Test func stoppedWorkerIsFoundByTheAdaptiveTimeout() throws {
        let (c, conditions, swift) = try setup()
        let pool = NgspiceWorkerPool(executable: NgspiceTestSupport.executable, size: 2)
        pool.timeoutFloor = 1
        let lines = LogLines()
        pool.log = { lines.append($0) }
        defer { pool.shutdown() }
        let relaxer = NgspiceRelaxer(pool: pool)
        #expect(pool.currentTimeout == pool.initialTimeout, "before any job: the initial timeout")
        _ = try relaxer.relax(c, conditions: conditions)
        _ = try relaxer.relax(c, conditions: conditions)
        let timeout = pool.currentTimeout
        #expect(timeout >= 1 && timeout < pool.initialTimeout, "adaptive timeout \(timeout) s")
        let victim = try #require(pool.processIDs.first)
        defer { kill(victim, SIGKILL) }
        #expect(kill(victim, SIGSTOP) == 0)
        let start = Date()
        let again = try relaxer.relax(c, conditions: conditions)
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed >= timeout * 0.9 && elapsed < timeout + 5, "found after \(elapsed) s with a timeout of \(timeout) s")
        #expect(pool.restarts == 1 && !pool.processIDs.contains(victim))
        #expect(maxDiff(again, swift) < 1e-9)
        #expect(lines.all.count == 1 && lines.all[0].contains("process \(victim)") && lines.all[0].contains("(hung or stopped)"), "\(lines.all)")
    }

    @Test func missingWorkerExecutableIsAClearError() throws {
        let (c, conditions, _) = try setup()
        let pool = NgspiceWorkerPool(executable: URL(fileURLWithPath: "/nonexistent/eqprop"), size: 1)
        #expect { try NgspiceRelaxer(pool: pool).relax(c, conditions: conditions) } throws: { "\($0)".contains("/nonexistent/eqprop") }
    }
}

/// Log lines collected from the pool's lanes.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
