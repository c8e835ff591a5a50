import Numerics

/// Explicit gradients of the feedforward network's losses, for comparing local and global
/// training (O'Connor et al. 2019, Sec. 2.4 and Fig. 3). Training itself uses the fused
/// `applyLocalLossUpdate`; backpropagation through the network exists only for this comparison.
extension FeedforwardNetwork {
    /// ∂/∂(ω_l, c_l) of one loss, per layer, summed over the batch.
    public struct Gradients {
        public var weights: [FloatMatrix]
        public var biases: [[Float]]

        /// All entries of layer l, weights then biases.
        public func flat(_ l: Int) -> [Float] { weights[l].elements + biases[l] }
    }

    /// The local losses' gradients (Eq. 8): layer l's of ½‖h_l − t_l‖² w.r.t. its own
    /// parameters, its input h_{l−1} held fixed. Expects a leaky `forward` of `x`.
    public func localLossGradients(input x: FloatMatrix, targets: [FloatMatrix], workspace ws: FeedforwardWorkspace) -> Gradients {
        var gw: [FloatMatrix] = [], gb: [[Float]] = []
        for l in 0..<depth {
            let delta = outputDelta(l, target: targets[l], ws)
            gw.append(FloatMatrix.product(l == 0 ? x : ws.activations[l - 1], delta, transposeA: true))
            gb.append(delta.columnSums())
        }
        return Gradients(weights: gw, biases: gb)
    }

    /// The global loss ½‖h_L − t_L‖² backpropagated through every layer (the leaky
    /// activations' derivatives). Expects a leaky `forward` of `x`.
    public func globalLossGradients(input x: FloatMatrix, target: FloatMatrix, workspace ws: FeedforwardWorkspace) -> Gradients {
        var gw = [FloatMatrix](repeating: FloatMatrix(rows: 0, columns: 0), count: depth)
        var gb = [[Float]](repeating: [], count: depth)
        var delta = outputDelta(depth - 1, target: target, ws)
        for l in stride(from: depth - 1, through: 0, by: -1) {
            gw[l] = FloatMatrix.product(l == 0 ? x : ws.activations[l - 1], delta, transposeA: true)
            gb[l] = delta.columnSums()
            guard l > 0 else { break }
            // δ_{l−1} = (δ_l · ω_lᵀ) ⊙ act'_{l−1}(a_{l−1})
            var back = FloatMatrix.product(delta, weights[l], transposeB: true)
            let n = layerSizes[l], act = activations[l - 1]
            let a = ws.preActivations[l - 1]
            for i in 0..<back.count { back.elements[i] *= act.leakyDerivative(a.elements[i], unit: i % n, of: n) }
            delta = back
        }
        return Gradients(weights: gw, biases: gb)
    }

    /// (h_l − t) ⊙ act'_l(a_l) for layer l.
    func outputDelta(_ l: Int, target: FloatMatrix, _ ws: FeedforwardWorkspace) -> FloatMatrix {
        let n = layerSizes[l + 1], act = activations[l]
        var d = ws.activations[l]
        for i in 0..<d.count {
            d.elements[i] = (d.elements[i] - target.elements[i]) * act.leakyDerivative(ws.preActivations[l].elements[i], unit: i % n, of: n)
        }
        return d
    }

    /// φ ← φ − (η_l / B)·g.
    public mutating func apply(_ g: Gradients, learningRates: [Float], batch: Int) {
        for l in 0..<depth {
            let scale = -learningRates[l] / Float(batch)
            for i in 0..<weights[l].count { weights[l].elements[i] += scale * g.weights[l].elements[i] }
            for j in 0..<biases[l].count { biases[l][j] += scale * g.biases[l][j] }
        }
    }
}

/// cos(a, b) = a·b / (‖a‖‖b‖), 0 when either vanishes.
public func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for i in 0..<min(a.count, b.count) { dot += Double(a[i]) * Double(b[i]); na += Double(a[i] * a[i]); nb += Double(b[i] * b[i]) }
    return na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : 0
}
