import ArgumentParser
import Datasets
import EqProp
import Foundation
import Numerics
import Reporting

extension EqPropCommand {
    struct Benchmark: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure speed; results belong in BENCHMARKS.md.",
            subcommands: [TrainThroughput.self, Solvers.self])
    }
}

extension EqPropCommand.Benchmark {
    struct TrainThroughput: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Training throughput of a Hopfield preset, next to this machine's sgemm rate.",
            discussion: """
            Times one full epoch (training on every training sample, then Alg. 2 and Alg. 3 on \
            every test sample) and reports samples/s and the GFLOP/s of the loop's matrix \
            products (counted from the algorithm) as a fraction of cblas_sgemm measured in the \
            same run on 1 and on all threads (the better of a measurement before and one after \
            the epoch).
            """)

        @Option(help: "Preset: paper-small or paper-large.")
        var preset: String = "paper-small"
        @OptionGroup var data: DataOptions
        @Option(help: "Override T⁻ (e.g. 4 for the short-relaxation regime).")
        var stepsFree: Int?
        @Flag(help: "Print the result as one JSON line.")
        var json = false

        struct Result: Codable {
            var preset: String
            var layers: [Int]
            var trainSamples: Int
            var testSamples: Int
            var epochSeconds: Double
            var trainSeconds: Double
            var evalSeconds: Double
            var trainSamplesPerSecond: Double
            var trainGflops: Double
            var sgemmGflopsOneThread: Double
            var sgemmGflopsAllThreads: Double
            var fractionOfSgemm: Double
            var threads: Int
            var testErrorFeedforward: Double
            var testErrorRelaxed: Double

            enum CodingKeys: String, CodingKey {
                case preset, layers, threads
                case trainSamples = "train_samples", testSamples = "test_samples"
                case epochSeconds = "epoch_seconds", trainSeconds = "train_seconds", evalSeconds = "eval_seconds"
                case trainSamplesPerSecond = "train_samples_per_second", trainGflops = "train_gflops"
                case sgemmGflopsOneThread = "sgemm_gflops_1_thread", sgemmGflopsAllThreads = "sgemm_gflops_all_threads"
                case fractionOfSgemm = "fraction_of_sgemm"
                case testErrorFeedforward = "test_error_feedforward", testErrorRelaxed = "test_error_relaxed"
            }
        }

        func run() throws {
            guard var config = HopfieldTrainingConfig.presets[preset] else {
                throw ValidationError("--preset: unknown preset '\(preset)'")
            }
            if let stepsFree { config.stepsFree = stepsFree }
            let dataset = try data.load()
            let threads = BLASThreads.count
            // The yardstick is noisy on a shared machine: take the best of a measurement
            // before and one after the epoch, so the reported fraction errs low.
            var one = GemmRate.measure(threads: 1)
            var all = GemmRate.measure(threads: threads)
            let trainer = try HopfieldTrainer(config: config)
            let line = ProgressLine(label: "benchmark \(preset)", total: dataset.train.count)
            let t = try trainer.trainEpoch(1, on: dataset.train) { line.update(done: $0) }
            line.finish()
            let e = try trainer.evaluate(dataset.test)
            one = max(one, GemmRate.measure(threads: 1))
            all = max(all, GemmRate.measure(threads: threads))
            let flops = config.flopsPerTrainingSample * Double(t.samples)
            let gflops = flops / t.seconds / 1e9
            let result = Result(
                preset: preset, layers: config.layerSizes, trainSamples: t.samples, testSamples: e.samples,
                epochSeconds: t.seconds + e.seconds, trainSeconds: t.seconds, evalSeconds: e.seconds,
                trainSamplesPerSecond: Double(t.samples) / t.seconds, trainGflops: gflops,
                sgemmGflopsOneThread: one, sgemmGflopsAllThreads: all, fractionOfSgemm: gflops / all,
                threads: threads, testErrorFeedforward: e.errorFeedforward, testErrorRelaxed: e.errorRelaxed)
            if json {
                print(try JSONOutput.line(result))
            } else {
                print(String(format: """
                    %@ %@: epoch %.2f s (train %.2f s on %d samples = %.0f samples/s; eval %.2f s on %d samples)
                    training loop %.1f GFLOP/s = %.0f%% of sgemm on %d threads (sgemm: %.1f GFLOP/s on 1 thread, %.1f on %d)
                    """, preset, config.layerSizes.map(String.init).joined(separator: "-"), result.epochSeconds,
                    t.seconds, t.samples, result.trainSamplesPerSecond, e.seconds, e.samples,
                    gflops, 100 * result.fractionOfSgemm, threads, one, all, threads))
            }
        }
    }
}
