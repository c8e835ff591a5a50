/// What a relaxation phase adds to the energy besides the network itself.
///
/// - Nudging (Eq. 3): the output layer feels β·C with C = ‖s_L − y‖², i.e. a force
///   −2β(s_L − y). β = 0 is the free (negative) phase.
/// - Tether (Eq. 10): every free layer feels λ‖s_l − s^f_l‖², a force −2λ(s_l − s^f_l)
///   toward the feedforward prediction s^f. It does not depend on θ, so it leaves
///   ∂E/∂θ, and hence the EqProp update, unchanged; it is applied in every phase so that
///   the free and nudged states are minima of the same θ-dependent energy.
public struct PhaseForces<Matrix> {
    public var beta: Double
    public var targets: Matrix?
    public var lambda: Double
    public var tetherTargets: [Matrix]?

    public init(beta: Double = 0, targets: Matrix? = nil, lambda: Double = 0, tetherTargets: [Matrix]? = nil) {
        self.beta = beta
        self.targets = targets
        self.lambda = lambda
        self.tetherTargets = tetherTargets
    }

    public static var free: PhaseForces { PhaseForces() }
}

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
