import Equilibrium
import Numerics

/// Euler relaxation of the layered Hopfield network, batched (Alg. 1, lines 7–12):
///
///     s ← clip(s − ε·∂(E + β·C + λ·T)/∂s, 0, 1)        all layers at once (synchronous)
///
/// Because every state stays in [0, 1], ρ(s) = s and ρ'(s) = 1 there, so the gradient of
/// layer l is s_l − (b_l + s_{l−1}·W_l + s_{l+1}·W_{l+1}ᵀ) plus the nudge and tether forces.
/// The input term x·W₁ + b₁ does not change during relaxation: `prepare` computes it once per
/// batch and every phase reuses it. Per step the cost is two GEMMs per pair of free layers.
///
/// Behind the common interface a free phase runs T⁻ steps and a nudged phase T⁺, all of size ε;
/// the request's inputs must be those of the last `prepare` (their drive is not recomputed).
public final class HopfieldRelaxer: EquilibriumRelaxer {
    /// T⁻ and T⁺: Euler steps of the free and of a nudged phase.
    public var stepsFree: Int
    public var stepsNudged: Int
    /// ε.
    public var stepSize: Float
    /// c_l: the state-independent drive, B × n_l (x·W₁ + b₁ for l = 1, b_l broadcast above).
    private var constantDrive: [FloatMatrix] = []
    /// The drive from neighbouring free layers, recomputed each step.
    private var neighbourDrive: [FloatMatrix] = []
    /// W_{l+1}ᵀ for l = 1…L−1, refreshed by `prepare`: at batch sizes around 20, OpenBLAS's
    /// NN kernel is ~1.6× faster than its NT kernel on these shapes (BENCHMARKS.md).
    private var transposedWeights: [FloatMatrix] = []
    public private(set) var batchSize = 0

    public init(stepsFree: Int = 0, stepsNudged: Int = 0, stepSize: Float = 0) {
        self.stepsFree = stepsFree
        self.stepsNudged = stepsNudged
        self.stepSize = stepSize
    }

    /// Relaxes `request.start` for T⁻ (free) or T⁺ (nudged) steps; the nudge is β‖s_L − y‖²
    /// and the tether λ‖s − s^f‖².
    public func relax(_ network: LayeredHopfieldNetwork, _ request: RelaxationRequest<Float>) -> Relaxation<Float> {
        precondition(request.inputs.rows == batchSize, "prepare() the batch first")
        var states = request.start
        let stats = relax(network, states: &states, steps: request.phase.isFree ? stepsFree : stepsNudged,
                          epsilon: stepSize, phase: request.phase)
        return Relaxation(states: states, statistics: stats)
    }

    /// Computes the state-independent drives for the batch `inputs` (B × n₀).
    public func prepare(_ network: LayeredHopfieldNetwork, inputs x: FloatMatrix) {
        let sizes = network.freeLayerSizes
        let b = x.rows
        if constantDrive.count != sizes.count || batchSize != b || zip(constantDrive, sizes).contains(where: { $0.columns != $1 }) {
            constantDrive = sizes.map { FloatMatrix(rows: b, columns: $0) }
            neighbourDrive = sizes.map { FloatMatrix(rows: b, columns: $0) }
        }
        batchSize = b
        FloatMatrix.multiply(x, network.weights[0], into: &constantDrive[0])
        constantDrive[0].addToEachRow(network.biases[0])
        if transposedWeights.count != sizes.count - 1 {
            transposedWeights = (1..<sizes.count).map { FloatMatrix(rows: sizes[$0], columns: sizes[$0 - 1]) }
        }
        for l in 1..<sizes.count {
            Self.transpose(network.weights[l], into: &transposedWeights[l - 1])
            let bias = network.biases[l]
            let n = sizes[l]
            constantDrive[l].withUnsafeMutableBufferPointer { p in
                for r in 0..<b { for j in 0..<n { p[r * n + j] = bias[j] } }
            }
        }
    }

    /// Prepares this relaxer for rows `rows` of the batch that `full` was prepared for,
    /// copying its state-independent drives: a lane that relaxes part of a batch on its own core.
    /// Takes the step counts and size of `full` too.
    public func prepare(rows: Range<Int>, of full: HopfieldRelaxer) {
        (stepsFree, stepsNudged, stepSize) = (full.stepsFree, full.stepsNudged, full.stepSize)
        let b = rows.count
        if constantDrive.count != full.constantDrive.count || batchSize != b
            || zip(constantDrive, full.constantDrive).contains(where: { $0.columns != $1.columns }) {
            constantDrive = full.constantDrive.map { FloatMatrix(rows: b, columns: $0.columns) }
            neighbourDrive = constantDrive
        }
        batchSize = b
        for l in 0..<constantDrive.count { constantDrive[l].assignRows(rows, of: full.constantDrive[l]) }
        transposedWeights = full.transposedWeights
    }

