import ArgumentParser
import Circuit
import CoSimulation
import Datasets
import Foundation
import Ngspice
import Numerics
import Reporting

extension EqPropCommand {
    struct Crosscheck: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Relax the same samples in the Swift solver and in ngspice and compare them node by node.",
            discussion: """
            Builds a seeded DRN (or loads one with --network or --run), relaxes test samples (resampled to the \
            network's input size; seeded random pixels when no data set is found) in the free phase and in a nudged \
            phase (current injection β(y − V⁻) from the Swift free state, the same for both solvers), in Swift with the \
            preset's diode equations and in ngspice worker processes (one per core), and reports the largest \
            node-voltage difference per phase and the time per sample of each solver. ngspice runs with the preset's \
            spice_options (reltol 1e-9, vntol 1e-12, abstol 1e-15 in the shipped presets). --beta is β̂ in the \
            reference units of `eqprop train` (units of G_u: the run's, else the preset's conductance_unit_siemens, \
            else 100 µS), so the nudge is β = β̂·G_u siemens. Under mpirun each rank checks a share of the samples \
            with its own workers and rank 0 reports them all.
            """)

        @OptionGroup var network: NetworkOptions
        @Option(help: "Number of samples.")
        var samples: Int = 20
        @OptionGroup var data: DataOptions
        @Option(help: "Nudging strength β̂ of the nudged phase in units of G_u, as `eqprop train --beta` (see above).")
        var beta: Double = 1
        @Option(help: "Target voltage of the correct class's output, V (default: input gain / \(Int(ReferenceUnits.targetRatio))).")
        var targetVolts: Double?
        @Option(help: "ngspice deck form: full (one resistor per cell; for 784-100-10 about 10 s of ngspice per sample and phase on 2 cores) or norton (input crossbar reduced; about 10 ms).")
        var form: NetlistOptions.Form = .fullCrossbar
        @Option(help: "ngspice worker processes (default: one per core).")
        var workers: Int = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: FlagChecks.workerTimeoutHelp)
        var workerTimeout: Double?
        @Option(help: "Swift solver tolerance, V.")
        var tolerance: Double = 1e-11
        @Flag(help: "Print one JSON line.")
        var json = false

        @Flag(help: "No progress line on standard error.")
        var quiet = false

        func run() throws {
            try FlagChecks.samples(samples, "--samples")
            try FlagChecks.workers(workers)
            try FlagChecks.workerTimeout(workerTimeout)
            if let v = targetVolts, !(v.isFinite && abs(v) <= HardwarePreset.maxVolts) {
                throw ValidationError("--target-volts must be within [-\(Int(HardwarePreset.maxVolts)), \(Int(HardwarePreset.maxVolts))] V (got \(v))")
            }
            guard tolerance.isFinite && tolerance > 0 && tolerance <= 1 else {
                throw ValidationError("--tolerance must be in (0, 1] V (got \(tolerance))")
            }
            let (network, preset, run) = try self.network.load(defaultHardware: "real-diode")
            let unit = ReferenceUnits.conductanceUnit(of: preset, run: run)
            let betaSiemens = ReferenceUnits.siemens(beta, conductanceUnit: unit)
            guard beta.isFinite && beta > 0 && betaSiemens <= 1 else {
                throw ValidationError("--beta must be positive and at most \(1 / unit) (units of G_u = \(unit) S: at most 1 S) (got \(beta))")
            }
            let input = try data.inputSamples(count: samples, pixels: network.inputs, classes: network.classes,
                                              seed: self.network.seed, flag: "--samples")
            let (pixels, labels, inputs) = (input.pixels, input.labels, input.source)
            let ranks = try RankShare(samples: samples)
            // A chip with read noise is checked as one read of it: both solvers see the same
            // perturbed conductances (training draws a fresh read per phase).
            let circuit = ResistiveCircuit(network: network, preset: preset).read(key: CounterRandom.key(self.network.seed, 0xC4EC))
            var check = CrossCheck(circuit: circuit, pixels: pixels.rows(ranks.mine), labels: Array(labels[ranks.mine]), beta: betaSiemens,
                                   targetVolts: targetVolts ?? preset.defaultTargetVolts)
            check.tolerance = tolerance
            let pool = NgspiceWorkerPool(executable: currentExecutable, size: workers, timeout: workerTimeout)
            defer { pool.shutdown() }
            let relaxer = NgspiceRelaxer(pool: pool, form: form)
            let shown = !quiet && ranks.isWriter
            let line = ProgressLine(label: "crosscheck (ngspice, \(form.rawValue) form)", total: 2 * ranks.mine.count)
            let phases = try ranks.combined(try check.run(relaxer: relaxer, progress: shown ? { line.update(done: $0) } : nil))
            let restarts = try ranks.sum(pool.restarts)
            if shown { line.finish() }
            guard ranks.isWriter else { return }
            let n = Double(samples * phases.count)
            let swift = phases.reduce(0) { $0 + $1.swiftSeconds } / n
            let ngspice = phases.reduce(0) { $0 + $1.ngspiceSeconds } / n
            let out = Output(architecture: network.architecture, preset: preset.name, samples: samples, inputs: inputs,
                             form: form.rawValue, workers: workers, maxAbsDiffVolts: phases.map(\.maxAbsDiffVolts).max() ?? 0,
                             phases: phases, swiftSecondsPerSample: swift, ngspiceSecondsPerSample: ngspice,
                             speedup: ngspice / swift, swiftToleranceVolts: tolerance, spiceOptions: preset.spiceOptions,
                             workerRestarts: restarts)
            if json {
                print(try JSONOutput.line(out))
            } else {
                for p in phases {
                    print(String(format: "%@ phase: max |V_swift − V_ngspice| = %.3g V (sample %d, node %@); Swift %.3g s, ngspice %.3g s",
                                 p.phase, p.maxAbsDiffVolts, p.worstSample, p.worstNode, p.swiftSeconds, p.ngspiceSeconds))
                }
                print(String(format: "per sample: Swift %.3g s, ngspice %.3g s (%.0f× faster); %d samples of %@",
                             swift, ngspice, ngspice / swift, samples, inputs))
            }
        }
    }
}
