import Datasets
import Foundation
import Numerics
import Reporting

/// The final result of `eqprop train`, printed as one JSON line with `--json`.
public struct TrainingRunResult: Codable, Sendable {
    public var model: String
    public var epochs: Int
    public var testErrorFeedforward: Double
    public var testErrorRelaxed: Double
    public var trainErrorFeedforward: Double
    public var trainErrorRelaxed: Double
    /// Mean training throughput over the epochs run by this invocation.
    public var trainSamplesPerSecond: Double
    public var seconds: Double
    public var runDirectory: String
    public var maxCrosscheckDiffVolts: Double?

    enum CodingKeys: String, CodingKey {
        case model, epochs, seconds
        case testErrorFeedforward = "test_error_feedforward"
        case testErrorRelaxed = "test_error_relaxed"
        case trainErrorFeedforward = "train_error_feedforward"
        case trainErrorRelaxed = "train_error_relaxed"
        case trainSamplesPerSecond = "train_samples_per_second"
        case runDirectory = "run_dir"
        case maxCrosscheckDiffVolts = "max_crosscheck_diff_volts"
    }
}

/// A run folder: `config.json`, `metrics.jsonl` (one line per epoch), `checkpoint.safetensors`
/// (written atomically after every epoch, with the epoch count in its metadata) and
/// `learning-curve.svg`; a resistive run also keeps `hardware.json`, a copy of its hardware
/// preset, so that a resume does not depend on where the preset was found or whether it has
/// changed since. A kill at any moment leaves the last completed epoch resumable.
public struct RunFolder: Sendable {
    public let url: URL
    public init(_ url: URL) { self.url = url }
    public var config: URL { url.appendingPathComponent("config.json") }
    public var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
    public var checkpoint: URL { url.appendingPathComponent("checkpoint.safetensors") }
    public var learningCurve: URL { url.appendingPathComponent("learning-curve.svg") }
    public var hardware: URL { url.appendingPathComponent("hardware.json") }
    public var hasCheckpoint: Bool { FileManager.default.fileExists(atPath: checkpoint.path) }

    /// Reads the checkpoint and the number of epochs it holds.
    public func readCheckpoint() throws -> (file: SafeTensors, epochs: Int, model: String, config: String) {
        let file = try SafeTensors(contentsOf: checkpoint)
        guard file.metadata["format"] == "eqprop-checkpoint",
              let epochsText = file.metadata["epochs"],
              let model = file.metadata["model"], let config = file.metadata["config"] else {
            throw TrainingError.checkpoint(path: checkpoint.path, reason: "not an eqprop checkpoint (format, epochs, model or config missing)")
        }
        guard let epochs = CheckedSize.int(epochsText, in: 1...InputLimits.epochs) else {
            throw TrainingError.checkpoint(path: checkpoint.path, reason: "metadata 'epochs' = '\(epochsText.prefix(40))' is not a whole number in 1…\(InputLimits.epochs)")
        }
        return (file, epochs, model, config)
    }
}

/// Trains epoch after epoch, writing metrics, checkpoint and curve after each.
public final class TrainingRun<Trainer: EpochTrainer> {
    public let folder: RunFolder
    public let trainer: Trainer
    private let firstEpoch: Int
    private let lastEpoch: Int
    private var metricsFile: JSONLinesFile
    private var history: [EpochMetrics]
    public var showProgress = true
    /// Called after each epoch (for co-simulation logging and tests).
    public var onEpoch: ((EpochMetrics) -> Void)?
    /// Training samples done by this invocation, over all its epochs (for a caller's own
    /// progress line, e.g. a sweep of several trainings).
    public var onProgress: ((Int) -> Void)?
    /// Notes printed on the learning curve (data subset, preset…).
    public var curveNotes: [String] = []

    /// Problems found in the run folder when it was opened (damaged metrics lines, files
    /// rewritten from the checkpoint), one sentence each, for the caller to show.
    public private(set) var warnings: [String] = []

