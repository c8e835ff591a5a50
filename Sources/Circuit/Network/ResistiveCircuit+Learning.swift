import Numerics

/// Equilibrium Propagation for a DRN (DESIGN §2.2): every conductance learns from its own
/// voltage drop. With E the co-content (power dissipation / 2 summed per element),
///
///     ∂E/∂G_ij = ½ (u_i − V_j)²,   ∂E/∂B⁺_j = ½ (V_j − V_b)²,   ∂E/∂B⁻_j = ½ (V_j + V_b)²
///
/// where u_i is the voltage driving cell (i, j) from below (an input source, or A·V_i with
/// amplifiers). For two phases relaxed at nudging β₁ ≠ β₂ (free and ±β, or −β and +β):
///
///     ΔG = −η · (∂E/∂G(s²) − ∂E/∂G(s¹)) / ((β₂ − β₁)·B),
///
/// then programmed: clipped to [G_min, G_max] and, on hardware with `conductance_levels`,
/// rounded to the nearest level, as a device that holds only those levels would be. A step
/// smaller than half a level is then lost, which is what such hardware does (no hidden
/// high-precision copy of the weights is kept).
///
/// Batched, Σ_b (u_bi − V_bj)² = Σ_b u_bi² + Σ_b V_bj² − 2 (uᵀV)_ij: one GEMM per phase plus
/// rank-one terms; for the input crossbar u is the same in both phases, so a single GEMM of uᵀ
/// with the state difference suffices.
///
/// With wire resistance the rule applies to the effective conductance, and the device
/// conductance moves by the chain rule dG_eff/dG = (G_eff/G)². With amplifiers the co-content
/// of layer l carries a weight A^{−2(l−1)} that the per-layer learning rates absorb.
public struct EquilibriumPropagationStep: Sendable {
    /// η per crossbar (and its layer's bias conductances), in S²/V²: ΔG [S] per
    /// (½ΔV² [V²] / β [S]).
    public var learningRates: [Double]
    public var biasLearningRates: [Double]

    public init(learningRates: [Double], biasLearningRates: [Double]) {
        self.learningRates = learningRates
        self.biasLearningRates = biasLearningRates
    }
}

extension ResistiveCircuit {
    /// Applies one EqProp step from the states of two phases (one B × n_l matrix per free
    /// layer), `inputVoltages` B × 2n₀, and clips to the preset's window.
    public mutating func applyEquilibriumPropagation(
        _ step: EquilibriumPropagationStep, inputVoltages u: DoubleMatrix,
        first s1: [DoubleMatrix], second s2: [DoubleMatrix], betaDifference: Double
    ) {
        let depth = self.depth
        let batch = Double(u.rows)
        let gain = amplifierGain
        let preset = self.preset
        let wire = preset.wireResistance
        let vb = preset.biasVolts
        updateNetwork { net in
            for l in 0..<depth {
                let scale = step.learningRates[l] / (betaDifference * batch)
                // −∂E/∂G difference, accumulated as Δ = Σ_b [u_i V_j − ½ V_j² − ½ u_i²](s²) − (s¹).
                var delta = DoubleMatrix(rows: net.conductances[l].rows, columns: net.conductances[l].columns)
                let v1 = s1[l], v2 = s2[l]
                let squares2 = Self.columnSquareSums(v2), squares1 = Self.columnSquareSums(v1)
                if l == 0 {
                    var diff = v2
                    diff.withUnsafeMutableBufferPointer { d in
                        v1.withUnsafeBufferPointer { a in for i in 0..<d.count { d[i] -= a[i] } }
                    }
                    DoubleMatrix.multiply(u, diff, transposeA: true, into: &delta)
                    let columns = (0..<delta.columns).map { -0.5 * (squares2[$0] - squares1[$0]) }
                    delta.addToEachRow(columns)
                } else {
                    let below2 = s2[l - 1], below1 = s1[l - 1]
                    DoubleMatrix.multiply(below2, v2, transposeA: true, into: &delta, alpha: gain, beta: 0)
                    DoubleMatrix.multiply(below1, v1, transposeA: true, into: &delta, alpha: -gain, beta: 1)
                    let rowTerm2 = Self.columnSquareSums(below2), rowTerm1 = Self.columnSquareSums(below1)
                    let columns = (0..<delta.columns).map { -0.5 * (squares2[$0] - squares1[$0]) }
                    delta.addToEachRow(columns)
                    let n = delta.columns, m = delta.rows
                    delta.withUnsafeMutableBufferPointer { d in
                        for i in 0..<m {
                            let r = -0.5 * gain * gain * (rowTerm2[i] - rowTerm1[i])
                            for j in 0..<n { d[i * n + j] += r }
                        }
                    }
                }
                // G ← programmable(G + η/(Δβ·B)·Δ·dG_eff/dG).
                let rows = net.conductances[l].rows, columns = net.conductances[l].columns
                net.conductances[l].withUnsafeMutableBufferPointer { g in
                    delta.withUnsafeBufferPointer { d in
                        for i in 0..<rows {
                            for j in 0..<columns {
                                let k = i * columns + j
                                var slope = 1.0
                                if wire > 0 {
                                    let e = preset.effectiveConductance(g[k], row: i, column: j)
                                    slope = (e / g[k]) * (e / g[k])
                                }
                                g[k] = preset.programmable(g[k] + scale * d[k] * slope)
                            }
                        }
                    }
                }
                // Bias conductances: −∂E/∂B⁺ = −½(V − V_b)², −∂E/∂B⁻ = −½(V + V_b)².
                let biasScale = step.biasLearningRates[l] / (betaDifference * batch)
                for j in 0..<net.layerSizes[l] {
                    var dp = 0.0, dn = 0.0
                    for b in 0..<v2.rows {
                        let a = v2[b, j], c = v1[b, j]
                        dp -= 0.5 * ((a - vb) * (a - vb) - (c - vb) * (c - vb))
                        dn -= 0.5 * ((a + vb) * (a + vb) - (c + vb) * (c + vb))
                    }
                    net.biasToPositiveRail[l][j] = preset.programmable(net.biasToPositiveRail[l][j] + biasScale * dp)
                    net.biasToNegativeRail[l][j] = preset.programmable(net.biasToNegativeRail[l][j] + biasScale * dn)
                }
            }
        }
    }

    /// Σ_b m_bj² per column.
    static func columnSquareSums(_ m: DoubleMatrix) -> [Double] {
        var s = [Double](repeating: 0, count: m.columns)
        let n = m.columns
        m.withUnsafeBufferPointer { p in
            for i in 0..<p.count { s[i % n] += p[i] * p[i] }
        }
        return s
    }
}
