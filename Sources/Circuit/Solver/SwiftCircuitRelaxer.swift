import EqProp
import Numerics

/// How a circuit relaxer applies `RelaxationRequest.Nudge` to the output nodes.
public enum NudgeKind: String, Codable, Sendable, CaseIterable {
    /// Fixed currents I = β(y − readout(V⁰)) from the free state (DESIGN §2.2).
    case current
    /// A conductance β to a source at the target: the quadratic cost ½β‖V − y‖² (single
    /// readout only).
    case conductance
}

extension RelaxationRequest where Scalar == Double {
    /// The circuit conditions of this request: source voltages ±g·x, the nudge as currents or
    /// conductance, the tether as a conductance λ to sources at s^f.
    public func conditions(for circuit: ResistiveCircuit, nudgeKind: NudgeKind) throws -> CircuitConditions {
        var c = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: inputs, gain: circuit.preset.inputGain))
        if let nudge {
            let net = circuit.network
            switch nudgeKind {
            case .current:
                c.nudge = .currents(NudgeCurrents.fromFreeState(nudge.freeState.last!, targets: nudge.targets, beta: nudge.beta,
                                                                classes: net.classes, differential: net.isDifferential))
            case .conductance:
                guard !net.isDifferential else {
                    throw CircuitError("a conductance nudge needs a single-ended readout; use current nudging with differential outputs")
                }
                c.nudge = .conductance(beta: nudge.beta, targets: nudge.targets)
            }
        }
        if let tether { c.tether = (tether.strength, tether.targets) }
        return c
    }
}

/// The Swift circuit solver behind the common relaxation interface.
public final class SwiftCircuitRelaxer: EquilibriumRelaxer {
    public let solver: CircuitSolver
    public var nudgeKind: NudgeKind

    public init(solver: CircuitSolver, nudgeKind: NudgeKind = .current) {
        self.solver = solver
        self.nudgeKind = nudgeKind
    }

    public func relax(_ model: ResistiveCircuit, _ request: RelaxationRequest<Double>) throws -> Relaxation<Double> {
        let conditions = try request.conditions(for: model, nudgeKind: nudgeKind)
        var states = request.start
        let stats = solver.relax(model, conditions: conditions, state: &states)
        return Relaxation(states: states, statistics: stats)
    }
}