    /// `epochsDone` epochs are already in the checkpoint (0 for a fresh run); trains up to
    /// `totalEpochs`. The caller holds the folder's `RunFolderLock`.
    ///
    /// Writes `config.json` (also on a resume: it states the configuration the run continues
    /// with, e.g. a new --epochs). On a resume, keeps the first `epochsDone` lines of
    /// `metrics.jsonl` (a damaged line is kept as it is and reported in `warnings`, never
    /// dropped), and rewrites the trainer's artifact files that do not match the checkpoint.
    public init(folder: RunFolder, trainer: Trainer, epochsDone: Int, totalEpochs: Int) throws {
        self.folder = folder
        self.trainer = trainer
        self.firstEpoch = epochsDone + 1
        self.lastEpoch = totalEpochs
        try AtomicFile.prepareDirectory(folder.url)
        metricsFile = try JSONLinesFile(url: folder.metrics, keepingFirst: epochsDone)
        history = []
        let damaged = Dictionary(metricsFile.damaged.map { ($0.line, $0.reason) }, uniquingKeysWith: { a, _ in a })
        for (i, raw) in metricsFile.rawLines.enumerated() {
            let reason: String
            if let why = damaged[i + 1] {
                reason = why
            } else if let m = try? JSONDecoder().decode(EpochMetrics.self, from: raw) {
                history.append(m)
                continue
            } else {
                reason = "not an epoch's metrics"
            }
            warnings.append("\(folder.metrics.path) line \(i + 1): \(reason); the line is kept as it is but left out of the learning curve")
        }
        if epochsDone == 0 {
            metricsFile = try JSONLinesFile(url: folder.metrics, keepingFirst: 0)
            history = []
            warnings = []
        } else {
            if metricsFile.droppedCount > 0 {
                let n = metricsFile.droppedCount
                warnings.append("\(folder.metrics.path): \(n) line\(n == 1 ? "" : "s") after the first \(epochsDone), the epochs of the checkpoint, "
                                + "dropped (an epoch whose checkpoint was never written is trained again)")
            }
            for (name, data) in try trainer.artifactFiles() {
                let url = folder.url.appendingPathComponent(name)
                guard (try? Data(contentsOf: url)) != data else { continue }
                try AtomicFile.write(data, to: url)
                warnings.append("\(url.path) did not hold epoch \(epochsDone) of the checkpoint (a run stopped between "
                                + "writing it and the checkpoint, an edit, or a resume with another --solver, which the file names); "
                                + "rewritten from the checkpoint")
            }
        }
        try AtomicFile.write(trainer.configurationJSON(), to: folder.config)
    }

