import Numerics

/// A batch to relax, in one phase, from a starting state: the one interface behind which the
/// Hopfield Euler relaxer, the Swift circuit solver and ngspice sit (DESIGN §5).
public struct RelaxationRequest<Scalar: BLASScalar> {
    /// B × n₀ raw inputs (pixels in [0, 1]); circuits turn them into source voltages.
    public var inputs: Matrix<Scalar>
    /// The starting state, one B × n_l matrix per free layer (zeros, or the feedforward
    /// prediction s^f).
    public var start: [Matrix<Scalar>]
    /// The nudge of a nudged phase; nil for the free phase.
    public var nudge: Nudge?
    /// The λ tether toward s^f (Eq. 10); nil for none.
    public var tether: Tether?

    public struct Nudge {
        /// Signed nudging strength β (dimensionless for Hopfield; S for circuits).
        public var beta: Double
        /// B × classes targets (one-hot for Hopfield; target voltages for circuits).
        public var targets: Matrix<Scalar>
        /// The free state the nudge is computed from, for current-injection nudges.
        public var freeState: [Matrix<Scalar>]
        public init(beta: Double, targets: Matrix<Scalar>, freeState: [Matrix<Scalar>]) {
            self.beta = beta
            self.targets = targets
            self.freeState = freeState
        }
    }

    public struct Tether {
        /// λ (dimensionless for Hopfield; a conductance in S for circuits).
        public var strength: Double
        public var targets: [Matrix<Scalar>]
        public init(strength: Double, targets: [Matrix<Scalar>]) {
            self.strength = strength
            self.targets = targets
        }
    }

    public init(inputs: Matrix<Scalar>, start: [Matrix<Scalar>], nudge: Nudge? = nil, tether: Tether? = nil) {
        self.inputs = inputs
        self.start = start
        self.nudge = nudge
        self.tether = tether
    }
}

/// The relaxed state and how the relaxation went.
public struct Relaxation<Scalar: BLASScalar> {
    public var states: [Matrix<Scalar>]
    public var statistics: RelaxationStatistics
    public init(states: [Matrix<Scalar>], statistics: RelaxationStatistics) {
        self.states = states
        self.statistics = statistics
    }
}

/// "Relax this batch of inputs in this phase from this starting state; return the states and
/// solver statistics."
public protocol EquilibriumRelaxer<Model, Scalar>: AnyObject {
    associatedtype Model
    associatedtype Scalar: BLASScalar
    func relax(_ model: Model, _ request: RelaxationRequest<Scalar>) throws -> Relaxation<Scalar>
}

/// The Hopfield network's Euler relaxation (Alg. 1) behind the common interface: a fixed
/// number of steps of size ε; the nudge is β‖s_L − y‖² and the tether λ‖s − s^f‖².
public final class HopfieldEulerRelaxer: EquilibriumRelaxer {
    public var steps: Int
    public var stepSize: Float
    private let relaxer = HopfieldRelaxer()

    public init(steps: Int, stepSize: Float) {
        self.steps = steps
        self.stepSize = stepSize
    }

    public func relax(_ model: LayeredHopfieldNetwork, _ request: RelaxationRequest<Float>) throws -> Relaxation<Float> {
        relaxer.prepare(model, inputs: request.inputs)
        var states = request.start
        let forces = PhaseForces(beta: request.nudge?.beta ?? 0, targets: request.nudge?.targets,
                                 lambda: request.tether?.strength ?? 0, tetherTargets: request.tether?.targets)
        let stats = relaxer.relax(model, states: &states, steps: steps, epsilon: stepSize, forces: forces)
        return Relaxation(states: states, statistics: stats)
    }
}
