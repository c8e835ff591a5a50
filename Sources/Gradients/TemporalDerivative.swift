/// The temporal-derivative theorem (Scellier & Bengio 2019, Theorem 3), checked numerically.
///
/// Start the nudged dynamics M ds/dt = −∂E^β/∂s at the free fixed point s⁰. Linearising around
/// s⁰ (δ = s − s⁰, c = ∂C/∂s(s⁰), H the Hessian on the active units):
///
///     M dδ/dt = −Hδ − βc  ⇒  −(1/β)·M·ds/dt = S̄_t + O(β),   dS̄/dt = −H M⁻¹ S̄,  S̄₀ = c,
///
/// i.e. the nudged phase's velocity, scaled by −M/β, is the RBP error derivative at the same
/// time (for unit masses Scellier & Bengio's −(1/β) ds/dt = S̄_t; with node capacitances M = C the
/// same holds for the node currents C dV/dt). Both trajectories are integrated with classical
/// Runge–Kutta (RK4) at a step far below the fastest time constant min M_i/H_ii.
public enum TemporalDerivative {
    public struct Report: Codable, Sendable {
        /// max over recorded times of ‖−(M/β) ds/dt − S̄_t‖ / ‖S̄_t‖, over the times before S̄
        /// has decayed below 1% of ‖S̄₀‖.
        public var maxRelativeDifference: Double
        public var times: [Double]
        public var relativeDifferences: [Double]
        public var beta: Double
        public var step: Double
        enum CodingKeys: String, CodingKey {
            case maxRelativeDifference = "max_relative_difference", times, beta, step
            case relativeDifferences = "relative_differences"
        }
    }

    public static func check<M: EnergyModel>(_ model: M, beta: Double, records: Int = 60) throws -> Report {
        let s0 = try model.fixedPoint(beta: 0, free: nil)
        let active = RecurrentBackpropagation.activeIndices(model, s0)
        let n = active.count
        guard n > 0 else { throw GradientError("no active unit at the fixed point") }
        let h = model.hessian(at: s0, active: active)
        let massAll = model.mass()
        guard massAll.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw GradientError("the dynamics need a positive mass (node capacitance) on every unit; the preset's node_capacitance_farads is \(massAll.first ?? 0)")
        }
        let mass = active.map { massAll[$0] }
        let c0 = try RecurrentBackpropagation.activeCostGradient(model, at: s0, active: active)
        // Time scales: fastest M_i/H_ii, slowest from the spectrum of M⁻¹H.
        var fastest = Double.infinity
        for k in 0..<n { fastest = min(fastest, mass[k] / h[k * n + k]) }
        var scaled = h
        for i in 0..<n { for j in 0..<n { scaled[i * n + j] /= (mass[i] * mass[j]).squareRoot() } }
        let rate = spectralRadius(scaled, n: n)
        let dt = min(fastest, 1 / rate) / 50
        // Follow S̄ until it has decayed 100×: estimate from the slowest mode by running.
        let recordEvery = 20
        func rbpDerivative(_ x: [Double]) -> [Double] {
            // −H M⁻¹ x
            let y = (0..<n).map { x[$0] / mass[$0] }
            return (0..<n).map { i in var t = 0.0; for j in 0..<n { t += h[i * n + j] * y[j] }; return -t }
        }
        func rk4(_ x: [Double], _ f: ([Double]) -> [Double]) -> [Double] {
            let k1 = f(x)
            let k2 = f(zip(x, k1).map { $0 + 0.5 * dt * $1 })
            let k3 = f(zip(x, k2).map { $0 + 0.5 * dt * $1 })
            let k4 = f(zip(x, k3).map { $0 + dt * $1 })
            return (0..<x.count).map { x[$0] + dt / 6 * (k1[$0] + 2 * k2[$0] + 2 * k3[$0] + k4[$0]) }
        }
        // Nudged dynamics on the full state (inactive units stay put: the force is projected).
        func velocity(_ s: [Double]) -> [Double] {
            let f = model.force(at: s, beta: beta, free: s0)
            return (0..<s.count).map { f[$0] / massAll[$0] }
        }
        var s = s0
        var sbar = c0
        let initialNorm = sbar.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var times: [Double] = [], differences: [Double] = []
        var t = 0.0
        var step = 0
        while times.count < records * 50 {
            if step % recordEvery == 0 {
                let norm = sbar.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm < 0.01 * initialNorm { break }
                let v = velocity(s)
                var diff = 0.0
                for (k, i) in active.enumerated() {
                    let scaledVelocity = -massAll[i] * v[i] / beta
                    diff += (scaledVelocity - sbar[k]) * (scaledVelocity - sbar[k])
                }
                times.append(t)
                differences.append(diff.squareRoot() / norm)
            }
            s = rk4(s, velocity)
            sbar = rk4(sbar, rbpDerivative)
            t += dt
            step += 1
        }
        // Keep about `records` evenly spaced points for the report.
        let stride = max(1, times.count / records)
        let keep = Swift.stride(from: 0, to: times.count, by: stride).map { $0 }
        return Report(maxRelativeDifference: differences.max() ?? 0, times: keep.map { times[$0] },
                      relativeDifferences: keep.map { differences[$0] }, beta: beta, step: dt)
    }
}
