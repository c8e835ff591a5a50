import EqProp
import Foundation
import Numerics

/// The toy of O'Connor et al. 2019, Sec. 2.4 / Fig. 1: a six-layer network f_φ is trained to
/// reproduce, at every layer, the activations s*_l of a teacher with random parameters φ*
/// (the situation of the feedforward initializer, whose targets are the fixed point's layers).
///
/// Two students from the same start: one on the local losses ½‖f_l(h_{l−1}) − s*_l‖² (each
/// layer from its own input, no gradient across layers), one on the global loss
/// ½‖f_L − s*_L‖² backpropagated through the network. Along the local run, the cosine between
/// each layer's local gradient and the global loss's gradient for that layer measures whether
/// the local losses also descend the distant loss.
public struct LayerwiseTargetsToy {
    public struct Point: Codable, Sendable {
        public var step: Int
        /// Global (output-layer) loss on a held-out set, for the local and the global student.
        public var globalLossLocalTraining: Double
        public var globalLossGlobalTraining: Double
        /// cos(∂L_local,l/∂φ_l, ∂L_global/∂φ_l) per layer, along the local run.
        public var cosine: [Double]

        enum CodingKeys: String, CodingKey {
            case step, cosine
            case globalLossLocalTraining = "global_loss_local_training"
            case globalLossGlobalTraining = "global_loss_global_training"
        }
    }

    public struct Result: Codable, Sendable {
        public var points: [Point]
        /// The loss both students are timed to: 1% of the initial global loss.
        public var targetLoss: Double
        /// First recorded step at which each student's global loss is below `targetLoss`.
        public var localReachesTargetAt: Int?
        public var globalReachesTargetAt: Int?
        /// Mean cosine per layer over the second half of the local run.
        public var lateCosine: [Double]

        enum CodingKeys: String, CodingKey {
            case points
            case targetLoss = "target_loss"
            case localReachesTargetAt = "local_reaches_target_at_step"
            case globalReachesTargetAt = "global_reaches_target_at_step"
            case lateCosine = "late_cosine"
        }
    }

    public var sizes = [20, 40, 40, 40, 40, 40, 10]
    public var steps = 3000
    public var batch = 50
    public var learningRate: Float = 0.05
    public var recordEvery = 10
    public var seed: UInt64 = 1

    public init() {}

    public func run() -> Result {
        let root = SeededGenerator(seed: seed)
        var teacherRNG = root.stream(1), studentRNG = root.stream(2), dataRNG = root.stream(3)
        let activations = Array(repeating: UnitActivation.hardSigmoid, count: sizes.count - 1)
        var teacher = FeedforwardNetwork(layerSizes: sizes, activations: activations, gain: 1.0, rng: &teacherRNG)
        for l in 0..<teacher.depth { teacher.biases[l] = teacher.biases[l].map { _ in Float(teacherRNG.uniform(0.3, 0.7)) } }
        let start = FeedforwardNetwork(layerSizes: sizes, activations: activations, rng: &studentRNG)
        var local = start, global = start
        func sample(_ n: Int, _ rng: inout SeededGenerator) -> (FloatMatrix, [FloatMatrix]) {
            let x = FloatMatrix.uniform(rows: n, columns: sizes[0], in: 0...1, using: &rng)
            let ws = FeedforwardWorkspace()
            teacher.forward(x, leaky: false, workspace: ws)
            return (x, ws.activations)
        }
        var heldRNG = root.stream(4), probeRNG = root.stream(5)
        let (heldX, heldTargets) = sample(1000, &heldRNG)
        // Gradients for the cosines come from a fixed probe set, not from one noisy minibatch.
        let (probeX, probeTargets) = sample(500, &probeRNG)
        let probe = FeedforwardWorkspace()
        func globalLoss(_ net: FeedforwardNetwork) -> Double {
            let out = net.predict(heldX)
            return zip(out.elements, heldTargets.last!.elements).reduce(0) { $0 + 0.5 * Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / 1000
        }
        let rates = Array(repeating: learningRate, count: sizes.count - 1)
        var points: [Point] = []
        let ws = FeedforwardWorkspace()
        for step in 0...steps {
            let (x, targets) = sample(batch, &dataRNG)
            local.forward(x, leaky: true, workspace: ws)
            let l = local.localLossGradients(input: x, targets: targets, workspace: ws)
            if step % recordEvery == 0 {
                local.forward(probeX, leaky: true, workspace: probe)
                let pl = local.localLossGradients(input: probeX, targets: probeTargets, workspace: probe)
                let pg = local.globalLossGradients(input: probeX, target: probeTargets.last!, workspace: probe)
                points.append(Point(step: step, globalLossLocalTraining: globalLoss(local), globalLossGlobalTraining: globalLoss(global),
                                    cosine: (0..<local.depth).map { cosineSimilarity(pl.flat($0), pg.flat($0)) }))
            }
            guard step < steps else { break }
            local.apply(l, learningRates: rates, batch: batch)
            global.forward(x, leaky: true, workspace: ws)
            global.apply(global.globalLossGradients(input: x, target: targets.last!, workspace: ws), learningRates: rates, batch: batch)
        }
        let target = 0.01 * points[0].globalLossLocalTraining
        let late = points.suffix(points.count / 2)
        let lateCosine = (0..<(sizes.count - 1)).map { k in late.reduce(0) { $0 + $1.cosine[k] } / Double(max(late.count, 1)) }
        return Result(points: points, targetLoss: target,
                      localReachesTargetAt: points.first { $0.globalLossLocalTraining <= target }?.step,
                      globalReachesTargetAt: points.first { $0.globalLossGlobalTraining <= target }?.step,
                      lateCosine: lateCosine)
    }
}
