import Circuit
import CoSimulation
import Datasets
import EqProp
import Foundation
import Numerics
import Reporting
import Testing
import TestSupport

/// Hostile run folders (issue 13): a shared run folder is input like any file. Seeded
/// mutation fuzzing of the checkpoint (its metadata carries the epoch count and the whole
/// configuration as JSON) and of the resistive run's `hardware.json`, read as `--resume`,
/// `--run` and `export` read them; and the crafted checkpoint cases that trapped before
/// (`epochs` = -1 or 2^63 − 1, configurations with absurd sizes).
@Suite struct RunFolderFuzzTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// 10 samples of 2×2 pixels, one per class.
    static let data: LabeledImages = {
        var rng = SeededGenerator(seed: 3)
        return LabeledImages(images: FloatMatrix.uniform(rows: 10, columns: 4, in: 0...1, using: &rng), labels: Array(0..<10), height: 2, width: 2)
    }()

    static var hopfieldConfig: HopfieldTrainingConfig {
        var c = HopfieldTrainingConfig.paperSmall
        c.layerSizes = [4, 6, 10]
        c.batchSize = 5
        c.stepsFree = 3
        c.stepsNudged = 2
        c.epochs = 1
        return c
    }

    static var resistiveConfig: ResistiveTrainingConfig {
        var c = ResistiveTrainingConfig.drnXS
        c.architecture = [4, 4, 10]
        c.batchSize = 5
        c.epochs = 1
        return c
    }

    /// A real run folder of one epoch.
    static func trainedFolder(resistive: Bool) throws -> RunFolder {
        let folder = RunFolder(Scratch.directory(resistive ? "run-resistive" : "run-hopfield"))
        if resistive {
            let presetFile = root.appendingPathComponent("hardware/ideal.json")
            let trainer = try ResistiveTrainer(config: resistiveConfig, preset: try HardwarePreset(contentsOf: presetFile))
            let run = try TrainingRun(folder: folder, trainer: trainer, epochsDone: 0, totalEpochs: 1)
            run.showProgress = false
            try FileManager.default.copyItem(at: presetFile, to: folder.hardware)
            _ = try run.run(train: data, test: data)
        } else {
            let run = try TrainingRun(folder: folder, trainer: try HopfieldTrainer(config: hopfieldConfig), epochsDone: 0, totalEpochs: 1)
            run.showProgress = false
            _ = try run.run(train: data, test: data)
        }
        return folder
    }

    /// Reads a run folder as the commands do: the checkpoint, its configuration, the networks,
    /// the preset copy; then the trainer a resume would build and the run a resume would start
    /// (those two must not trap; their messages are about the configuration, not a file).
    static func load(_ folder: RunFolder) throws -> String? {
        let saved = try folder.readCheckpoint()
        if saved.model == "resistive" {
            let run = try TrainedResistiveRun(folder: folder, checkpoint: saved)
            guard (1...InputLimits.epochs).contains(run.epochs) else { return "epochs \(run.epochs) accepted" }
            if let trainer = try? run.swiftTrainer() {
                _ = try? TrainingRun(folder: folder, trainer: trainer, epochsDone: run.epochs, totalEpochs: run.epochs + 1)
            }
        } else {
            let config = try HopfieldTrainingConfig.decode(saved.config, path: folder.checkpoint.path)
            let network = try LayeredHopfieldNetwork(from: saved.file, prefix: "theta", layerSizes: config.layerSizes, path: folder.checkpoint.path)
            let ff = try FeedforwardNetwork(from: saved.file, prefix: "phi", path: folder.checkpoint.path)
            if let trainer = try? HopfieldTrainer(config: config, network: network, feedforward: ff) {
                _ = try? TrainingRun(folder: folder, trainer: trainer, epochsDone: saved.epochs, totalEpochs: saved.epochs + 1)
            }
        }
        return nil
    }

    /// Runs `cases` mutants of the folder's checkpoint (and, for a resistive run, of its
    /// `hardware.json`), each written into the folder, renamed after the case so that every
    /// message must name it.
    static func fuzz(_ name: String, resistive: Bool, cases: Int, seed: UInt64) throws -> FuzzReport {
        let original = try trainedFolder(resistive: resistive)
        let checkpoint = try Data(contentsOf: original.checkpoint)
        let hardware = resistive ? try Data(contentsOf: original.hardware) : Data()
        var current = original.url
        let parent = original.url.deletingLastPathComponent()
        var choice = MutationFuzzer(seed: seed ^ 0xABCD)
        return MutationFuzzer.run(name, seed: seed, cases: cases, seeds: [checkpoint]) { data, label in
            let next = parent.appendingPathComponent(label)
            try FileManager.default.moveItem(at: current, to: next)
            current = next
            let folder = RunFolder(next)
            if resistive && choice.below(4) == 0 {
                // A mutated hardware.json next to an intact checkpoint.
                var f = MutationFuzzer(seed: UInt64(data.count) &+ choice.next())
                try checkpoint.write(to: folder.checkpoint)
                try f.mutate(hardware).write(to: folder.hardware)
            } else {
                try data.write(to: folder.checkpoint)
                if resistive { try hardware.write(to: folder.hardware) }
            }
            return try load(folder)
        }
    }

    static func expectClean(_ report: FuzzReport) {
        print(report)
        #expect(report.unclearErrors.isEmpty, "\(report.unclearErrors.prefix(5))")
        #expect(report.invalidResults.isEmpty, "\(report.invalidResults.prefix(5))")
        #expect(report.accepted >= 1 && report.rejected > 0, "\(report)")
        #expect(report.slowestCaseSeconds < 2, "\(report)")
    }

    @Test(.timeLimit(.minutes(5))) func fuzzHopfieldRunFolders() throws {
        Self.expectClean(try Self.fuzz("run-hopfield", resistive: false, cases: 400, seed: 41))
    }

    @Test(.timeLimit(.minutes(5))) func fuzzResistiveRunFolders() throws {
        Self.expectClean(try Self.fuzz("run-resistive", resistive: true, cases: 400, seed: 42))
    }

    // MARK: crafted cases (each crashed before issue 13)

    /// `epochs` = -1 made the metrics history `prefix(-1)`; 2^63 − 1 overflowed `epochs + 1`.
    @Test func checkpointEpochsOutOfRange() throws {
        for resistive in [false, true] {
            let folder = try Self.trainedFolder(resistive: resistive)
            let good = try SafeTensors(contentsOf: folder.checkpoint)
            for epochs in ["-1", "0", "9223372036854775807", "9223372036854775808", "1e19", "NaN", "1000001", ""] {
                var file = good
                file.metadata["epochs"] = epochs
                try file.write(to: folder.checkpoint)
                #expect {
                    try Self.load(folder)
                } throws: { error in
                    "\(error)".contains(folder.checkpoint.path) && "\(error)".contains("metadata 'epochs'")
                }
            }
        }
    }

    /// Configurations whose sizes are absurd: refused with the field named, before anything
    /// is allocated or a worker started.
    @Test func checkpointConfigurationsOutOfRange() throws {
        for (resistive, field, value, flag) in [
            (false, "layer_sizes", "[4,9223372036854775807,10]", "--layers"), (false, "batch_size", "-1", "--batch-size"),
            (false, "epochs", "9223372036854775807", "--epochs"), (false, "steps_free", "4611686018427387904", "--steps-free"),
            (true, "architecture", "[4,9223372036854775807,10]", "--layers"), (true, "workers", "9223372036854775807", "--workers"),
            (true, "batch_size", "0", "--batch-size"), (true, "max_sweeps", "-5", "--max-sweeps"),
        ] {
            let folder = try Self.trainedFolder(resistive: resistive)
            var file = try SafeTensors(contentsOf: folder.checkpoint)
            var config = try #require(try JSONSerialization.jsonObject(with: Data(file.metadata["config"]!.utf8)) as? [String: Any])
            config[field] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
            file.metadata["config"] = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
            try file.write(to: folder.checkpoint)
            #expect {
                try Self.load(folder)
            } throws: { error in
                "\(error)".contains(folder.checkpoint.path) && "\(error)".contains(flag)
            }
        }
    }
}
