import Numerics

/// Per-sample energy and its derivatives in double precision, written straight from Eq. 1.
/// These are the reference the batched relaxer and learning rule are tested against (and
/// that finite differences test): clarity over speed.
extension LayeredHopfieldNetwork {
    /// E(s) of Eq. 1 for one sample: `input` x, `states` s₁…s_L.
    public func energy(input x: [Double], states s: [[Double]]) -> Double {
        var e = 0.0
        for l in 1...depth {
            let sl = s[l - 1]
            let below = l == 1 ? x : s[l - 2].map(HardSigmoid.rho)
            let w = weights[l - 1]
            for j in 0..<sl.count {
                let r = HardSigmoid.rho(sl[j])
                e += 0.5 * sl[j] * sl[j] - Double(biases[l - 1][j]) * r
                var drive = 0.0
                for i in 0..<below.count { drive += below[i] * Double(w[i, j]) }
                e -= drive * r
            }
        }
        return e
    }

    /// ∂E/∂s_l = s_l − ρ'(s_l) ⊙ (b_l + ρ(s_{l−1})·W_l + ρ(s_{l+1})·W_{l+1}ᵀ), l = 1…L.
    public func energyGradient(input x: [Double], states s: [[Double]]) -> [[Double]] {
        (1...depth).map { l in
            let sl = s[l - 1]
            let below = l == 1 ? x : s[l - 2].map(HardSigmoid.rho)
            let above = l < depth ? s[l].map(HardSigmoid.rho) : []
            return (0..<sl.count).map { j in
                var drive = Double(biases[l - 1][j])
                for i in 0..<below.count { drive += below[i] * Double(weights[l - 1][i, j]) }
                for k in 0..<above.count { drive += above[k] * Double(weights[l][j, k]) }
                return sl[j] - HardSigmoid.rhoPrime(sl[j]) * drive
            }
        }
    }

    /// ∂E/∂W_l = −ρ(s_{l−1})ᵀ ρ(s_l) and ∂E/∂b_l = −ρ(s_l) for one sample (Eq. 4–5).
    public func parameterGradient(input x: [Double], states s: [[Double]]) -> (weights: [DoubleMatrix], biases: [[Double]]) {
        var gw: [DoubleMatrix] = []
        var gb: [[Double]] = []
        for l in 1...depth {
            let below = l == 1 ? x : s[l - 2].map(HardSigmoid.rho)
            let r = s[l - 1].map(HardSigmoid.rho)
            var g = DoubleMatrix(rows: below.count, columns: r.count)
            for i in 0..<below.count { for j in 0..<r.count { g[i, j] = -below[i] * r[j] } }
            gw.append(g)
            gb.append(r.map { -$0 })
        }
        return (gw, gb)
    }
}
