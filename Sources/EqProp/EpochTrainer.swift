import Datasets
import Foundation
import Reporting

/// A model that `TrainingRun` can train epoch by epoch and checkpoint: the layered Hopfield
/// network or the deep resistive network (with either solver). Its epochs and evaluations are
/// those of the one Init-EqProp loop (`InitEqPropLoop`).
public protocol EpochTrainer: InitEqPropModel {
    /// "hopfield" or "resistive": recorded in checkpoints and exports.
    var modelKind: String { get }
    /// The resolved configuration, as JSON, for `config.json` and the checkpoint.
    func configurationJSON() throws -> String
    /// Everything needed to continue bit-identically after `epochsDone` epochs.
    func checkpointTensors() -> SafeTensors
    /// Labels for the learning-curve legend: the digital and the relaxed predictions.
    var curveLabels: (feedforward: String, relaxed: String) { get }
    /// Extra files of the run folder, by name, rewritten after every epoch together with the
    /// checkpoint (e.g. the trained circuit); a resume rewrites them from the checkpoint when
    /// they do not match it.
    func artifactFiles() throws -> [(name: String, data: Data)]
}

extension EpochTrainer {
    public func artifactFiles() throws -> [(name: String, data: Data)] { [] }

    /// One epoch (1-based) of the Init-EqProp loop; `progress` sees the samples done.
    public func trainEpoch(_ epoch: Int, on data: LabeledImages, progress: ((Int) -> Void)? = nil) throws -> EpochTraining {
        try InitEqPropLoop(self).trainEpoch(epoch, on: data, progress: progress)
    }

    /// Test error of Alg. 2 and Alg. 3.
    public func evaluate(_ data: LabeledImages) throws -> Evaluation {
        try InitEqPropLoop(self).evaluate(data)
    }
}

extension HopfieldTrainer: EpochTrainer {
    public var modelKind: String { "hopfield" }

    public func configurationJSON() throws -> String { try ConfigurationJSON.encode(config) }

    public func checkpointTensors() -> SafeTensors {
        var file = SafeTensors(tensors: network.tensors(prefix: "theta") + feedforward.tensors(prefix: "phi"))
        file.metadata = feedforward.metadata(prefix: "phi")
        return file
    }

    public var curveLabels: (feedforward: String, relaxed: String) {
        config.useInitialization
            ? ("Init-EqProp, feedforward s^f (Alg. 2)", "Init-EqProp, relaxed s⁻ (Alg. 3)")
            : ("feedforward net (not used to initialize)", "EqProp, relaxed s⁻ from zero")
    }
}