    /// Runs `steps` Euler steps of size `epsilon` from `states` (one B × n_l matrix per free
    /// layer, values in [0, 1]), in place. `prepare` must have been called for this batch.
    @discardableResult
    public func relax(_ network: LayeredHopfieldNetwork, states: inout [FloatMatrix], steps: Int,
                      epsilon: Float, phase: Phase<Float>) -> RelaxationStatistics {
        let depth = network.depth
        precondition(states.count == depth && states[0].rows == batchSize, "prepare() the batch first")
        let beta = Float(phase.nudge?.beta ?? 0), lambda = Float(phase.tether?.strength ?? 0)
        let targets = phase.nudge?.targets, anchors = phase.tether?.anchors
        var lastChange: Float = 0
        for step in 0..<steps {
            // All drives from the current state first (synchronous update).
            for l in 0..<depth {
                let hasBelow = l > 0, hasAbove = l + 1 < depth
                if hasBelow {
                    FloatMatrix.multiply(states[l - 1], network.weights[l], into: &neighbourDrive[l])
                }
                if hasAbove {
                    FloatMatrix.multiply(states[l + 1], transposedWeights[l], into: &neighbourDrive[l],
                                         beta: hasBelow ? 1 : 0)
                }
                if !hasBelow && !hasAbove { neighbourDrive[l].fill(0) }
            }
            let measure = step == steps - 1
            for l in 0..<depth {
                let nudge: Float = (l == depth - 1) ? 2 * beta : 0
                let tether: Float = 2 * lambda
                let change = Self.eulerStep(
                    state: &states[l], constant: constantDrive[l], neighbour: neighbourDrive[l],
                    epsilon: epsilon, nudge: nudge, targets: nudge != 0 ? targets : nil,
                    tether: tether, tetherTargets: tether != 0 ? anchors?[l] : nil, measure: measure)
                lastChange = max(lastChange, change)
            }
        }
        return RelaxationStatistics(iterations: steps, residual: Double(lastChange / epsilon), converged: false)
    }

    private static func transpose(_ w: FloatMatrix, into t: inout FloatMatrix) {
        let rows = w.rows, columns = w.columns
        w.withUnsafeBufferPointer { src in
            t.withUnsafeMutableBufferPointer { dst in
                for i in 0..<rows { for j in 0..<columns { dst[j &* rows &+ i] = src[i &* columns &+ j] } }
            }
        }
    }

    /// s ← clip(s − ε(s − c − d + k(s − y) + t(s − s^f)), 0, 1) over one layer; returns
    /// max |Δs| when `measure` is set (the last step only: the reduction does not vectorize).
    @inline(__always)
    private static func eulerStep(state: inout FloatMatrix, constant: FloatMatrix, neighbour: FloatMatrix,
                                  epsilon: Float, nudge: Float, targets: FloatMatrix?,
                                  tether: Float, tetherTargets: FloatMatrix?, measure: Bool) -> Float {
        let count = state.count
        let decay = 1 - epsilon * (1 + nudge + tether)
        let emptyBuffer: [Float] = [0]
        let y = targets?.elements ?? emptyBuffer, f = tetherTargets?.elements ?? emptyBuffer
        let hasTargets = targets != nil, hasTether = tetherTargets != nil
        var maxChange: Float = 0
        constant.elements.withUnsafeBufferPointer { cb in
        neighbour.elements.withUnsafeBufferPointer { db in
        y.withUnsafeBufferPointer { yb in
        f.withUnsafeBufferPointer { fb in
        state.elements.withUnsafeMutableBufferPointer { sb in
            let c = cb.baseAddress!, d = db.baseAddress!, s = sb.baseAddress!
            let yp = yb.baseAddress!, fp = fb.baseAddress!
            let ek = epsilon * nudge, et = epsilon * tether
            if measure {
                for i in 0..<count {
                    var drive = c[i] + d[i]
                    if hasTargets { drive += nudge * yp[i] }
                    if hasTether { drive += tether * fp[i] }
                    let new = min(max(decay * s[i] + epsilon * drive, 0), 1)
                    maxChange = max(maxChange, abs(new - s[i]))
                    s[i] = new
                }
                return
            }
            switch (hasTargets, hasTether) {
            case (false, false):
                for i in 0..<count { s[i] = min(max(decay * s[i] + epsilon * (c[i] + d[i]), 0), 1) }
            case (true, false):
                for i in 0..<count { s[i] = min(max(decay * s[i] + epsilon * (c[i] + d[i]) + ek * yp[i], 0), 1) }
            case (false, true):
                for i in 0..<count { s[i] = min(max(decay * s[i] + epsilon * (c[i] + d[i]) + et * fp[i], 0), 1) }
            case (true, true):
                for i in 0..<count {
                    s[i] = min(max(decay * s[i] + epsilon * (c[i] + d[i]) + ek * yp[i] + et * fp[i], 0), 1)
                }
            }
        }}}}}
        return maxChange
    }
}
