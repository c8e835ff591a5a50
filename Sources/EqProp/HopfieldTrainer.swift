import Datasets
import Equilibrium
import Foundation
import Numerics

/// Init-EqProp on the layered Hopfield network (O'Connor et al. 2019, Alg. 1), batched.
///
/// Per minibatch: the feedforward pass predicts s^f (Eq. 6); the free phase relaxes T⁻ Euler
/// steps from s^f (from zero without initialization) under the λ tether (Eq. 10); the nudged
/// phase(s) relax T⁺ steps from s⁻; θ takes the EqProp step (Eq. 3–5) and φ a step on the
/// local losses toward s⁻ (Eq. 8). Evaluation runs Alg. 2 (feedforward) and Alg. 3
/// (feedforward, then T⁻ steps).
public final class HopfieldTrainer {
    public let config: HopfieldTrainingConfig
    public private(set) var network: LayeredHopfieldNetwork
    public private(set) var feedforward: FeedforwardNetwork

    /// Relaxes every phase of the loaded batch (T⁻ free steps, T⁺ nudged, ε), prepared with its drive.
    private let relaxer: HopfieldRelaxer
    /// Two halves of a batch, relaxed side by side on the two cores.
    private let lanes = [RelaxationLane(), RelaxationLane()]
    private let ffWorkspace = FeedforwardWorkspace()
    private var x = FloatMatrix(rows: 0, columns: 0)
    private var y = FloatMatrix(rows: 0, columns: 0)
    private var nextX = FloatMatrix(rows: 0, columns: 0)
    private var nextY = FloatMatrix(rows: 0, columns: 0)
    private var labels: [Int] = []
    private var freeState: [FloatMatrix] = []
    private var prediction: [FloatMatrix] = []
    private var scratch = FloatMatrix(rows: 0, columns: 0)
    private var alignmentSums: [Double] = []
    private var alignmentCount = 0

    /// A fresh run: θ and φ drawn from `config.seed`.
    public convenience init(config: HopfieldTrainingConfig) throws {
        try config.validate()
        var rng = SeededGenerator(seed: config.seed)
        var thetaRNG = rng.stream(1), phiRNG = rng.stream(2)
        _ = rng.next()
        let network = LayeredHopfieldNetwork(layerSizes: config.layerSizes, rng: &thetaRNG)
        let feedforward = FeedforwardNetwork(
            layerSizes: config.layerSizes,
            activations: Array(repeating: .hardSigmoid, count: config.layerSizes.count - 1), rng: &phiRNG)
        try self.init(config: config, network: network, feedforward: feedforward)
    }

    /// A run continued from saved parameters.
    public init(config: HopfieldTrainingConfig, network: LayeredHopfieldNetwork, feedforward: FeedforwardNetwork) throws {
        try config.validate()
        guard network.layerSizes == config.layerSizes, feedforward.layerSizes == config.layerSizes else {
            throw TrainingError.invalidConfiguration("the saved networks' layer sizes do not match the configuration")
        }
        self.config = config
        self.network = network
        self.feedforward = feedforward
        relaxer = HopfieldRelaxer(stepsFree: config.stepsFree, stepsNudged: config.stepsNudged, stepSize: config.stepSize)
    }

    private var depth: Int { network.depth }

    /// Sizes the batch buffers for `b` samples.
    private func shapeBuffers(batch b: Int) {
        let sizes = network.freeLayerSizes
        if x.columns != config.layerSizes[0] {
            x = FloatMatrix(rows: b, columns: config.layerSizes[0])
            y = FloatMatrix(rows: b, columns: sizes.last!)
            nextX = x
            nextY = y
            freeState = sizes.map { FloatMatrix(rows: b, columns: $0) }
            prediction = freeState
        }
        for l in 0..<depth {
            freeState[l].resize(rows: b)
            prediction[l].resize(rows: b)
        }
    }

    /// The free phase's starting point and tether anchor: s^f clipped into [0, 1] (the
    /// relaxer's domain), or zero without initialization.
    /// Expects the feedforward pass of `x` in `ffWorkspace`.
    private func startFreePhase() {
        for l in 0..<depth {
            if config.useInitialization {
                ffWorkspace.activations[l].withUnsafeBufferPointer { h in
                    prediction[l].withUnsafeMutableBufferPointer { p in
                        for i in 0..<p.count { p[i] = HardSigmoid.rho(h[i]) }
                    }
                }
                freeState[l].elements.withUnsafeMutableBufferPointer { s in
                    prediction[l].elements.withUnsafeBufferPointer { p in
                        s.baseAddress!.update(from: p.baseAddress!, count: p.count)
                    }
                }
            } else {
                freeState[l].fill(0)
            }
        }
    }

