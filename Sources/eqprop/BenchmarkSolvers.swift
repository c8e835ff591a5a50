import ArgumentParser
import Circuit
import Datasets
import Foundation
import Ngspice
import Numerics
import Reporting

extension EqPropCommand.Benchmark {
    struct Solvers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The Swift circuit solver against ngspice on the same circuits, side by side.",
            discussion: """
            For each architecture: a seeded DRN with the given preset, relaxed on the same input
            samples (free phase) by (1) the Swift solver (the preset's Shockley equations, tolerance
            --tolerance V), (2) one ngspice `op` per sample on a freshly loaded full-crossbar deck (the
            naive path), (3) batched ngspice: worker processes sweep the samples of a full-crossbar
            deck with EXTERNAL input sources (`dc` sweep of a dummy source), and (4) the same with the
            input crossbar in Norton form. Reports seconds per sample, samples/s and the largest
            node-voltage difference against Swift.
            """)

        @Option(help: "Architectures, separated by ';' (e.g. 64,32,10;784,100,10;784,500,10).")
        var layers: String = "64,32,10;784,100,10;784,500,10"
        @Option(help: "Hardware preset.")
        var hardware: String = "real-diode"
        @Option(help: "Samples per architecture for the Swift solver and the batched ngspice paths.")
        var samples: Int = 100
        @Option(help: "Samples for the naive single-op path (each loads the full deck).")
        var opSamples: Int = 3
        @Option(help: "ngspice worker processes.")
        var workers: Int = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: "Swift solver tolerance, V.")
        var tolerance: Double = 1e-11
        @Option(help: "Seed.")
        var seed: UInt64 = 1
        @Option(help: "Skip the batched full-crossbar ngspice path for networks with more cells than this (it takes minutes).")
        var fullSweepLimit: Int = 1_000_000
        @OptionGroup var data: DataOptions
        @Flag(help: "One JSON line per architecture.")
        var json = false

        struct Row: Encodable {
            var architecture: [Int]
            var preset: String
            var samples: Int
            var swiftSecondsPerSample: Double
            var swiftSweeps: Int
            var opSecondsPerSample: Double?
            var opMaxAbsDiffVolts: Double?
            var sweepFullSecondsPerSample: Double?
            var sweepFullSamplesPerSecond: Double?
            var sweepFullLoadSeconds: Double?
            var sweepFullMaxAbsDiffVolts: Double?
            var sweepNortonSecondsPerSample: Double?
            var sweepNortonSamplesPerSecond: Double?
            var sweepNortonMaxAbsDiffVolts: Double?
            var speedupVersusOp: Double?
            var workers: Int
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

        func validate() throws {
            try FlagChecks.samples(samples, "--samples")
            try FlagChecks.samples(opSamples, "--op-samples", allowZero: true)
            try FlagChecks.workers(workers)
            guard tolerance.isFinite, tolerance > 0 else { throw ValidationError("--tolerance must be a positive number of volts (got \(tolerance))") }
        }

        func run() throws {
            let preset = try HardwarePreset.load(hardware)
            let architectures = try layers.split(separator: ";").map { text in
                let arch = try FlagChecks.layers(String(text))
                return (text: String(text), arch: arch)
            }
            for (text, arch) in architectures {
                var rng = SeededGenerator(seed: seed)
                let net = ResistiveNetwork(architecture: arch, preset: preset,
                                           conductanceScale: ResistiveNetwork.defaultConductanceScale, rng: &rng)
                let circuit = ResistiveCircuit(network: net, preset: preset)
                let pixels = try data.inputSamples(count: samples, pixels: arch[0], classes: arch.last!, seed: seed, flag: "--samples").pixels
                let conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: pixels, gain: preset.inputGain))
                var row = Row(architecture: arch, preset: preset.name, samples: samples, swiftSecondsPerSample: 0,
                              swiftSweeps: 0, workers: workers)

                // (1) Swift: best of 3 runs.
                let solver = CircuitSolver(diodeModel: .shockley, tolerance: tolerance)
                var swiftState: [DoubleMatrix] = []
                var best = Double.infinity
                for _ in 0..<3 {
                    var state = net.layerSizes.map { DoubleMatrix(rows: samples, columns: $0) }
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let stats = solver.relax(circuit, conditions: conditions, state: &state)
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
                    guard stats.converged else { throw ValidationError("the Swift solver did not converge for \(text)") }
                    row.swiftSweeps = stats.iterations
                    swiftState = state
                }
                row.swiftSecondsPerSample = best / Double(samples)
                func maxDiff(_ rows: Range<Int>, _ v: [[Double]]) -> Double {
                    var worst = 0.0
                    for (p, b) in rows.enumerated() {
                        var k = 0
                        for l in 0..<swiftState.count {
                            for j in 0..<swiftState[l].columns { worst = max(worst, abs(swiftState[l][b, j] - v[p][k])); k += 1 }
                        }
                    }
                    return worst
                }
                let pool = NgspiceWorkerPool(executable: currentExecutable, size: workers)
                defer { pool.shutdown() }

                // (2) naive: load the full deck and run one op, per sample.
                if opSamples > 0 {
                    var seconds = 0.0, diff = 0.0
                    for b in 0..<min(opSamples, samples) {
                        let one = conditions.rows(b..<(b + 1))
                        let deck = try SpiceWriter.write(try circuit.netlist(one, options: NetlistOptions(analysis: .none)))
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        let v = try pool.run([PoolJob(deckID: "op-\(text)-\(b)", deck: deck,
                                                      analysis: "op", sources: [], values: [[]], nodes: circuit.names.freeNodes)])
                        seconds += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
                        diff = max(diff, maxDiff(b..<(b + 1), v[0]))
                    }
                    row.opSecondsPerSample = seconds / Double(min(opSamples, samples))
                    row.opMaxAbsDiffVolts = diff
                    row.speedupVersusOp = row.opSecondsPerSample! / row.swiftSecondsPerSample
                }

                // (3), (4) batched sweeps over the worker pool: a first batch (includes loading the
                // deck in every worker), then the timed batch on the loaded circuit.
                for form in [NetlistOptions.Form.fullCrossbar, .nortonInputs] {
                    if form == .fullCrossbar && net.conductances[0].count > fullSweepLimit { continue }
                    let relaxer = NgspiceRelaxer(pool: pool, form: form)
                    relaxer.chunk = (samples + workers - 1) / workers
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try relaxer.relax(circuit, conditions: conditions)
                    let t1 = DispatchTime.now().uptimeNanoseconds
                    let v = try relaxer.relax(circuit, conditions: conditions)
                    let t2 = DispatchTime.now().uptimeNanoseconds
                    var flat: [[Double]] = []
                    for b in 0..<samples { flat.append(v.flatMap { $0.row(b) }) }
                    let perSample = Double(t2 - t1) * 1e-9 / Double(samples)
                    if form == .fullCrossbar {
                        row.sweepFullSecondsPerSample = perSample
                        row.sweepFullSamplesPerSecond = 1 / perSample
                        row.sweepFullLoadSeconds = Double(t1 - t0) * 1e-9
                        row.sweepFullMaxAbsDiffVolts = maxDiff(0..<samples, flat)
                    } else {
                        row.sweepNortonSecondsPerSample = perSample
                        row.sweepNortonSamplesPerSecond = 1 / perSample
                        row.sweepNortonMaxAbsDiffVolts = maxDiff(0..<samples, flat)
                    }
                }
                if json {
                    print(try JSONOutput.line(row))
                } else {
                    var line = String(format: "%@: Swift %.3g s/sample (%d sweeps)", text as CVarArg, row.swiftSecondsPerSample, row.swiftSweeps)
                    if let op = row.opSecondsPerSample {
                        line += String(format: "; ngspice op %.3g s/sample (Swift %.0f× faster, diff %.2g V)", op, row.speedupVersusOp!, row.opMaxAbsDiffVolts!)
                    }
                    if let s = row.sweepFullSamplesPerSecond {
                        line += String(format: "; sweep full %.1f samples/s (first batch %.1f s, diff %.2g V)", s, row.sweepFullLoadSeconds!, row.sweepFullMaxAbsDiffVolts!)
                    }
                    if let s = row.sweepNortonSamplesPerSecond {
                        line += String(format: "; sweep norton %.0f samples/s (diff %.2g V)", s, row.sweepNortonMaxAbsDiffVolts!)
                    }
                    print(line)
                }
            }
        }
    }
}
