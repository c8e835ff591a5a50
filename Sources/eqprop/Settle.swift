import ArgumentParser
import Circuit
import CoSimulation
import Datasets
import EqProp
import Foundation
import Ngspice
import Numerics
import Reporting

extension EqPropCommand {
    struct Settle: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Settling of a trained circuit from the feedforward prediction vs. from 0 V.",
            discussion: """
            For test samples of a trained resistive run (--run): the Swift solver's sweeps to its tolerance \
            and to within --band of the fixed point, the forward-Euler steps of the node dynamics (ideal \
            clamps: Algorithm 1's relaxation for a circuit) to within --band, ngspice's Newton iterations for the \
            operating point with .nodeset = s^f or 0 V, and ngspice transients with the preset's node \
            capacitances (.ic = s^f, or 0 V): the time until every node stays within --band of its fixed \
            point, and the energy the sources deliver until then. The power of one inference: the static \
            power the sources deliver once settled (W) and the energy until settled (J). --keep DIR writes \
            the transient decks it ran (Norton form, `.ic` at s^f or 0 V, runnable with `ngspice -b`) and their \
            waveforms (ASCII raw files).
            """)

        @Option(name: .customLong("run"), help: "A resistive training run folder.")
        var runPath: String
        @OptionGroup var data: DataOptions
        @Option(help: "Test samples.")
        var samples: Int = 20
        @Option(help: "Settling band, V.")
        var band: Double = 1e-3
        @Option(help: "Solver tolerance for the sweep counts, V (default: the run's).")
        var tolerance: Double?
        @Option(help: "ngspice worker processes.")
        var workers: Int = ProcessInfo.processInfo.activeProcessorCount
        @Flag(help: "Solver sweeps and Euler steps only (no ngspice runs: no transients, no Newton counts).")
        var noTransient = false
        @Option(help: "Write the transient decks and their waveforms (ASCII raw files) to this folder.")
        var keep: String?
        @Flag(help: "Print one JSON line.")
        var json = false

        func run() throws {
            try FlagChecks.samples(samples, "--samples")
            guard band.isFinite, band > 0 else { throw ValidationError("--band must be a positive number of volts (got \(band))") }
            if let tolerance, !(tolerance.isFinite && tolerance > 0) {
                throw ValidationError("--tolerance must be a positive number of volts (got \(tolerance))")
            }
            try FlagChecks.workers(workers)
            let keepFolder = try keep.map { path -> URL in
                guard !noTransient else { throw ValidationError("--keep writes the transients' decks and waveforms: drop --no-transient") }
                return try writableFolder(path, flag: "--keep")
            }
            let run: TrainedResistiveRun
            do { run = try TrainedResistiveRun(folder: RunFolder(URL(fileURLWithPath: runPath))) } catch let e as TrainedResistiveRun.LoadError {
                throw ValidationError("--run: \(e)")
            }
            let (network, preset, config) = (run.network, run.preset, run.config)
            guard !preset.usesMesh else {
                throw ValidationError("preset '\(preset.name)' has a wire mesh (wire_resistance_ohms = \(preset.wireResistance), wire_model mesh): settling measurements use the Norton-folded deck and the node-level Euler model, exact only without wires")
            }
            guard preset.nodeCapacitance > 0 || noTransient else {
                throw ValidationError("preset '\(preset.name)' has no node capacitance: transients need node_capacitance_farads > 0")
            }
            let trainer = try run.swiftTrainer()
            let ds = try data.load(defaultingToRunIn: RunFolder(URL(fileURLWithPath: runPath)))
            let test = ds.test.prefix(samples)
            guard test.pixels == network.inputs else {
                throw ValidationError("the run's network takes \(network.inputs) inputs; \(ds.name.rawValue) has \(test.pixels) pixels")
            }
            let prediction = trainer.predictedState(test.images)
            let pixels = test.images.converted(to: Double.self)
            let pool = noTransient ? nil : NgspiceWorkerPool(executable: currentExecutable, size: workers)
            defer { pool?.shutdown() }
            let line = ProgressLine(label: "settling", total: test.count)
            let report = try SettlingReport.measure(circuit: trainer.circuit, pixels: pixels, prediction: prediction,
                                                    tolerance: tolerance ?? config.tolerance, band: band, pool: pool,
                                                    progress: { line.update(done: $0) }) { sample, fromPrediction, kept in
                guard let keepFolder else { return }
                let name = "sample\(sample)-from-" + (fromPrediction ? "prediction" : "zero")
                try AtomicFile.write(kept.deck, to: keepFolder.appendingPathComponent(name + ".cir"))
                try AtomicFile.write(kept.waveforms.ascii(), to: keepFolder.appendingPathComponent(name + ".raw"))
            }
            if !noTransient { line.finish() }
            if json {
                print(try JSONOutput.line(report))
            } else {
                let p = report.fromPrediction, z = report.fromZero
                print(String(format: "Swift solver sweeps to %.0e V: %.2f from s^f vs %.2f from 0 V (%.1f×); to within %.0f mV: %.2f vs %.2f",
                             report.toleranceVolts, p.sweepsToTolerance, z.sweepsToTolerance, report.sweepRatio, 1000 * band,
                             p.sweepsToBand, z.sweepsToBand))
                print(String(format: "Euler steps of the node dynamics (Δt = %.2g·C/max a_i) to within %.0f mV: %.1f from s^f vs %.1f from 0 V (%.1f×)",
                             report.eulerStepFraction, 1000 * band, p.eulerStepsToBand, z.eulerStepsToBand, report.eulerStepRatio))
                if let pn = p.ngspiceNewtonIterations, let zn = z.ngspiceNewtonIterations {
                    print(String(format: "ngspice Newton iterations of an op: %.1f with .nodeset = s^f vs %.1f without (%.1f×)",
                                 pn, zn, report.newtonIterationRatio ?? .nan))
                }
                print(String(format: "static power per inference (the sources at the fixed point): %.4g W", report.steadyStatePowerWatts))
                if let ps = p.meanSettlingSeconds, let zs = z.meanSettlingSeconds {
                    print(String(format: "transient settling to %.0f mV: mean %.3g s from s^f vs %.3g s from 0 V (%.1f×); median energy until settled %.3g J vs %.3g J",
                                 1000 * band, ps, zs, zs / ps, p.medianSettlingJoules ?? .nan, z.medianSettlingJoules ?? .nan))
                }
            }
        }
    }
}

