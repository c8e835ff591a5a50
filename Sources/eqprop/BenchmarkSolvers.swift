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
            For each architecture: a seeded DRN with the given preset, relaxed on the same input samples (free phase) by \
            (1) the Swift solver (the preset's Shockley equations, tolerance --tolerance V), (2) one ngspice `op` per \
            sample on a freshly loaded full-crossbar deck (the naive path), (3) batched ngspice: worker processes sweep \
            the samples of a full-crossbar deck with EXTERNAL input sources (`dc` sweep of a dummy source), and (4) the \
            same with the input crossbar in Norton form. Reports seconds per sample, samples/s and the largest \
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
        @Flag(help: "No progress line on standard error.")
        var quiet = false

        func validate() throws {
            try FlagChecks.samples(samples, "--samples")
            try FlagChecks.samples(opSamples, "--op-samples", allowZero: true)
            try FlagChecks.workers(workers)
            guard tolerance.isFinite, tolerance > 0 else { throw ValidationError("--tolerance must be a positive number of volts (got \(tolerance))") }
        }

        func run() throws {
            let preset = try HardwarePreset.load(hardware)
            let architectures = try layers.split(separator: ";").map { (String($0), try FlagChecks.layers(String($0))) }
            let pool = NgspiceWorkerPool(executable: currentExecutable, size: workers)
            defer { pool.shutdown() }
            var benchmark = SolverBenchmark(pool: pool)
            benchmark.tolerance = tolerance
            benchmark.opSamples = opSamples
            benchmark.fullSweepLimit = fullSweepLimit
            for (text, arch) in architectures {
                var rng = SeededGenerator(seed: seed)
                let net = ResistiveNetwork(architecture: arch, preset: preset, conductanceScale: ResistiveNetwork.defaultConductanceScale, rng: &rng)
                let pixels = try data.inputSamples(count: samples, pixels: arch[0], classes: arch.last!, seed: seed, flag: "--samples").pixels
                let line = quiet ? nil : ProgressLine(label: "benchmark solvers \(text)", total: 1, unit: "steps")
                benchmark.progress = line.map { line in { done, total, what in line.update(done: done, total: total, extra: what) } }
                let row = try benchmark.run(ResistiveCircuit(network: net, preset: preset), pixels: pixels)
                line?.finish()
                print(json ? try JSONOutput.line(row) : Self.describe(row, text))
            }
        }

        static func describe(_ row: SolverBenchmark.Result, _ text: String) -> String {
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
            return line
        }
    }
}