    /// The free phase: the λ tether toward s^f with initialization (Eq. 10), none without.
    private var freePhase: Phase<Float> {
        let lambda = config.useInitialization ? Double(config.lambda) : 0
        return Phase(tether: lambda > 0 ? .init(strength: lambda, anchors: prediction) : nil)
    }

    private static func errors(_ outputs: FloatMatrix, _ labels: [Int]) -> Int {
        zip(outputs.argmaxPerRow(), labels).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
    }

    /// The φ lane's step: the local losses (Eq. 8), or the global loss backpropagated through
    /// the network (`feedforwardLoss == .global`, for Fig. 3). Returns the loss.
    private func updateFeedforward() -> Double {
        guard config.feedforwardLoss == .global else {
            return feedforward.applyLocalLossUpdate(input: x, targets: freeState, learningRates: config.feedforwardLearningRates,
                                                    workspace: ffWorkspace)
        }
        let target = freeState[depth - 1]
        let output = ffWorkspace.activations[depth - 1]
        var loss = 0.0
        for i in 0..<output.count { let e = Double(output.elements[i] - target.elements[i]); loss += 0.5 * e * e }
        let g = feedforward.globalLossGradients(input: x, target: target, workspace: ffWorkspace)
        feedforward.apply(g, learningRates: config.feedforwardLearningRates, batch: x.rows)
        return loss / Double(x.rows)
    }

    /// Accumulates, per layer, cos(local-loss gradient, global-loss gradient) at the current φ.
    private func measureAlignment() {
        let local = feedforward.localLossGradients(input: x, targets: freeState, workspace: ffWorkspace)
        let global = feedforward.globalLossGradients(input: x, target: freeState[depth - 1], workspace: ffWorkspace)
        if alignmentSums.count != depth { alignmentSums = Array(repeating: 0, count: depth) }
        for l in 0..<depth { alignmentSums[l] += cosineSimilarity(local.flat(l), global.flat(l)) }
        alignmentCount += 1
    }

    /// Relaxes `freeState` for T⁻ steps from where `startFreePhase` put it, the two halves of
    /// the batch on the two cores (samples relax independently), each through its own relaxer
    /// prepared from `relaxer`'s drive.
    private func relaxFreeLanes() -> RelaxationStatistics {
        let b = x.rows
        guard b >= 2 else {
            let result = relaxer.relax(network, RelaxationRequest(inputs: x, start: freeState, phase: freePhase))
            freeState = result.states
            return result.statistics
        }
        let mid = (b + 1) / 2
        let phase = freePhase
        for (lane, rows) in zip(lanes, [0..<mid, mid..<b]) {
            lane.relaxer.prepare(rows: rows, of: relaxer)
            lane.request = RelaxationRequest(inputs: x.rows(rows), start: freeState.map { $0.rows(rows) },
                                             phase: Phase(tether: phase.tether.map { .init(strength: $0.strength, anchors: $0.anchors.map { $0.rows(rows) }) }))
            lane.rows = rows
        }
        let network = self.network
        let (first, second) = Parallel.both({ self.lanes[0].relax(network) }, { self.lanes[1].relax(network) })
        for (lane, result) in zip(lanes, [first, second]) {
            for l in 0..<depth { freeState[l].writeRows(startingAt: lane.rows.lowerBound, from: result.states[l]) }
        }
        return RelaxationStatistics(iterations: config.stepsFree, residual: max(first.statistics.residual, second.statistics.residual),
                                    converged: false)
    }

    /// The θ lane: the nudged phase(s) from s⁻ and the EqProp update (Eq. 3–5).
    private func nudgeAndUpdateTheta(_ phases: NudgedPhases) {
        let nudged = phases.betas.map { beta in
            relaxer.relax(network, RelaxationRequest(inputs: x, start: freeState, phase: freePhase.nudged(beta: beta, targets: y))).states
        }
        let (first, second) = phases.pair(free: freeState, nudged: nudged)
        network.applyEquilibriumPropagationUpdate(input: x, first: first, second: second,
                                                  betaDifference: Float(phases.betaDifference),
                                                  learningRates: config.learningRates, scratch: &scratch)
    }
}

