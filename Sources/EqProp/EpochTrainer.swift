import Datasets
import Foundation
import Reporting

/// A model that `TrainingRun` can train epoch by epoch: the layered Hopfield network or the
/// deep resistive network (with either solver).
public protocol EpochTrainer: AnyObject {
    /// "hopfield" or "resistive": recorded in checkpoints and exports.
    var modelKind: String { get }
    /// The resolved configuration, as JSON, for `config.json` and the checkpoint.
    func configurationJSON() throws -> String
    /// Throws `TrainingError.dataMismatch` unless `data` has the network's input size and
    /// class count; called before a run folder is created, and by `trainEpoch`.
    func checkFits(_ data: LabeledImages) throws
    /// Epoch numbers start at 1.
    func trainEpoch(_ epoch: Int, on data: LabeledImages, progress: ((Int) -> Void)?) throws -> EpochTraining
    func evaluate(_ data: LabeledImages) throws -> Evaluation
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
}

extension HopfieldTrainer: EpochTrainer {
    public var modelKind: String { "hopfield" }

    public func configurationJSON() throws -> String { try JSONOutput.pretty(config) }

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
