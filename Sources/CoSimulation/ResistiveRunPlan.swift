import Circuit
import EqProp
import Foundation
import MessagePassing
import Reporting

/// Everything a resistive training run starts from, fresh or resumed: its configuration, the
/// hardware preset (and where it was read), and for a resume the trained networks and the
/// epochs done.
public struct ResistiveRunPlan {
    public var config: ResistiveTrainingConfig
    public var preset: HardwarePreset
    public var presetFile: URL
    /// The preset's bytes as read (a pipe such as --hardware <(…) can be read only once).
    public var presetBytes: Data?
    public var network: ResistiveNetwork?
    public var feedforward: FeedforwardNetwork?
    public var accumulators: DeviceAccumulators?
    public var velocities: MomentumBuffers?
    public var epochsDone = 0

    /// A fresh run of `preset` with the overrides; the configuration adopts the hardware's
    /// conductance unit (`adoptConductanceUnit`).
    public static func fresh(preset name: String, _ o: TrainingOverrides, _ r: ResistiveOverrides) throws -> ResistiveRunPlan {
        var config = try ResistiveTrainingConfig.resolved(preset: name, o, r)
        let file = try HardwarePreset.file(config.hardware)
        let bytes = try HardwarePreset.fileData(file)
        let preset = try HardwarePreset(json: bytes, path: file.path)
        config.adoptConductanceUnit(of: preset)
        return ResistiveRunPlan(config: config, preset: preset, presetFile: file, presetBytes: bytes)
    }

    /// The run in `folder` continued: its saved configuration, where only how it runs
    /// (`ResistiveOverrides.runtimeFlags`) and the total `epochs` may change, and the folder's
    /// own copy of the preset (`TrainedResistiveRun`).
    public static func resume(_ folder: RunFolder, epochs: Int?, _ r: ResistiveOverrides) throws -> ResistiveRunPlan {
        let run: TrainedResistiveRun
        do { run = try TrainedResistiveRun(folder: folder) } catch let e as TrainedResistiveRun.LoadError {
            throw TrainingError.invalidConfiguration("--resume: \(e)")
        }
        try folder.checkConfigNotEdited(checkpointConfig: try ConfigurationJSON.encode(run.config),
                                        runtimeKeys: ["epochs", "solver", "workers", "crosscheckEvery"],
                                        units: ResistiveTrainingConfig.storedUnits)
        var config = run.config
        if let v = epochs { config.epochs = v }
        if let v = r.solver { config.solver = v }
        if let v = r.workers { config.workers = v }
        if let v = r.crosscheckEvery { config.crosscheckEvery = v }
        try config.validate()
        if (config.momentum ?? 0) > 0, run.epochs > 0, run.velocities == nil {
            throw TrainingError.checkpoint(path: folder.checkpoint.path, reason: "the run trains with momentum but its checkpoint holds "
                                           + "no velocities (optimizer.velocity.*); it cannot continue as it would have")
        }
        return ResistiveRunPlan(config: config, preset: run.preset, presetFile: run.presetFile, network: run.network,
                                feedforward: run.feedforward, accumulators: run.accumulators, velocities: run.velocities,
                                epochsDone: run.epochs)
    }

    /// The trainer; `workerTimeout` (s) bounds an ngspice job (nil: adaptive); `world`: the MPI
    /// job to train data-parallel in (`ResistiveTrainer.init`).
    public func trainer(workerExecutable: URL?, workerTimeout: Double?, world: Communicator? = nil) throws -> ResistiveTrainer {
        if workerTimeout != nil && config.solver != .ngspice {
            throw TrainingError.invalidConfiguration(
                "--worker-timeout applies to ngspice worker processes (--solver ngspice); this run relaxes with the Swift solver")
        }
        let trainer = try ResistiveTrainer(config: config, preset: preset, network: network, feedforward: feedforward,
                                           accumulators: accumulators, velocities: velocities, workerExecutable: workerExecutable, world: world)
        if let workerTimeout { trainer.workerTimeout = workerTimeout }
        return trainer
    }

    /// The preset's copy, `hardware.json`, unless the run reads it from there already.
    public func files(in folder: RunFolder) throws -> [URL: Data] {
        presetFile == folder.hardware ? [:] : [folder.hardware: try presetBytes ?? HardwarePreset.fileData(presetFile)]
    }

    /// The learning curve's note: what was trained on what.
    public func curveNote(dataset: String, trainSamples: Int, testSamples: Int) -> String {
        "\(config.preset) \(config.architecture.map(String.init).joined(separator: "-")) on '\(preset.name)', \(config.solver.rawValue) solver, "
            + "\(dataset): \(trainSamples) train / \(testSamples) test, batch \(config.batchSize), "
            + "β \(config.beta) \(config.betaSign.rawValue), seed \(config.seed)"
    }
}
