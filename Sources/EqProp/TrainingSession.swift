import Datasets
import Foundation
import Reporting

/// What `eqprop train` does once it has a trainer and its data: the run folder's life around
/// `TrainingRun` (DESIGN §5).
public struct TrainingSession {
    public var folder: RunFolder
    /// The folder's lock when it was taken before the folder was read (`RunFolder.choose`).
    public var lock: RunFolderLock?
    /// The command line, recorded in the lock.
    public var command: String
    /// Epochs already in the folder's checkpoint (0 for a fresh run).
    public var epochsDone = 0
    /// Files written into the folder beside the run's own (e.g. the hardware preset's copy).
    public var files: [URL: Data] = [:]
    /// The data's record, `data.json`.
    public var dataRecord: RunDataSource
    public var showProgress = true
    /// Training samples done by this invocation (`TrainingRun.onProgress`).
    public var progress: ((Int) -> Void)?
    /// The learning curve's note.
    public var curveNote = ""
    /// Notes and warnings for the user, one line each.
    public var notify: (String) -> Void = { _ in }
    /// False on the ranks of a data-parallel job other than rank 0: they train and evaluate
    /// every epoch with the others but touch no file (rank 0 writes the folder).
    public var writesFolder = true

    public init(folder: RunFolder, lock: RunFolderLock?, command: String, dataRecord: RunDataSource) {
        self.folder = folder
        self.lock = lock
        self.command = command
        self.dataRecord = dataRecord
    }

    /// Once the data is known to fit: creates and locks the run folder (one writer at a time,
    /// see `RunFolderLock`), checks that it still holds what was read before the lock
    /// (`epochsDone` epochs), removes temporary files an interrupted run left, writes `files`
    /// and `data.json`, and trains to `epochs`.
    public func run<T: EpochTrainer>(_ trainer: T, epochs: Int, on dataset: Dataset) throws -> TrainingRunResult {
        try trainer.checkFits(dataset.train)
        guard writesFolder else { return try follow(trainer, epochs: epochs, on: dataset) }
        try AtomicFile.prepareDirectory(folder.url)
        let lock: RunFolderLock
        do { lock = try self.lock ?? RunFolderLock(folder: folder, command: command) } catch let e as RunFolderLock.LockError {
            throw TrainingError.invalidConfiguration(e.description)
        }
        let epochsNow = folder.hasCheckpoint ? try folder.readCheckpoint().epochs : 0
        guard epochsNow == epochsDone else {
            throw TrainingError.invalidConfiguration(
                "--out \(folder.url.path) changed while this run started (it now holds \(epochsNow) epochs, not \(epochsDone)): "
                + (epochsDone == 0 ? "pass --resume to continue it, or choose another folder" : "start the resume again"))
        }
        let stale = folder.removeStaleTemporaryFiles()
        if !stale.isEmpty {
            notify("note: removed \(stale.count) temporary file\(stale.count == 1 ? "" : "s") an interrupted run left in \(folder.url.path): "
                   + stale.joined(separator: ", "))
        }
        let run = try TrainingRun(folder: folder, trainer: trainer, epochsDone: epochsDone, totalEpochs: epochs)
        for warning in run.warnings { notify("warning: " + warning) }
        for (url, data) in files { try AtomicFile.write(data, to: url) }
        try AtomicFile.write(JSONOutput.pretty(dataRecord), to: folder.dataSource)
        run.showProgress = showProgress
        run.onProgress = progress
        run.curveNotes = [curveNote]
        let result = try run.run(train: dataset.train, test: dataset.test)
        lock.release()
        return result
    }

    /// The epochs of a rank that does not write: the same training and evaluation as rank 0's
    /// (`TrainingRun`), whose collectives it takes part in, and no file.
    private func follow<T: EpochTrainer>(_ trainer: T, epochs: Int, on dataset: Dataset) throws -> TrainingRunResult {
        let start = Date()
        var last: (EpochTraining, Evaluation)?
        var trainSeconds = 0.0, trainSamples = 0
        for epoch in (epochsDone + 1)...max(epochsDone + 1, epochs) where epoch <= epochs {
            let t = try trainer.trainEpoch(epoch, on: dataset.train)
            last = (t, try trainer.evaluate(dataset.test))
            trainSeconds += t.seconds
            trainSamples += t.samples
        }
        guard let (t, e) = last else {
            // Nothing left to train: rank 0 reports the folder's last epoch (or refuses), alone.
            return TrainingRunResult(model: trainer.modelKind, epochs: epochsDone, testErrorFeedforward: 0, testErrorRelaxed: 0,
                                     trainErrorFeedforward: 0, trainErrorRelaxed: 0, trainSamplesPerSecond: 0, seconds: 0,
                                     runDirectory: folder.url.path, maxCrosscheckDiffVolts: nil)
        }
        return TrainingRunResult(
            model: trainer.modelKind, epochs: epochs, testErrorFeedforward: e.errorFeedforward, testErrorRelaxed: e.errorRelaxed,
            trainErrorFeedforward: t.errorFeedforward, trainErrorRelaxed: t.errorRelaxed,
            trainSamplesPerSecond: trainSeconds > 0 ? Double(trainSamples) / trainSeconds : 0,
            seconds: Date().timeIntervalSince(start), runDirectory: folder.url.path, maxCrosscheckDiffVolts: t.maxCrosscheckDifference)
    }

    /// Refuses a fresh run into a folder that holds a checkpoint.
    public static func checkFresh(_ folder: RunFolder) throws {
        if folder.hasCheckpoint {
            throw TrainingError.invalidConfiguration(
                "--out \(folder.url.path) already holds a checkpoint: pass --resume to continue it, or choose another folder")
        }
    }
}
