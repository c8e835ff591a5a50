import Equilibrium
import Foundation
import Numerics

/// Everything `eqprop netlist` needs to build one deck, and what it produces: the deck text
/// and the Swift twin's voltages for it.
public struct DeckRequest: Sendable {
    public enum Phase: Sendable, Equatable {
        case free
        /// Nudged toward `targetVolts` on the correct class's output (0 V on the others) by
        /// β (S), as fixed currents β(y − V⁰) from the free state or as a conductance β to a
        /// source at the target.
        case nudged(beta: Double, label: Int, targetVolts: Double, asConductance: Bool)
    }

    public var circuit: ResistiveCircuit
    /// 2·n₀ input source voltages, V.
    public var inputVoltages: [Double]
    public var phase: Phase = .free
    public var options = NetlistOptions()

    public init(circuit: ResistiveCircuit, inputVoltages: [Double]) {
        self.circuit = circuit
        self.inputVoltages = inputVoltages
    }

    public struct Result: Sendable {
        public var deck: String
        public var netlist: Netlist
        /// The circuit's sources for this deck (inputs, nudge).
        public var conditions: CircuitConditions
        /// Free node name → the Swift solver's voltage for this deck (the netlist's own
        /// diode equations, converged to `tolerance`), V.
        public var swiftVoltages: [String: Double]
        public var solverStatistics: RelaxationStatistics
    }

    /// Builds the deck and solves its circuit in Swift with the diode card's equations: the
    /// free phase from 0 V, then for a nudged deck the nudged phase from the free state.
    public func build(tolerance: Double = 1e-12) throws -> Result {
        let net = circuit.network
        let u = DoubleMatrix(rows: 1, columns: inputVoltages.count, elements: inputVoltages)
        let solver = CircuitSolver(diodeModel: .shockley, tolerance: tolerance)
        var state = net.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }
        var conditions = CircuitConditions(inputVoltages: u)
        var stats = solver.relax(circuit, conditions: conditions, state: &state)
        if case let .nudged(beta, label, target, asConductance) = phase, stats.converged {
            guard label >= 0 && label < net.classes else {
                throw CircuitError("label \(label) is outside 0..<\(net.classes)")
            }
            let y = DoubleMatrix.oneHot(labels: [label], classes: net.classes, value: target)
            conditions = try Equilibrium.Phase.free.nudged(beta: beta, targets: y, freeState: state)
                .conditions(inputVoltages: u, circuit: circuit, nudgeKind: asConductance ? .conductance : .current)
            stats = solver.relax(circuit, conditions: conditions, state: &state)
        }
        guard stats.converged else {
            throw CircuitError("the Swift solver did not converge on this circuit (residual \(stats.residual) V after \(stats.iterations) sweeps)")
        }
        let netlist = try circuit.netlist(conditions, options: options)
        let deck = try SpiceWriter.write(netlist)
        var voltages: [String: Double] = [:]
        for l in 1...net.depth {
            for j in 0..<net.nodes(inLayer: l) { voltages[circuit.names.node(layer: l, index: j)] = state[l - 1][0, j] }
        }
        return Result(deck: deck, netlist: netlist, conditions: conditions, swiftVoltages: voltages, solverStatistics: stats)
    }
}

/// The current-injection nudge of EqProp (DESIGN §2.2): I = β·(y − readout(V⁰)) into each
/// output, the gradient of the cost ½‖readout − y‖² at the free state times −β.
public enum NudgeCurrents {
    /// `free`: B × output nodes; `targets`: B × classes target readouts (V).
    public static func fromFreeState(_ free: DoubleMatrix, targets: DoubleMatrix, beta: Double,
                                     classes: Int, differential: Bool) -> DoubleMatrix {
        var currents = DoubleMatrix(rows: free.rows, columns: free.columns)
        for b in 0..<free.rows {
            for k in 0..<classes {
                if differential {
                    let score = free[b, k] - free[b, k + classes]
                    let i = beta * (targets[b, k] - score)
                    currents[b, k] = i
                    currents[b, k + classes] = -i
                } else {
                    currents[b, k] = beta * (targets[b, k] - free[b, k])
                }
            }
        }
        return currents
    }
}