    public func run(train: LabeledImages, test: LabeledImages) throws -> TrainingRunResult {
        let start = Date()
        var trainSeconds = 0.0, trainSamples = 0
        var maxDiff: Double?
        var estimate = EpochTimeEstimate()
        if firstEpoch > lastEpoch, history.isEmpty {
            throw TrainingError.invalidConfiguration("--epochs \(lastEpoch): nothing to train")
        }
        guard train.count > 0 else { throw TrainingError.invalidConfiguration("the training set is empty (0 samples): nothing to learn from") }
        guard test.count > 0 else {
            throw TrainingError.invalidConfiguration("the test set is empty (0 samples): an error rate over no samples would read 0%")
        }
        for epoch in firstEpoch...max(firstEpoch, lastEpoch) where epoch <= lastEpoch {
            let epochStart = Date()
            let line = showProgress ? ProgressLine(label: "epoch \(epoch)/\(lastEpoch)", total: train.count) : nil
            let before = (epoch - firstEpoch) * train.count, epochsAfter = lastEpoch - epoch
            let t = try trainer.trainEpoch(epoch, on: train) { done in
                if let line {
                    line.update(done: done, extra: estimate.text(currentLeft: line.remainingSeconds ?? 0, currentProjected: line.projectedSeconds,
                                                                 epochsAfter: epochsAfter))
                }
                self.onProgress?(before + done)
            }
            let e = try trainer.evaluate(test)
            let m = EpochMetrics(epoch: epoch, training: t, evaluation: e)
            var file = trainer.checkpointTensors()
            file.metadata["format"] = "eqprop-checkpoint"
            file.metadata["version"] = "1"
            file.metadata["model"] = trainer.modelKind
            file.metadata["epochs"] = String(epoch)
            file.metadata["config"] = try trainer.configurationJSON()
            file.metadata["test_error_feedforward"] = String(e.errorFeedforward)
            file.metadata["test_error_relaxed"] = String(e.errorRelaxed)
            file.metadata["test_samples"] = String(e.samples)
            // Metrics first: a kill before the checkpoint leaves one extra line, which a resume
            // from the previous checkpoint drops (the reverse order would lose the line). The
            // artifacts and the checkpoint are written to temporary names first and renamed
            // together, the checkpoint last: a kill between the renames leaves artifacts one
            // epoch ahead, which the resume rewrites from the checkpoint (see `init`).
            try metricsFile.append(m)
            history.append(m)
            try AtomicFile.commitTogether(try trainer.artifactFiles().map { ($0.data, folder.url.appendingPathComponent($0.name)) }
                                          + [(file.encoded(), folder.checkpoint)])
            try AtomicFile.write(learningCurve().svg(), to: folder.learningCurve)
            // The epoch's line once its files are written; its time, with them, feeds the run's ETA.
            estimate.record(epochSeconds: Date().timeIntervalSince(epochStart))
            if let line {
                let runLeft = estimate.text(currentLeft: 0, currentProjected: nil, epochsAfter: epochsAfter)
                line.finish(extra: String(format: "train %.2f%%/%.2f%%  test ff %.2f%%  relaxed %.2f%%  (%.1f s)",
                                          100 * t.errorFeedforward, 100 * t.errorRelaxed,
                                          100 * e.errorFeedforward, 100 * e.errorRelaxed, m.seconds)
                            + (runLeft.isEmpty ? "" : "  " + runLeft))
            }
            trainSeconds += t.seconds
            trainSamples += t.samples
            if let d = t.maxCrosscheckDifference { maxDiff = max(maxDiff ?? 0, d) }
            onEpoch?(m)
        }
        guard let last = history.last else {
            throw TrainingError.invalidConfiguration("no epoch was trained")
        }
        return TrainingRunResult(
            model: trainer.modelKind, epochs: last.epoch,
            testErrorFeedforward: last.testErrorFeedforward, testErrorRelaxed: last.testErrorRelaxed,
            trainErrorFeedforward: last.trainErrorFeedforward, trainErrorRelaxed: last.trainErrorRelaxed,
            trainSamplesPerSecond: trainSeconds > 0 ? Double(trainSamples) / trainSeconds : last.samplesPerSecond,
            seconds: Date().timeIntervalSince(start), runDirectory: folder.url.path, maxCrosscheckDiffVolts: maxDiff)
    }

    /// Classification error (%) per epoch, log scale, test solid and training dashed, as in
    /// O'Connor et al. 2019, Fig. 2.
    public func learningCurve() -> LinePlot {
        var plot = LinePlot(title: "Learning curves", xLabel: "epoch", yLabel: "classification error (%)", logY: true)
        plot.integerXTicks = true
        plot.notes = curveNotes
        let labels = trainer.curveLabels
        let colors = LinePlot.palette
        func pts(_ f: (EpochMetrics) -> Double) -> [(x: Double, y: Double)] {
            history.map { (Double($0.epoch), max(100 * f($0), 0.01)) }
        }
        plot.series = [
            .init(name: labels.relaxed + ", test", points: pts(\.testErrorRelaxed), color: colors[0], markers: history.count < 30),
            .init(name: labels.relaxed + ", train", points: pts(\.trainErrorRelaxed), color: colors[0], dashed: true),
            .init(name: labels.feedforward + ", test", points: pts(\.testErrorFeedforward), color: colors[1], markers: history.count < 30),
            .init(name: labels.feedforward + ", train", points: pts(\.trainErrorFeedforward), color: colors[1], dashed: true),
        ]
        return plot
    }
}
