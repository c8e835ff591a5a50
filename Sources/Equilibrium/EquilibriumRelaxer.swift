import Numerics

/// A batch to relax in one phase from a starting state.
public struct RelaxationRequest<Scalar: BLASScalar> {
    /// B × n₀ raw inputs (pixels in [0, 1]); circuits turn them into source voltages.
    public var inputs: Matrix<Scalar>
    /// The starting state, one B × n_l matrix per free layer (zeros, s⁻, or the feedforward
    /// prediction s^f).
    public var start: [Matrix<Scalar>]
    public var phase: Phase<Scalar>

    public init(inputs: Matrix<Scalar>, start: [Matrix<Scalar>], phase: Phase<Scalar> = .free) {
        self.inputs = inputs
        self.start = start
        self.phase = phase
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
/// solver statistics": the one interface behind which the Hopfield Euler relaxer, the Swift
/// circuit solver and ngspice sit, and through which the trainers, the cross-check and the
/// solver benchmark use them (DESIGN §5).
public protocol EquilibriumRelaxer<Model, Scalar>: AnyObject {
    associatedtype Model
    associatedtype Scalar: BLASScalar

    /// Called once per batch, before its phases, with the batch's inputs: a relaxer whose work
    /// splits into an input-dependent part shared by every phase of the batch (the drive x·W₁,
    /// the input crossbar's Norton currents) computes it here. The default does nothing.
    func prepare(_ model: Model, inputs: Matrix<Scalar>)

    func relax(_ model: Model, _ request: RelaxationRequest<Scalar>) throws -> Relaxation<Scalar>
}

extension EquilibriumRelaxer {
    public func prepare(_ model: Model, inputs: Matrix<Scalar>) {}
}