extension HopfieldTrainer: InitEqPropModel {
    public var loopSettings: InitEqPropSettings {
        InitEqPropSettings(seed: config.seed, batchSize: config.batchSize, betaSign: config.betaSign, beta: Double(config.beta),
                           evaluationBatchSize: EvaluationBatch.hopfield)
    }

    public func checkFits(_ data: LabeledImages) throws {
        try TrainingError.checkFits(data, layers: config.layerSizes, classes: config.layerSizes.last!)
    }

    public func load(_ indices: ArraySlice<Int>, of data: LabeledImages, for use: BatchUse) {
        shapeBuffers(batch: indices.count)
        data.gather(indices, into: &x, targets: &y)
        labels = indices.map { data.labels[$0] }
        feedforward.forward(x, leaky: use == .training, workspace: ffWorkspace)
        relaxer.prepare(network, inputs: x)
    }

    public func relaxFreePhase(_ batch: BatchPosition) throws -> FreePhaseOutcome {
        shapeBuffers(batch: x.rows)
        startFreePhase()
        let statistics = relaxFreeLanes()
        guard freeState[depth - 1].isFinite else {
            throw TrainingError.diverged(epoch: batch.epoch, batch: batch.index, what: "the free state")
        }
        return .relaxed(statistics)
    }

    public func errors() -> (feedforward: Int, relaxed: Int) {
        (Self.errors(ffWorkspace.activations[depth - 1], labels), Self.errors(freeState[depth - 1], labels))
    }

    /// Two lanes run in parallel on the two cores once s⁻ is known, each with single-threaded
    /// BLAS (at batch 20, two one-thread products side by side beat one two-thread product by
    /// ~1.5×):
    ///
    ///     θ lane: nudged phase(s) → EqProp update of θ → input drive x'·W₁ of the next batch
    ///     φ lane: local-loss update of φ toward s⁻ → feedforward pass of the next batch
    ///
    /// The lanes touch disjoint state (θ and the relaxer vs. φ and its workspace) and only
    /// read s⁻, x and s^f, so the result is the same as running them one after the other.
    public func learn(_ phases: NudgedPhases, _ batch: BatchPosition, next: ArraySlice<Int>?,
                      of data: LabeledImages) throws -> PhaseOutcome {
        if let next { data.gather(next, into: &nextX, targets: &nextY) }
        let hasNext = next != nil
        let measure = (config.alignmentEvery ?? 0) > 0 && batch.index % config.alignmentEvery! == 0
        let (_, loss) = Parallel.both({
            self.nudgeAndUpdateTheta(phases)
            if hasNext { self.relaxer.prepare(self.network, inputs: self.nextX) }
        }, {
            if measure { self.measureAlignment() }
            let loss = self.updateFeedforward()
            if hasNext { self.feedforward.forward(self.nextX, leaky: true, workspace: self.ffWorkspace) }
            return loss
        })
        guard loss.isFinite else {
            throw TrainingError.diverged(epoch: batch.epoch, batch: batch.index, what: "the feedforward network's local loss")
        }
        if let next {
            swap(&x, &nextX)
            swap(&y, &nextY)
            labels = next.map { data.labels[$0] }
        }
        return .relaxed
    }

    public func finishEpoch(_ report: inout EpochTraining, epoch: Int, batches: Int) throws {
        guard network.isFinite, feedforward.isFinite else {
            throw TrainingError.diverged(epoch: epoch, batch: batches, what: "a parameter")
        }
        if alignmentCount > 0 { report.alignment = alignmentSums.map { $0 / Double(alignmentCount) } }
        alignmentSums = []
        alignmentCount = 0
    }
}

/// Part of a batch relaxed on its own core: its rows, relaxer and request.
final class RelaxationLane {
    let relaxer = HopfieldRelaxer()
    var rows = 0..<0
    var request = RelaxationRequest<Float>(inputs: FloatMatrix(rows: 0, columns: 0), start: [])

    func relax(_ network: LayeredHopfieldNetwork) -> Relaxation<Float> { relaxer.relax(network, request) }
}
