import Circuit
import Equilibrium
import Foundation
import Numerics

/// The Swift circuit solver against ngspice on the same circuit and samples (free phase),
/// side by side (`eqprop benchmark solvers`, BENCHMARKS.md):
///
/// 1. the Swift solver with the preset's Shockley equations (best of 3 runs);
/// 2. naive ngspice: one `op` per sample on a freshly loaded full-crossbar deck;
/// 3. batched ngspice: worker processes sweep the samples of a full-crossbar deck with
///    EXTERNAL input sources (`dc` sweep of a dummy source);
/// 4. the same with the input crossbar in Norton form.
///
/// Every ngspice path is compared node by node with the Swift fixed point (`StateDifference`).
public struct SolverBenchmark {
    /// One architecture's timings (s) and largest differences from the Swift solver (V).
    public struct Result: Codable, Sendable {
        public var architecture: [Int]
        public var preset: String
        public var samples: Int
        public var swiftSecondsPerSample: Double
        public var swiftSweeps: Int
        public var opSecondsPerSample: Double?
        public var opMaxAbsDiffVolts: Double?
        public var sweepFullSecondsPerSample: Double?
        public var sweepFullSamplesPerSecond: Double?
        public var sweepFullLoadSeconds: Double?
        public var sweepFullMaxAbsDiffVolts: Double?
        public var sweepNortonSecondsPerSample: Double?
        public var sweepNortonSamplesPerSecond: Double?
        public var sweepNortonMaxAbsDiffVolts: Double?
        public var speedupVersusOp: Double?
        public var workers: Int

        enum CodingKeys: String, CodingKey {
            case architecture, preset, samples, workers
            case swiftSecondsPerSample = "swift_seconds_per_sample", swiftSweeps = "swift_sweeps"
            case opSecondsPerSample = "op_seconds_per_sample", opMaxAbsDiffVolts = "op_max_abs_diff_volts"
            case sweepFullSecondsPerSample = "sweep_full_seconds_per_sample"
            case sweepFullSamplesPerSecond = "sweep_full_samples_per_second"
            case sweepFullLoadSeconds = "sweep_full_first_batch_seconds"
            case sweepFullMaxAbsDiffVolts = "sweep_full_max_abs_diff_volts"
            case sweepNortonSecondsPerSample = "sweep_norton_seconds_per_sample"
            case sweepNortonSamplesPerSecond = "sweep_norton_samples_per_second"
            case sweepNortonMaxAbsDiffVolts = "sweep_norton_max_abs_diff_volts"
            case speedupVersusOp = "swift_speedup_versus_op"
        }
    }

    public var pool: NgspiceWorkerPool
    /// Swift solver tolerance, V.
    public var tolerance = 1e-11
    /// Samples of the naive path (each loads the full deck).
    public var opSamples = 3
    /// The batched full-crossbar path is skipped above this many input-crossbar cells.
    public var fullSweepLimit = 1_000_000

    /// Sees (steps done, steps in all, the step just done): three Swift relaxations, one
    /// ngspice `op` per sample, a first and a timed sweep per deck form.
    public var progress: ((Int, Int, String) -> Void)?

    public init(pool: NgspiceWorkerPool) { self.pool = pool }

    /// Benchmarks `circuit` on the B × n₀ `pixels`.
    public func run(_ circuit: ResistiveCircuit, pixels: DoubleMatrix) throws -> Result {
        let net = circuit.network, samples = pixels.rows
        let free = RelaxationRequest(inputs: pixels, start: net.layerSizes.map { DoubleMatrix(rows: samples, columns: $0) })
        var result = Result(architecture: net.architecture, preset: circuit.preset.name, samples: samples,
                            swiftSecondsPerSample: 0, swiftSweeps: 0, workers: pool.size)

        let forms = [NetlistOptions.Form.fullCrossbar, .nortonInputs].filter { $0 != .fullCrossbar || net.conductances[0].count <= fullSweepLimit }
        let total = 3 + (opSamples > 0 ? min(opSamples, samples) : 0) + 2 * forms.count
        var done = 0
        func advance(_ what: String) {
            done += 1
            progress?(done, total, what)
        }
        let swift = SwiftCircuitRelaxer(solver: CircuitSolver(diodeModel: .shockley, tolerance: tolerance))
        var best = Double.infinity
        var runs: [Relaxation<Double>] = []
        for _ in 0..<3 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let run = try swift.relax(circuit, free)
            best = min(best, Self.seconds(since: t0))
            guard run.statistics.converged else {
                throw CircuitError("the Swift solver did not converge for \(net.architecture) (residual \(run.statistics.residual) V)")
            }
            runs.append(run)
            advance("Swift solver")
        }
        let reference = runs[2]
        result.swiftSweeps = reference.statistics.iterations
        result.swiftSecondsPerSample = best / Double(samples)

        if opSamples > 0 {
            let n = min(opSamples, samples)
            let conditions = try free.conditions(for: circuit, nudgeKind: .current)
            var seconds = 0.0, worst = 0.0
            for b in 0..<n {
                let deck = try SpiceWriter.write(try circuit.netlist(conditions.rows(b..<(b + 1)), options: NetlistOptions(analysis: .none)))
                let t0 = DispatchTime.now().uptimeNanoseconds
                let values = try pool.run([PoolJob(deckID: "op-\(UUID().uuidString)", deck: deck, analysis: "op", sources: [],
                                                   values: [[]], nodes: circuit.names.freeNodes)])[0][0]
                seconds += Self.seconds(since: t0)
                let expected = reference.states.map { $0.rows(b..<(b + 1)) }
                worst = max(worst, StateDifference(expected, net.states(fromNodeRows: [values])).maxAbs)
                advance("ngspice op, sample \(b + 1)")
            }
            result.opSecondsPerSample = seconds / Double(n)
            result.opMaxAbsDiffVolts = worst
            result.speedupVersusOp = result.opSecondsPerSample! / result.swiftSecondsPerSample
        }

        // A first batch loads the deck in every worker; the timed batch runs on the loaded circuit.
        for form in forms {
            let ngspice = NgspiceRelaxer(pool: pool, form: form)
            ngspice.chunk = (samples + pool.size - 1) / pool.size
            let relaxer = NgspiceCircuitRelaxer(relaxer: ngspice)
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try relaxer.relax(circuit, free)
            let load = Self.seconds(since: t0)
            advance("ngspice sweep, \(form.rawValue) deck loaded")
            let t1 = DispatchTime.now().uptimeNanoseconds
            let relaxed = try relaxer.relax(circuit, free)
            let perSample = Self.seconds(since: t1) / Double(samples)
            advance("ngspice sweep, \(form.rawValue) deck timed")
            let difference = relaxed.statistics.converged ? StateDifference(reference.states, relaxed.states).maxAbs : .infinity
            if form == .fullCrossbar {
                result.sweepFullSecondsPerSample = perSample
                result.sweepFullSamplesPerSecond = 1 / perSample
                result.sweepFullLoadSeconds = load
                result.sweepFullMaxAbsDiffVolts = difference
            } else {
                result.sweepNortonSecondsPerSample = perSample
                result.sweepNortonSamplesPerSecond = 1 / perSample
                result.sweepNortonMaxAbsDiffVolts = difference
            }
        }
        return result
    }

    private static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
}
