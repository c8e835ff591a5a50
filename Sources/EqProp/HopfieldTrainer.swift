import Datasets
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

    private let relaxer = HopfieldRelaxer()
    /// Two halves of a batch, relaxed side by side on the two cores.
    private let lanes = [RelaxationLane(), RelaxationLane()]
    private let ffWorkspace = FeedforwardWorkspace()
    private var x = FloatMatrix(rows: 0, columns: 0)
    private var y = FloatMatrix(rows: 0, columns: 0)
    private var nextX = FloatMatrix(rows: 0, columns: 0)
    private var nextY = FloatMatrix(rows: 0, columns: 0)
    private var freeState: [FloatMatrix] = []
    private var nudgedState: [FloatMatrix] = []
    private var oppositeState: [FloatMatrix] = []
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
            nudgedState = freeState
            oppositeState = freeState
            prediction = freeState
        }
        for l in 0..<depth {
            freeState[l].resize(rows: b)
            nudgedState[l].resize(rows: b)
            oppositeState[l].resize(rows: b)
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

    private var freeForces: PhaseForces<FloatMatrix> {
        let lambda = config.useInitialization ? Double(config.lambda) : 0
        return PhaseForces(lambda: lambda, tetherTargets: lambda > 0 ? prediction : nil)
    }

    private func nudgedForces(_ beta: Double) -> PhaseForces<FloatMatrix> {
        var f = freeForces
        f.beta = beta
        f.targets = y
        return f
    }

    private static func copy(_ source: [FloatMatrix], into destination: inout [FloatMatrix]) {
        for l in 0..<source.count {
            destination[l].withUnsafeMutableBufferPointer { d in
                source[l].withUnsafeBufferPointer { s in d.baseAddress!.update(from: s.baseAddress!, count: s.count) }
            }
        }
    }

    private static func errors(_ outputs: FloatMatrix, _ labels: ArraySlice<Int>) -> Int {
        zip(outputs.argmaxPerRow(), labels).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
    }

    public func checkFits(_ data: LabeledImages) throws {
        guard data.pixels == config.layerSizes[0], data.classes == config.layerSizes.last! else {
            throw TrainingError.dataMismatch(
                "--layers \(config.layerSizes.map(String.init).joined(separator: ",")) does not fit the data: "
                + "\(data.pixels) pixels and \(data.classes) classes per sample")
        }
    }

    /// One pass over `data` in the seeded order of `epoch`. `progress` receives the number of
    /// samples done after each batch.
    ///
    /// Two lanes run in parallel on the two cores once the free state s⁻ of a batch is known,
    /// each with single-threaded BLAS (at batch 20, two one-thread products side by side beat
    /// one two-thread product by ~1.5×):
    ///
    ///     θ lane: nudged phase(s) → EqProp update of θ → input drive x'·W₁ of the next batch
    ///     φ lane: local-loss update of φ toward s⁻ → feedforward pass of the next batch
    ///
    /// The lanes touch disjoint state (θ and the relaxer vs. φ and its workspace) and only
    /// read s⁻, x and s^f, so the result is the same as running them one after the other.
    public func trainEpoch(_ epoch: Int, on data: LabeledImages, progress: ((Int) -> Void)? = nil) throws -> EpochTraining {
        try checkFits(data)
        let start = Date()
        let savedThreads = BLASThreads.count
        BLASThreads.set(1)
        defer { BLASThreads.set(savedThreads) }
        let root = SeededGenerator(seed: config.seed)
        var orderRNG = root.stream(1000 + UInt64(epoch))
        var signRNG = root.stream(2000 + UInt64(epoch))
        let order = orderRNG.permutation(data.count)
        var ffErrors = 0, relaxedErrors = 0, batches = 0
        var residualSum = 0.0
        let beta = Double(config.beta)
        func batchIndices(_ from: Int) -> ArraySlice<Int> { order[from..<min(from + config.batchSize, data.count)] }

        // Prologue: the first batch's input drive and feedforward pass.
        var indices = batchIndices(0)
        shapeBuffers(batch: indices.count)
        data.gather(indices, into: &x, targets: &y)
        feedforward.forward(x, leaky: true, workspace: ffWorkspace)
        relaxer.prepare(network, inputs: x)
        var done = 0
        var failure: TrainingError?
        while done < data.count {
            let labels = indices.map { data.labels[$0] }[...]
            shapeBuffers(batch: indices.count)
            startFreePhase()
            let stats = relaxFreePhase()
            residualSum += stats.residual
            guard freeState[depth - 1].isFinite else {
                throw TrainingError.diverged(epoch: epoch, batch: batches, what: "the free state")
            }
            ffErrors += Self.errors(ffWorkspace.activations[depth - 1], labels)
            relaxedErrors += Self.errors(freeState[depth - 1], labels)

            let nextStart = done + indices.count
            let hasNext = nextStart < data.count
            let nextIndices = hasNext ? batchIndices(nextStart) : []
            if hasNext { data.gather(nextIndices, into: &nextX, targets: &nextY) }
            let signed = config.betaSign == .random && signRNG.next() & 1 == 1 ? -beta : beta
            let measure = (config.alignmentEvery ?? 0) > 0 && batches % config.alignmentEvery! == 0
            let (_, loss) = Parallel.both({
                self.nudgeAndUpdateTheta(signedBeta: signed)
                if hasNext { self.relaxer.prepare(self.network, inputs: self.nextX) }
            }, {
                if measure { self.measureAlignment() }
                let loss = self.updateFeedforward()
                if hasNext { self.feedforward.forward(self.nextX, leaky: true, workspace: self.ffWorkspace) }
                return loss
            })
            guard loss.isFinite else {
                failure = .diverged(epoch: epoch, batch: batches, what: "the feedforward network's local loss")
                break
            }
            swap(&x, &nextX)
            swap(&y, &nextY)
            indices = nextIndices
            batches += 1
            done = nextStart
            progress?(done)
        }
        if let failure { throw failure }
        guard network.isFinite, feedforward.isFinite else {
            throw TrainingError.diverged(epoch: epoch, batch: batches, what: "a parameter")
        }
        let n = Double(data.count)
        var report = EpochTraining(samples: data.count, errorFeedforward: Double(ffErrors) / n,
                                   errorRelaxed: Double(relaxedErrors) / n, seconds: Date().timeIntervalSince(start),
                                   meanFreeResidual: residualSum / Double(max(batches, 1)),
                                   meanFreeIterations: Double(config.stepsFree))
        if alignmentCount > 0 { report.alignment = alignmentSums.map { $0 / Double(alignmentCount) } }
        alignmentSums = []
        alignmentCount = 0
        return report
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
    /// the batch on the two cores (samples relax independently). `relaxer` must be prepared.
    @discardableResult
    private func relaxFreePhase() -> RelaxationStatistics {
        let b = x.rows
        let tethered = freeForces.lambda > 0
        guard b >= 2 else {
            return relaxer.relax(network, states: &freeState, steps: config.stepsFree,
                                 epsilon: config.stepSize, forces: freeForces)
        }
        let mid = (b + 1) / 2
        for (lane, rows) in zip(lanes, [0..<mid, mid..<b]) {
            lane.rows = rows
            lane.relaxer.prepare(rows: rows, of: relaxer)
            if lane.states.count != depth {
                lane.states = freeState.map { FloatMatrix(rows: 0, columns: $0.columns) }
                lane.tether = lane.states
            }
            for l in 0..<depth {
                lane.states[l].assignRows(rows, of: freeState[l])
                if tethered { lane.tether[l].assignRows(rows, of: prediction[l]) }
            }
        }
        let network = self.network, steps = config.stepsFree, epsilon = config.stepSize
        let lambda = freeForces.lambda
        let (first, second) = Parallel.both({
            self.lanes[0].relax(network, steps: steps, epsilon: epsilon, lambda: lambda)
        }, {
            self.lanes[1].relax(network, steps: steps, epsilon: epsilon, lambda: lambda)
        })
        for lane in lanes {
            for l in 0..<depth { freeState[l].writeRows(startingAt: lane.rows.lowerBound, from: lane.states[l]) }
        }
        return RelaxationStatistics(iterations: steps, residual: max(first.residual, second.residual), converged: false)
    }

    /// The θ lane: nudged phase(s) from s⁻ and the EqProp update (Eq. 3–5).
    private func nudgeAndUpdateTheta(signedBeta: Double) {
        switch config.betaSign {
        case .positive, .random:
            Self.copy(freeState, into: &nudgedState)
            relaxer.relax(network, states: &nudgedState, steps: config.stepsNudged,
                          epsilon: config.stepSize, forces: nudgedForces(signedBeta))
            network.applyEquilibriumPropagationUpdate(
                input: x, first: freeState, second: nudgedState, betaDifference: Float(signedBeta),
                learningRates: config.learningRates, scratch: &scratch)
        case .centered:
            let beta = abs(signedBeta)
            Self.copy(freeState, into: &nudgedState)
            Self.copy(freeState, into: &oppositeState)
            relaxer.relax(network, states: &nudgedState, steps: config.stepsNudged,
                          epsilon: config.stepSize, forces: nudgedForces(beta))
            relaxer.relax(network, states: &oppositeState, steps: config.stepsNudged,
                          epsilon: config.stepSize, forces: nudgedForces(-beta))
            network.applyEquilibriumPropagationUpdate(
                input: x, first: oppositeState, second: nudgedState, betaDifference: Float(2 * beta),
                learningRates: config.learningRates, scratch: &scratch)
        }
    }

    /// Test error of Alg. 2 (feedforward) and Alg. 3 (feedforward, then T⁻ steps; from zero
    /// without initialization), in batches of `batchSize`.
    public func evaluate(_ data: LabeledImages) -> Evaluation { evaluate(data, batchSize: EvaluationBatch.hopfield) }

    public func evaluate(_ data: LabeledImages, batchSize: Int) -> Evaluation {
        let start = Date()
        var ffErrors = 0, relaxedErrors = 0
        var done = 0
        while done < data.count {
            let indices = (done..<min(done + batchSize, data.count))
            shapeBuffers(batch: indices.count)
            data.gather(ArraySlice(indices), into: &x, targets: &y)
            let labels = indices.map { data.labels[$0] }[...]
            feedforward.forward(x, leaky: false, workspace: ffWorkspace)
            startFreePhase()
            relaxer.prepare(network, inputs: x)
            relaxFreePhase()
            ffErrors += Self.errors(ffWorkspace.activations[depth - 1], labels)
            relaxedErrors += Self.errors(freeState[depth - 1], labels)
            done += indices.count
        }
        let n = Double(max(data.count, 1))
        return Evaluation(samples: data.count, errorFeedforward: Double(ffErrors) / n,
                          errorRelaxed: Double(relaxedErrors) / n, seconds: Date().timeIntervalSince(start),
                          meanIterations: Double(config.stepsFree))
    }
}

/// Part of a batch relaxed on its own core: its rows, relaxer and states.
final class RelaxationLane {
    let relaxer = HopfieldRelaxer()
    var rows = 0..<0
    var states: [FloatMatrix] = []
    var tether: [FloatMatrix] = []

    func relax(_ network: LayeredHopfieldNetwork, steps: Int, epsilon: Float, lambda: Double) -> RelaxationStatistics {
        relaxer.relax(network, states: &states, steps: steps, epsilon: epsilon,
                      forces: PhaseForces(lambda: lambda, tetherTargets: lambda > 0 ? tether : nil))
    }
}

