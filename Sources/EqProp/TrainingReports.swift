/// What one training epoch measured, on the fly, before each batch's update.
public struct EpochTraining: Sendable {
    public var samples: Int
    /// Error of the feedforward prediction s^f (Alg. 2) on the training batches.
    public var errorFeedforward: Double
    /// Error of the free fixed point s⁻ on the training batches.
    public var errorRelaxed: Double
    public var seconds: Double
    /// Mean over batches of the free phase's final residual (see `RelaxationStatistics`).
    public var meanFreeResidual: Double
    /// Mean free-phase iterations per batch (fixed for Euler; adaptive for circuit solvers).
    public var meanFreeIterations: Double
    /// Batches skipped because a phase did not converge.
    public var skippedBatches: Int = 0
    /// Largest difference seen between two solvers of the same circuit (co-simulation), V.
    public var maxCrosscheckDifference: Double? = nil
    /// Co-simulation: time the simulator processes spent inside the engine (loading circuits
    /// and solving), summed over processes, s. The rest of `seconds` is the host's own work
    /// and the messages between them.
    public var engineSeconds: Double? = nil
    /// Co-simulation: simulator processes killed and restarted (died, hung or stopped) during
    /// the epoch; their jobs ran again.
    public var workerRestarts: Int? = nil
    /// Programmable devices: the fraction of requested conductance updates that left the cell
    /// unchanged (rounded away, stuck, at a bound).
    public var lostUpdateFraction: Double? = nil
    /// Mean cosine, per feedforward layer, between its local-loss gradient and the global-loss
    /// gradient over the measured batches (Fig. 3).
    public var alignment: [Double]? = nil

    public init(samples: Int, errorFeedforward: Double, errorRelaxed: Double, seconds: Double,
                meanFreeResidual: Double, meanFreeIterations: Double) {
        self.samples = samples
        self.errorFeedforward = errorFeedforward
        self.errorRelaxed = errorRelaxed
        self.seconds = seconds
        self.meanFreeResidual = meanFreeResidual
        self.meanFreeIterations = meanFreeIterations
    }
}

/// Test-set errors of both inference procedures.
public struct Evaluation: Sendable {
    public var samples: Int
    /// Alg. 2: the feedforward network alone.
    public var errorFeedforward: Double
    /// Alg. 3: feedforward prediction, then relaxation.
    public var errorRelaxed: Double
    public var seconds: Double
    public var meanIterations: Double

    public init(samples: Int, errorFeedforward: Double, errorRelaxed: Double, seconds: Double, meanIterations: Double) {
        self.samples = samples
        self.errorFeedforward = errorFeedforward
        self.errorRelaxed = errorRelaxed
        self.seconds = seconds
        self.meanIterations = meanIterations
    }
}

/// One line of `metrics.jsonl`.
public struct EpochMetrics: Codable, Sendable {
    public var epoch: Int
    public var trainErrorFeedforward: Double
    public var trainErrorRelaxed: Double
    public var testErrorFeedforward: Double
    public var testErrorRelaxed: Double
    /// Wall time of the epoch: training plus evaluation, s.
    public var seconds: Double
    public var trainSeconds: Double
    public var evalSeconds: Double
    /// Training samples per second (training part only).
    public var samplesPerSecond: Double
    public var freeResidual: Double
    public var freeIterations: Double
    public var testIterations: Double
    public var skippedBatches: Int?
    public var maxCrosscheckDiffVolts: Double?
    public var engineSeconds: Double?
    public var workerRestarts: Int?
    public var lostUpdateFraction: Double?
    public var alignment: [Double]?

    enum CodingKeys: String, CodingKey {
        case epoch
        case trainErrorFeedforward = "train_error_feedforward"
        case trainErrorRelaxed = "train_error_relaxed"
        case testErrorFeedforward = "test_error_feedforward"
        case testErrorRelaxed = "test_error_relaxed"
        case seconds
        case trainSeconds = "train_seconds"
        case evalSeconds = "eval_seconds"
        case samplesPerSecond = "samples_per_second"
        case freeResidual = "free_residual"
        case freeIterations = "free_iterations"
        case testIterations = "test_iterations"
        case skippedBatches = "skipped_batches"
        case maxCrosscheckDiffVolts = "max_crosscheck_diff_volts"
        case engineSeconds = "engine_seconds"
        case workerRestarts = "worker_restarts"
        case lostUpdateFraction = "lost_update_fraction"
        case alignment
    }

    public init(epoch: Int, training t: EpochTraining, evaluation e: Evaluation) {
        self.epoch = epoch
        trainErrorFeedforward = t.errorFeedforward
        trainErrorRelaxed = t.errorRelaxed
        testErrorFeedforward = e.errorFeedforward
        testErrorRelaxed = e.errorRelaxed
        seconds = t.seconds + e.seconds
        trainSeconds = t.seconds
        evalSeconds = e.seconds
        samplesPerSecond = t.seconds > 0 ? Double(t.samples) / t.seconds : 0
        freeResidual = t.meanFreeResidual
        freeIterations = t.meanFreeIterations
        testIterations = e.meanIterations
        skippedBatches = t.skippedBatches > 0 ? t.skippedBatches : nil
        maxCrosscheckDiffVolts = t.maxCrosscheckDifference
        engineSeconds = t.engineSeconds
        workerRestarts = t.workerRestarts
        lostUpdateFraction = t.lostUpdateFraction
        alignment = t.alignment
    }
}
