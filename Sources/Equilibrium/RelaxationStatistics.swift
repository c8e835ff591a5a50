/// What a relaxation did: how many steps or sweeps, and how far from a fixed point it ended.
public struct RelaxationStatistics: Sendable, Codable, Equatable {
    /// Euler steps (Hopfield) or layer sweeps (circuit solver).
    public var iterations: Int
    /// The largest remaining residual: for Euler relaxation max |Δs|/ε at the last step (the
    /// projected energy gradient, dimensionless); for circuits the largest KCL current
    /// imbalance at a free node over its total conductance, |KCL_i| / a_i, in V.
    public var residual: Double
    /// True when the residual met the solver's tolerance. Fixed-step Euler relaxation
    /// (Alg. 1) makes no such claim and reports false.
    public var converged: Bool
    /// Why a solver that reports no residual (ngspice) found no fixed point.
    public var failure: String?

    public init(iterations: Int, residual: Double, converged: Bool, failure: String? = nil) {
        self.iterations = iterations
        self.residual = residual
        self.converged = converged
        self.failure = failure
    }
}
