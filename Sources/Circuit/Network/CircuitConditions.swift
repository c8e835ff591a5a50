import Numerics

/// What acts on a DRN besides its own parts, for a batch of B samples: the input voltages, the
/// nudge at the outputs and the λ tether. Rows are samples.
public struct CircuitConditions: Sendable {
    /// B × 2n₀ input source voltages (x⁺ columns, then x⁻ columns), V.
    public var inputVoltages: DoubleMatrix

    /// How the nudged phase pushes the outputs (DESIGN §2.2).
    public enum Nudge: Sendable {
        case none
        /// Fixed currents injected into each output node, A (B × output nodes); for EqProp
        /// they are β(y − V⁰) computed from the free state: the gradient of the cost at s⁰.
        case currents(DoubleMatrix)
        /// A conductance β (S, negative for the −β phase) from each output node to a source
        /// at its target voltage (B × output nodes): the exact quadratic cost ½β‖V − y‖².
        case conductance(beta: Double, targets: DoubleMatrix)
    }
    public var nudge: Nudge

    /// A conductance λ (S) from every free node to a source at the feedforward prediction
    /// s^f (one B × n_l matrix per free layer, V): the λ tether (O'Connor et al. 2019, Eq. 10).
    public var tether: (conductance: Double, targets: [DoubleMatrix])?

    /// The input crossbar's Norton currents u·G₁ (B × n₁, A), when the caller has them: the
    /// same for every phase of a batch, so they are computed once (see `SwiftCircuitRelaxer`).
    /// Must equal `inputVoltages`·G₁ of the circuit being relaxed.
    public var inputCurrents: DoubleMatrix?

    public init(inputVoltages: DoubleMatrix, nudge: Nudge = .none, tether: (conductance: Double, targets: [DoubleMatrix])? = nil) {
        self.inputVoltages = inputVoltages
        self.nudge = nudge
        self.tether = tether
    }

    public var batchSize: Int { inputVoltages.rows }

    /// Input voltages ±g·x for a batch of pixel rows x ∈ [0, 1] (B × n₀).
    public static func inputVoltages(pixels x: DoubleMatrix, gain: Double) -> DoubleMatrix {
        var u = DoubleMatrix(rows: x.rows, columns: 2 * x.columns)
        let n = x.columns
        for b in 0..<x.rows {
            for i in 0..<n {
                u[b, i] = gain * x[b, i]
                u[b, n + i] = -gain * x[b, i]
            }
        }
        return u
    }

    /// The same for one sample: [g·x, −g·x], V.
    public static func inputVoltages(pixels x: [Double], gain: Double) -> [Double] {
        inputVoltages(pixels: DoubleMatrix(rows: 1, columns: x.count, elements: x), gain: gain).elements
    }

    /// Rows `rows` of every batch quantity (for one-sample decks).
    public func rows(_ rows: Range<Int>) -> CircuitConditions {
        func sub(_ m: DoubleMatrix) -> DoubleMatrix {
            var s = DoubleMatrix(rows: 0, columns: m.columns)
            s.assignRows(rows, of: m)
            return s
        }
        let nudge: Nudge
        switch self.nudge {
        case .none: nudge = .none
        case .currents(let c): nudge = .currents(sub(c))
        case let .conductance(beta, targets): nudge = .conductance(beta: beta, targets: sub(targets))
        }
        var c = CircuitConditions(inputVoltages: sub(inputVoltages), nudge: nudge,
                                  tether: tether.map { ($0.conductance, $0.targets.map(sub)) })
        c.inputCurrents = inputCurrents.map(sub)
        return c
    }
}
