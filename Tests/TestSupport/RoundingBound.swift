import Numerics

/// How far two floating-point computations of the same sum may differ: the bound scales with
/// the sum of the magnitudes of the terms, not with the result (which cancellation between
/// terms of both signs can make arbitrarily small, so a bound relative to the result fails on
/// an unlucky seed).
///
/// A sum of n terms, computed in any order (with or without fused multiply-adds), is within
/// γ_n·Σ|tᵢ| of the exact sum, γ_n = n·u/(1 − n·u) and u = ε/2 the unit roundoff (Higham,
/// *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §3.1); two such computations are
/// within 2·γ_n·Σ|tᵢ| ≈ n·ε·Σ|tᵢ| of each other. Dot products of length k count k + 1 roundings.
public enum RoundingBound {
    /// 2·γ_n·`magnitude`: the largest difference between two computations of a sum of `terms`
    /// terms whose magnitudes add up to `magnitude`, in a type with machine epsilon `epsilon`.
    public static func sum(magnitude: Double, terms: Int, epsilon: Double = Double.ulpOfOne) -> Double {
        let nu = Double(terms) * epsilon / 2
        return 2 * nu / (1 - nu) * magnitude
    }

    /// Per element of C = α·op(A)·op(B) + β·C₀: the bound `sum` for its k + 2 roundings
    /// (k = the inner dimension; products, additions, the α and β terms) over the magnitudes
    /// |α|·Σ_k |a_ik|·|b_kj| + |β·c₀_ij|, computed in Double.
    public static func product<S: BLASScalar>(_ a: Matrix<S>, _ b: Matrix<S>, transposeA: Bool = false, transposeB: Bool = false,
                                              alpha: Double = 1, beta: Double = 0, accumulated c0: Matrix<S>? = nil) -> DoubleMatrix {
        func absolute(_ m: Matrix<S>) -> DoubleMatrix {
            var d: DoubleMatrix = m.converted()
            d.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = abs(p[i]) } }
            return d
        }
        var magnitudes = DoubleMatrix.product(absolute(a), absolute(b), transposeA: transposeA, transposeB: transposeB)
        let k = transposeA ? a.rows : a.columns
        let c = c0.map(absolute)
        let epsilon = Double(S.ulpOfOne)
        magnitudes.withUnsafeMutableBufferPointer { p in
            for i in p.indices {
                p[i] = sum(magnitude: abs(alpha) * p[i] + abs(beta) * (c?.elements[i] ?? 0), terms: k + 2, epsilon: epsilon)
            }
        }
        return magnitudes
    }

    /// The largest |x − y| / bound over the elements (≤ 1: every element within its bound).
    /// A zero bound admits only equal elements.
    public static func worstRatio<S: BLASScalar>(_ x: Matrix<S>, _ y: Matrix<S>, bounds: DoubleMatrix) -> Double {
        precondition(x.count == y.count && x.count == bounds.count, "shapes differ")
        var worst = 0.0
        for i in 0..<x.count {
            let d = abs(Double(x.elements[i]) - Double(y.elements[i]))
            worst = max(worst, d == 0 ? 0 : d / bounds.elements[i])
        }
        return worst
    }
}
