import Numerics

/// How a fresh network draws its crossbar conductances. Both use the half-Kaiming scale of the
/// reference DRN code (Scellier 2024): s = scale/√rows, with `scale` = G_u for the training
/// presets (so s is 1/√rows in units of G_u).
///
/// - `uniform`: G = G_min + U(0, s). Mean s/2, standard deviation s/√12 ≈ 0.29 s.
/// - `clipped`: G = G_min + max(0, U(−s, s)), the reference code's draw (a Kaiming-uniform
///   weight clamped to be non-negative): half of the cells start at G_min, the rest uniform
///   in (G_min, G_min + s]. Mean s/4, standard deviation ≈ 0.32 s.
///
/// A passive hidden node sits at a conductance-weighted average of its neighbours, half
/// excitatory (≥ 0 V) and half inhibitory (≤ 0 V), so what reaches the next layer is the
/// imbalance of its weights: relative to their mean, the spread of `clipped` is 2.2× that of
/// `uniform` (1.29 against 0.58), and more of the signal survives each hidden layer. On
/// 784-1024-1024-10 with the reference's rates this learns much faster (BENCHMARKS.md, issue 18).
public enum ConductanceInitialization: String, Codable, Sendable, CaseIterable {
    case uniform
    case clipped

    /// One cell's conductance above G_min, S: `high` is s = scale/√rows.
    @inlinable
    public func draw(high: Double, rng: inout SeededGenerator) -> Double {
        switch self {
        case .uniform: return rng.uniform(0, high)
        case .clipped: return max(0, rng.uniform(-high, high))
        }
    }
}
