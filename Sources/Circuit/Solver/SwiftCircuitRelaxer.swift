import Equilibrium
import Numerics

/// How a circuit relaxer applies a phase's nudge (`Phase.Nudge`) to the output nodes.
public enum NudgeKind: String, Codable, Sendable, CaseIterable {
    /// Fixed currents I = β(y − readout(V⁰)) from the free state (DESIGN §2.2).
    case current
    /// A conductance β to a source at the target: the quadratic cost ½β‖V − y‖² (single
    /// readout only).
    case conductance
}

extension RelaxationRequest where Scalar == Double {
    /// The circuit conditions of this request: source voltages ±g·x from the pixels, and the
    /// phase's nudge and tether (`Phase.conditions`).
    public func conditions(for circuit: ResistiveCircuit, nudgeKind: NudgeKind) throws -> CircuitConditions {
        try phase.conditions(inputVoltages: CircuitConditions.inputVoltages(pixels: inputs, gain: circuit.preset.inputGain),
                             circuit: circuit, nudgeKind: nudgeKind)
    }
}

extension Phase where Scalar == Double {
    /// The circuit conditions of this phase with input source voltages `u` (B × 2n₀, V): the
    /// nudge as currents β(y − V⁻) from the free state or as a conductance β to sources at the
    /// targets, the tether as a conductance λ to sources at s^f. The one translation of a phase
    /// into sources and conductances.
    public func conditions(inputVoltages u: DoubleMatrix, circuit: ResistiveCircuit, nudgeKind: NudgeKind) throws -> CircuitConditions {
        var c = CircuitConditions(inputVoltages: u)
        if let nudge {
            let net = circuit.network
            switch nudgeKind {
            case .current:
                guard let free = nudge.freeState?.last else {
                    throw CircuitError("a current nudge β(y − V⁻) needs the free state V⁻")
                }
                c.nudge = .currents(NudgeCurrents.fromFreeState(free, targets: nudge.targets, beta: nudge.beta,
                                                                classes: net.classes, differential: net.isDifferential))
            case .conductance:
                guard !net.isDifferential else {
                    throw CircuitError("a conductance nudge needs a single-ended readout; use current nudging with differential outputs")
                }
                c.nudge = .conductance(beta: nudge.beta, targets: nudge.targets)
            }
        }
        if let tether { c.tether = (tether.strength, tether.anchors) }
        return c
    }
}

/// The Swift circuit solver behind the common relaxation interface.
///
/// The input source voltages ±g·x and the input crossbar's Norton currents u·G₁ depend only on
/// the inputs (and the currents on the conductances), so the free and nudged phases of a batch
/// share them: the voltages are computed once per batch, the currents once per batch and
/// circuit revision (at 1568 × 1024 cells that product dominates a phase).
public final class SwiftCircuitRelaxer: EquilibriumRelaxer {
    public let solver: CircuitSolver
    public var nudgeKind: NudgeKind
    private var cached: (inputs: DoubleMatrix, gain: Double, voltages: DoubleMatrix,
                         identity: UInt64, revision: Int, currents: DoubleMatrix)?

    public init(solver: CircuitSolver, nudgeKind: NudgeKind = .current) {
        self.solver = solver
        self.nudgeKind = nudgeKind
    }

    public func relax(_ model: ResistiveCircuit, _ request: RelaxationRequest<Double>) throws -> Relaxation<Double> {
        let gain = model.preset.inputGain
        if var c = cached, c.gain == gain, c.inputs == request.inputs {
            if c.identity != model.identity || c.revision != model.revision {
                (c.identity, c.revision, c.currents) = (model.identity, model.revision, model.inputCurrents(c.voltages))
                cached = c
            }
        } else {
            let voltages = CircuitConditions.inputVoltages(pixels: request.inputs, gain: gain)
            cached = (request.inputs, gain, voltages, model.identity, model.revision, model.inputCurrents(voltages))
        }
        var conditions = try request.phase.conditions(inputVoltages: cached!.voltages, circuit: model, nudgeKind: nudgeKind)
        conditions.inputCurrents = cached!.currents
        var states = request.start
        let stats = solver.relax(model, conditions: conditions, state: &states)
        return Relaxation(states: states, statistics: stats)
    }
}
