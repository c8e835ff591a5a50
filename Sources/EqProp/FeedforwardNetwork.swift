import Numerics

/// The feedforward initializer f_φ of O'Connor et al. 2019 (Eq. 6):
///
///     s^f_l = act_l(s^f_{l−1}·ω_l + c_l),     s^f_0 = x
///
/// It predicts every layer of the free fixed point; its prediction starts the free phase and
/// anchors the λ tether (Eq. 10). After training it is the deployable model (Alg. 2): exact
/// and copyable. Row-vector convention as in `LayeredHopfieldNetwork`: ω_l is n_{l−1} × n_l.
public struct FeedforwardNetwork: Sendable, Equatable {
    public let layerSizes: [Int]
    public var weights: [FloatMatrix]
    public var biases: [[Float]]
    public let activations: [UnitActivation]

    public init(layerSizes: [Int], weights: [FloatMatrix], biases: [[Float]], activations: [UnitActivation]) {
        precondition(weights.count == layerSizes.count - 1 && biases.count == weights.count
                     && activations.count == weights.count)
        self.layerSizes = layerSizes
        self.weights = weights
        self.biases = biases
        self.activations = activations
    }

    /// Xavier-uniform weights scaled by `gain`, zero biases.
    public init(layerSizes: [Int], activations: [UnitActivation], gain: Double = 1, rng: inout SeededGenerator) {
        let weights = (1..<layerSizes.count).map {
            FloatMatrix.xavierUniform(rows: layerSizes[$0 - 1], columns: layerSizes[$0], gain: gain, using: &rng)
        }
        self.init(layerSizes: layerSizes, weights: weights,
                  biases: layerSizes.dropFirst().map { [Float](repeating: 0, count: $0) }, activations: activations)
    }

    public var depth: Int { layerSizes.count - 1 }
    public var isFinite: Bool { weights.allSatisfy(\.isFinite) && biases.allSatisfy { $0.allSatisfy(\.isFinite) } }
}

/// Buffers for batched feedforward passes: pre-activations a_l and activations h_l.
public final class FeedforwardWorkspace {
    public var preActivations: [FloatMatrix] = []
    public var activations: [FloatMatrix] = []
    var delta = FloatMatrix(rows: 0, columns: 0)

    public init() {}

    func shape(for network: FeedforwardNetwork, batch: Int) {
        let sizes = Array(network.layerSizes.dropFirst())
        if preActivations.count != sizes.count || preActivations.first?.rows != batch
            || zip(preActivations, sizes).contains(where: { $0.columns != $1 }) {
            preActivations = sizes.map { FloatMatrix(rows: batch, columns: $0) }
            activations = sizes.map { FloatMatrix(rows: batch, columns: $0) }
        }
    }
}

extension FeedforwardNetwork {
    /// The batched forward pass (Eq. 6). With `leaky` (training) each layer uses
    /// act + 0.01·a (ρ_mod); without it (deployment, Alg. 2) the plain activation.
    /// Results are in `workspace.activations`.
    public func forward(_ x: FloatMatrix, leaky: Bool, workspace ws: FeedforwardWorkspace) {
        ws.shape(for: self, batch: x.rows)
        for l in 0..<depth {
            if l == 0 {
                FloatMatrix.multiply(x, weights[0], into: &ws.preActivations[0])
            } else {
                FloatMatrix.multiply(ws.activations[l - 1], weights[l], into: &ws.preActivations[l])
            }
            ws.preActivations[l].addToEachRow(biases[l])
            let n = layerSizes[l + 1]
            let act = activations[l]
            ws.preActivations[l].withUnsafeBufferPointer { a in
                ws.activations[l].withUnsafeMutableBufferPointer { h in
                    var i = 0
                    for _ in 0..<x.rows {
                        for j in 0..<n {
                            h[i] = act.apply(a[i], unit: j, of: n, leaky: leaky)
                            i &+= 1
                        }
                    }
                }
            }
        }
    }

    /// The prediction for a batch: the last layer's activations (plain, not leaky).
    public func predict(_ x: FloatMatrix, workspace ws: FeedforwardWorkspace = FeedforwardWorkspace()) -> FloatMatrix {
        forward(x, leaky: false, workspace: ws)
        return ws.activations[depth - 1]
    }

    /// One step on the local losses of Eq. 8, after a leaky `forward` of the same batch:
    ///
    ///     L_l = ½‖h_l − s⁻_l‖² / B,   δ_l = (h_l − s⁻_l) ⊙ act'_l(a_l),
    ///     ω_l ← ω_l − η_l · h_{l−1}ᵀ δ_l / B,   c_l ← c_l − η_l · Σ_b δ_l / B
    ///
    /// Each layer learns from its own input h_{l−1} and its own target s⁻_l only: no
    /// gradient crosses layers (Alg. 1, line 14). Returns Σ_l L_l.
    ///
    /// With `normalized`, each layer's step is divided by the batch mean of ‖[h_{l−1}, 1]‖²
    /// (normalized least mean squares, stable for 0 < η < 2): a circuit's layers carry voltages
    /// whose scales differ by orders of magnitude, and a plain step that suits one layer
    /// diverges on another. Still a local rule.
    @discardableResult
    public mutating func applyLocalLossUpdate(input x: FloatMatrix, targets: [FloatMatrix], learningRates: [Float],
                                              normalized: Bool = false, workspace ws: FeedforwardWorkspace) -> Double {
        precondition(targets.count == depth && learningRates.count == depth)
        let batch = x.rows
        var loss = 0.0
        for l in 0..<depth {
            let n = layerSizes[l + 1]
            if ws.delta.rows != batch || ws.delta.columns != n { ws.delta = FloatMatrix(rows: batch, columns: n) }
            let act = activations[l]
            var layerLoss: Float = 0
            ws.preActivations[l].withUnsafeBufferPointer { a in
                ws.activations[l].withUnsafeBufferPointer { h in
                    targets[l].withUnsafeBufferPointer { t in
                        ws.delta.withUnsafeMutableBufferPointer { d in
                            var i = 0
                            for _ in 0..<batch {
                                for j in 0..<n {
                                    let e = h[i] - t[i]
                                    layerLoss += e * e
                                    d[i] = e * act.leakyDerivative(a[i], unit: j, of: n)
                                    i &+= 1
                                }
                            }
                        }
                    }
                }
            }
            loss += 0.5 * Double(layerLoss) / Double(batch)
            let below = l == 0 ? x : ws.activations[l - 1]
            var scale = -learningRates[l] / Float(batch)
            if normalized {
                let energy = below.withUnsafeBufferPointer { p in p.reduce(Float(0)) { $0 + $1 * $1 } }
                scale /= energy / Float(batch) + 1
            }
            FloatMatrix.multiply(below, ws.delta, transposeA: true, into: &weights[l], alpha: scale, beta: 1)
            let sums = ws.delta.columnSums()
            for j in 0..<n { biases[l][j] += scale * sums[j] }
        }
        return loss
    }
}
