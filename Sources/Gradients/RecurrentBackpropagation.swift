import Numerics

/// Recurrent backpropagation (Almeida 1987, Pineda 1987) at a free fixed point s⁰, as in
/// Scellier & Bengio 2019: the gradient of J(θ) = C(s⁰_θ).
///
/// At s⁰, ∂E/∂s = 0 on the active units, so by the implicit function theorem
/// ds⁰/dθ = −H⁻¹ ∂²E/∂s∂θ with H = ∂²E/∂s² restricted to the active units, and
///
///     dJ/dθ = −λᵀ ∂²E/∂s∂θ,   H λ = ∂C/∂s.
///
/// `implicit` solves for λ directly (LU); `iterative` runs the process of Scellier & Bengio 2019, §3.2,
/// S̄₀ = ∂C/∂s, S̄_{t+1} = S̄_t − ε H S̄_t, Θ̄_{t+1} = Θ̄_t − ε ∂²E/∂θ∂s·S̄_t, until S̄ vanishes:
/// Θ̄_∞ = −(ε Σ_t S̄_t)ᵀ ∂²E/∂s∂θ = dJ/dθ since ε Σ_t (I − εH)^t = H⁻¹. The accumulated adjoint
/// ε Σ_t S̄_t is kept and Θ̄ formed from it (Θ̄ is linear in it).
public enum RecurrentBackpropagation {
    public struct Result {
        /// dJ/dθ, one array per parameter tensor.
        public var gradient: [[Double]]
        /// λ over all units (zero on inactive ones).
        public var adjoint: [Double]
        public var activeUnits: Int
        /// Smallest over largest LU pivot of H (implicit) — a conditioning indicator.
        public var pivotRatio: Double?
        /// Steps of the iterative process.
        public var steps: Int?
    }

    static func activeIndices(_ model: some EnergyModel, _ s: [Double]) -> [Int] {
        model.activeUnits(at: s).enumerated().compactMap { $0.element ? $0.offset : nil }
    }

    /// ∂C/∂s on the active units; throws when it vanishes (every output unit held at a bound:
    /// J is flat there and all gradients are zero).
    static func activeCostGradient<M: EnergyModel>(_ model: M, at s: [Double], active: [Int]) throws -> [Double] {
        let c = model.costGradient(at: s)
        let restricted = active.map { c[$0] }
        guard restricted.contains(where: { $0 != 0 }) else {
            throw GradientError("the cost gradient vanishes on the active units (every output unit is held at a bound): J is flat here; choose another sample or network")
        }
        return restricted
    }

    public static func implicit<M: EnergyModel>(_ model: M, at s: [Double]) throws -> Result {
        let active = activeIndices(model, s)
        let n = active.count
        let restricted = try activeCostGradient(model, at: s, active: active)
        var lambda = [Double](repeating: 0, count: s.count)
        var ratio = 1.0
        if n > 0 {
            guard let solved = try? DoubleMatrix(rows: n, columns: n, elements: model.hessian(at: s, active: active)).solve(restricted),
                  solved.pivotRatio > 1e-14 else {
                throw GradientError("the Hessian of E at the fixed point is singular on its \(n) active units; RBP is undefined there")
            }
            ratio = solved.pivotRatio
            let x = solved.x
            for (k, i) in active.enumerated() { lambda[i] = x[k] }
        }
        return Result(gradient: model.adjointParameterGradient(at: s, adjoint: lambda), adjoint: lambda,
                      activeUnits: n, pivotRatio: ratio, steps: nil)
    }

    /// The iterative process with step ε = 1/ρ(H), until ‖S̄_t‖ ≤ `tolerance`·‖S̄₀‖.
    public static func iterative<M: EnergyModel>(_ model: M, at s: [Double], tolerance: Double = 1e-13,
                                                 maxSteps: Int = 5_000_000) throws -> Result {
        let active = activeIndices(model, s)
        let n = active.count
        let h = model.hessian(at: s, active: active)
        let epsilon = 1 / max(spectralRadius(h, n: n), 1e-300)
        var sbar = try activeCostGradient(model, at: s, active: active)
        var accumulated = [Double](repeating: 0, count: n)
        let initial = sbar.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var steps = 0
        var hs = [Double](repeating: 0, count: n)
        while steps < maxSteps {
            let norm = sbar.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm <= tolerance * initial { break }
            h.withUnsafeBufferPointer { hp in
                for i in 0..<n { var t = 0.0; for j in 0..<n { t += hp[i * n + j] * sbar[j] }; hs[i] = t }
            }
            for i in 0..<n {
                accumulated[i] += epsilon * sbar[i]
                sbar[i] -= epsilon * hs[i]
            }
            steps += 1
        }
        guard steps < maxSteps else {
            throw GradientError("iterative RBP did not converge in \(maxSteps) steps (H is ill-conditioned or not positive definite on the active units)")
        }
        var lambda = [Double](repeating: 0, count: s.count)
        for (k, i) in active.enumerated() { lambda[i] = accumulated[k] }
        return Result(gradient: model.adjointParameterGradient(at: s, adjoint: lambda), adjoint: lambda,
                      activeUnits: n, pivotRatio: nil, steps: steps)
    }
}
