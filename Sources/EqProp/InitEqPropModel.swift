import Datasets
import Equilibrium

/// The pieces of Init-EqProp (O'Connor et al. 2019, Alg. 1) that differ from model to model:
/// how a batch is loaded and predicted, relaxed and learned from. The loop around them — data
/// order, β signs, the skip and divergence policy, metrics, evaluation (Alg. 2 and 3) — is
/// `InitEqPropLoop`, the same for the layered Hopfield network and the deep resistive network.
///
/// A model holds one batch at a time ("the loaded batch"): its inputs, targets, feedforward
/// prediction s^f and, after `relaxFreePhase`, its free state s⁻.
public protocol InitEqPropModel: AnyObject {
    var loopSettings: InitEqPropSettings { get }

    /// Throws `TrainingError.dataMismatch` unless `data` has the network's input size and
    /// class count.
    func checkFits(_ data: LabeledImages) throws

    /// Starts a training epoch (1-based): per-epoch schedules and tallies.
    func beginEpoch(_ epoch: Int)

    /// Loads the samples `indices` of `data` and predicts s^f with the feedforward network
    /// (Eq. 6): leaky for training, as deployed for evaluation.
    func load(_ indices: ArraySlice<Int>, of data: LabeledImages, for use: BatchUse)

    /// Relaxes the loaded batch's free phase from s^f (from zero without initialization) under
    /// the λ tether (Eq. 10) and keeps s⁻. Throws `TrainingError.diverged` when the state is
    /// lost; returns `.failed` when the relaxer found no fixed point (the batch is skipped).
    func relaxFreePhase(_ batch: BatchPosition) throws -> FreePhaseOutcome

    /// Misclassified samples of the loaded batch by s^f (Alg. 2) and by s⁻ (Alg. 3).
    func errors() -> (feedforward: Int, relaxed: Int)

    /// The nudged phases from s⁻, the EqProp step of θ (Eq. 3–5) from the pair they give, and
    /// the local-loss step of φ toward s⁻ (Eq. 8). Returns `.failed` (batch skipped, nothing
    /// learned) when a nudged phase found no fixed point.
    ///
    /// `next`: the following batch, which the model must have loaded (for training) when this
    /// returns; a model may load it while it learns (the Hopfield model's two lanes do).
    func learn(_ phases: NudgedPhases, _ batch: BatchPosition, next: ArraySlice<Int>?, of data: LabeledImages) throws -> PhaseOutcome

    /// Adds the model's own measurements to an epoch's report (crosscheck, programming,
    /// engine time…), and reports them. The default adds nothing.
    /// Throws `TrainingError.diverged` when a parameter is no longer finite after `batches`
    /// batches of `epoch`.
    func finishEpoch(_ report: inout EpochTraining, epoch: Int, batches: Int) throws

    /// Where the loop reports skipped batches (nil: nowhere).
    var log: ((String) -> Void)? { get }
}

extension InitEqPropModel {
    public func beginEpoch(_ epoch: Int) {}
    public func finishEpoch(_ report: inout EpochTraining, epoch: Int, batches: Int) throws {}
    public var log: ((String) -> Void)? { nil }
}

/// The settings the loop reads.
public struct InitEqPropSettings: Sendable {
    /// Seeds the data order (stream 1000 + epoch) and the β signs (stream 2000 + epoch).
    public var seed: UInt64
    public var batchSize: Int
    public var betaSign: BetaSign
    /// |β| in the model's units.
    public var beta: Double
    /// Test-set batch size (`EvaluationBatch`).
    public var evaluationBatchSize: Int
    /// Past this fraction of skipped batches training stops (0: a model that never skips).
    public var maxSkippedFraction: Double
    /// Appended to the stop message: what to try.
    public var skipAdvice: String

    public init(seed: UInt64, batchSize: Int, betaSign: BetaSign, beta: Double, evaluationBatchSize: Int,
                maxSkippedFraction: Double = 0, skipAdvice: String = "") {
        self.seed = seed
        self.batchSize = batchSize
        self.betaSign = betaSign
        self.beta = beta
        self.evaluationBatchSize = evaluationBatchSize
        self.maxSkippedFraction = maxSkippedFraction
        self.skipAdvice = skipAdvice
    }
}

public enum BatchUse: Sendable { case training, evaluation }

/// Which batch the loop is at: the epoch (0 for evaluation), the batch's index in it and the
/// position of its first sample (seeds per-batch noise such as device reads).
public struct BatchPosition: Sendable {
    public var epoch: Int
    public var index: Int
    public var firstSample: Int
    public var use: BatchUse
}

/// How a phase went.
public enum PhaseOutcome: Sendable {
    case relaxed
    /// No fixed point; why, for the log.
    case failed(String)
}

/// The free phase's statistics, or why it failed.
public enum FreePhaseOutcome: Sendable {
    case relaxed(RelaxationStatistics)
    case failed(String)
}
