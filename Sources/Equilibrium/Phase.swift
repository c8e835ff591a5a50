import Numerics

/// What a relaxation phase adds to the energy of the network itself (O'Connor et al. 2019):
///
/// - the **nudge** (Eq. 3): the output layer feels β·C with C = ‖s_L − y‖²; β = 0 (no nudge)
///   is the free phase s⁻, β ≠ 0 a nudged phase s^β;
/// - the **tether** (Eq. 10): every free layer feels λ‖s_l − s^f_l‖² toward the feedforward
///   prediction s^f. It does not depend on θ, so it leaves ∂E/∂θ, and hence the EqProp update,
///   unchanged; it is applied in every phase so that the free and nudged states are minima of
///   the same θ-dependent energy.
///
/// The one description of a phase: the Hopfield relaxer turns it into forces, the circuit
/// relaxers into sources, currents and conductances (`CircuitConditions`).
public struct Phase<Scalar: BLASScalar> {
    public var nudge: Nudge?
    public var tether: Tether?

    public struct Nudge {
        /// Signed nudging strength β: dimensionless for the Hopfield model; S for circuits.
        public var beta: Double
        /// B × classes targets y: one-hot for the Hopfield model; target readouts (V) for circuits.
        public var targets: Matrix<Scalar>
        /// The free state s⁻ the nudge starts from: a circuit's current-injection nudge
        /// β(y − V⁻) is computed from it (DESIGN §2.2); nil where the nudge does not need it.
        public var freeState: [Matrix<Scalar>]?

        public init(beta: Double, targets: Matrix<Scalar>, freeState: [Matrix<Scalar>]? = nil) {
            self.beta = beta
            self.targets = targets
            self.freeState = freeState
        }
    }

    public struct Tether {
        /// λ: dimensionless for the Hopfield model; a conductance in S for circuits.
        public var strength: Double
        /// s^f, one B × n_l matrix per free layer.
        public var anchors: [Matrix<Scalar>]

        public init(strength: Double, anchors: [Matrix<Scalar>]) {
            self.strength = strength
            self.anchors = anchors
        }
    }

    public init(nudge: Nudge? = nil, tether: Tether? = nil) {
        self.nudge = nudge
        self.tether = tether
    }

    /// The free phase without a tether.
    public static var free: Phase { Phase() }

    public var isFree: Bool { nudge == nil }

    /// This phase (its tether kept) nudged by β toward `targets`.
    public func nudged(beta: Double, targets: Matrix<Scalar>, freeState: [Matrix<Scalar>]? = nil) -> Phase {
        var p = self
        p.nudge = Nudge(beta: beta, targets: targets, freeState: freeState)
        return p
    }

    /// "free", "nudged +β" or "nudged −β", for messages.
    public var name: String {
        guard let nudge else { return "free" }
        return nudge.beta < 0 ? "nudged −β" : "nudged +β"
    }
}
