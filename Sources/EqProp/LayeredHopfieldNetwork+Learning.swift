import Numerics

extension LayeredHopfieldNetwork {
    /// The Equilibrium Propagation update (Eq. 3–5), batched:
    ///
    ///     θ ← θ − η_l · (∂E/∂θ(s²) − ∂E/∂θ(s¹)) / ((β₂ − β₁)·B)
    ///
    /// with ∂E/∂W_l = −ρ(s_{l−1})ᵀρ(s_l) and ∂E/∂b_l = −ρ(s_l) summed over the batch. s¹, s² are
    /// the states relaxed with nudging β₁ < β₂ (or β₁ > β₂ for a negative random sign):
    /// positive EqProp uses (free, +β); random-sign EqProp (free, ±β) with the signed β;
    /// centered EqProp (−β, +β). States come from `HopfieldRelaxer` and lie in [0, 1], where
    /// ρ is the identity. `scratch` is a B × n₁ buffer reused across calls.
    public mutating func applyEquilibriumPropagationUpdate(
        input x: FloatMatrix, first s1: [FloatMatrix], second s2: [FloatMatrix],
        betaDifference: Float, learningRates: [Float], scratch: inout FloatMatrix
    ) {
        precondition(learningRates.count == depth, "one learning rate per layer")
        let batch = Float(x.rows)
        for l in 0..<depth {
            let scale = learningRates[l] / (betaDifference * batch)
            if l == 0 {
                // x is the same in both phases: ΔW₁ ∝ xᵀ(s²₁ − s¹₁), one GEMM.
                Self.difference(s2[0], s1[0], into: &scratch)
                FloatMatrix.multiply(x, scratch, transposeA: true, into: &weights[0], alpha: scale, beta: 1)
            } else {
                FloatMatrix.multiply(s2[l - 1], s2[l], transposeA: true, into: &weights[l], alpha: scale, beta: 1)
                FloatMatrix.multiply(s1[l - 1], s1[l], transposeA: true, into: &weights[l], alpha: -scale, beta: 1)
            }
            let plus = s2[l].columnSums(), minus = s1[l].columnSums()
            for j in 0..<biases[l].count { biases[l][j] += scale * (plus[j] - minus[j]) }
        }
    }

    static func difference(_ a: FloatMatrix, _ b: FloatMatrix, into out: inout FloatMatrix) {
        if out.rows != a.rows || out.columns != a.columns { out = FloatMatrix(rows: a.rows, columns: a.columns) }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    for i in 0..<po.count { po[i] = pa[i] - pb[i] }
                }
            }
        }
    }
}
