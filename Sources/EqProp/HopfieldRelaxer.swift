import Numerics

/// Euler relaxation of the layered Hopfield network, batched (Alg. 1, lines 7–12):
///
///     s ← clip(s − ε·∂(E + β·C + λ·T)/∂s, 0, 1)        all layers at once (synchronous)
///
/// Because every state stays in [0, 1], ρ(s) = s and ρ'(s) = 1 there, so the gradient of
/// layer l is s_l − (b_l + s_{l−1}·W_l + s_{l+1}·W_{l+1}ᵀ) plus the nudge and tether forces.
/// The input term x·W₁ + b₁ does not change during relaxation: `prepare` computes it once per
/// batch and every phase reuses it. Per step the cost is two GEMMs per pair of free layers.
public final class HopfieldRelaxer {
    /// c_l: the state-independent drive, B × n_l (x·W₁ + b₁ for l = 1, b_l broadcast above).
    private var constantDrive: [FloatMatrix] = []
    /// The drive from neighbouring free layers, recomputed each step.
    private var neighbourDrive: [FloatMatrix] = []
    public private(set) var batchSize = 0

    public init() {}

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
        for l in 1..<sizes.count {
            let bias = network.biases[l]
            let n = sizes[l]
            constantDrive[l].withUnsafeMutableBufferPointer { p in
                for r in 0..<b { for j in 0..<n { p[r * n + j] = bias[j] } }
            }
        }
    }

    /// Runs `steps` Euler steps of size `epsilon` from `states` (one B × n_l matrix per free
    /// layer, values in [0, 1]), in place. `prepare` must have been called for this batch.
    @discardableResult
    public func relax(_ network: LayeredHopfieldNetwork, states: inout [FloatMatrix], steps: Int,
                      epsilon: Float, forces: PhaseForces<FloatMatrix>) -> RelaxationStatistics {
        let depth = network.depth
        precondition(states.count == depth && states[0].rows == batchSize, "prepare() the batch first")
        let beta = Float(forces.beta), lambda = Float(forces.lambda)
        precondition(beta == 0 || forces.targets != nil, "a nudged phase needs targets")
        precondition(lambda == 0 || forces.tetherTargets != nil, "a tethered phase needs s^f")
        var lastChange: Float = 0
        for step in 0..<steps {
            // All drives from the current state first (synchronous update).
            for l in 0..<depth {
                let hasBelow = l > 0, hasAbove = l + 1 < depth
                if hasBelow {
                    FloatMatrix.multiply(states[l - 1], network.weights[l], into: &neighbourDrive[l])
                }
                if hasAbove {
                    FloatMatrix.multiply(states[l + 1], network.weights[l + 1], transposeB: true,
                                         into: &neighbourDrive[l], beta: hasBelow ? 1 : 0)
                }
                if !hasBelow && !hasAbove { neighbourDrive[l].fill(0) }
            }
            let measure = step == steps - 1
            for l in 0..<depth {
                let nudge: Float = (l == depth - 1) ? 2 * beta : 0
                let tether: Float = 2 * lambda
                let change = Self.eulerStep(
                    state: &states[l], constant: constantDrive[l], neighbour: neighbourDrive[l],
                    epsilon: epsilon, nudge: nudge, targets: nudge != 0 ? forces.targets : nil,
                    tether: tether, tetherTargets: tether != 0 ? forces.tetherTargets?[l] : nil, measure: measure)
                lastChange = max(lastChange, change)
            }
        }
        return RelaxationStatistics(iterations: steps, residual: Double(lastChange / epsilon), converged: false)
    }

    /// s ← clip(s − ε(s − c − d + k(s − y) + t(s − s^f)), 0, 1) over one layer; returns
    /// max |Δs| when `measure` is set.
    @inline(__always)
    private static func eulerStep(state: inout FloatMatrix, constant: FloatMatrix, neighbour: FloatMatrix,
                                  epsilon: Float, nudge: Float, targets: FloatMatrix?,
                                  tether: Float, tetherTargets: FloatMatrix?, measure: Bool) -> Float {
        var maxChange: Float = 0
        let count = state.count
        let decay = 1 - epsilon * (1 + nudge + tether)
        constant.withUnsafeBufferPointer { c in
            neighbour.withUnsafeBufferPointer { d in
                state.withUnsafeMutableBufferPointer { s in
                    func loop(_ extra: (Int) -> Float) {
                        for i in 0..<count {
                            let old = s[i]
                            let new = min(max(decay * old + epsilon * (c[i] + d[i] + extra(i)), 0), 1)
                            s[i] = new
                            if measure { maxChange = max(maxChange, abs(new - old)) }
                        }
                    }
                    switch (targets, tetherTargets) {
                    case (nil, nil):
                        loop { _ in 0 }
                    case let (y?, nil):
                        y.withUnsafeBufferPointer { yp in loop { nudge * yp[$0] } }
                    case let (nil, f?):
                        f.withUnsafeBufferPointer { fp in loop { tether * fp[$0] } }
                    case let (y?, f?):
                        y.withUnsafeBufferPointer { yp in
                            f.withUnsafeBufferPointer { fp in loop { nudge * yp[$0] + tether * fp[$0] } }
                        }
                    }
                }
            }
        }
        return maxChange
    }
}
