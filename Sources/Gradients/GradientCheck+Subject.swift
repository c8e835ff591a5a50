import Circuit
import EqProp
import Numerics

extension GradientCheck {
    /// What a check of one network at one input sets: strengths, finite differences and seed.
    public struct Settings: Sendable {
        /// β of the per-layer comparison: dimensionless for Hopfield networks, in units of G_u
        /// for circuits (`ReferenceUnits`, as `eqprop train --beta`).
        public var beta = 1e-3
        /// β values of the order fit, in the same units (nil: `defaultSweep(for:)`).
        public var betas: [Double]?
        /// Parameters per tensor checked by central finite differences.
        public var samplesPerTensor = 12
        /// Finite-difference step relative to the parameter.
        public var relativeStep = 1e-4
        /// Seed of the finite-difference samples.
        public var seed: UInt64 = 1
        /// β of the temporal-derivative check (Scellier & Bengio 2019, Th. 3), in the same
        /// units; nil skips it.
        public var temporalBeta: Double? = 1e-5
        /// A circuit's diodes (nil: `CircuitSolver.trainingModel(for:)` of its preset).
        public var diodeModel: CircuitSolver.DiodeModel?
        /// Sees (relaxations done, relaxations in all) as the check goes (nil: nothing).
        public var progress: (@Sendable (Int, Int) -> Void)?

        public init() {}
    }

    /// The β sweep of the order fit when none is given: small enough to stay in the
    /// asymptotic regime of a Hopfield network, in units of G_u for a circuit.
    public static func defaultSweep(for subject: GradientCheckSubject) -> [Double] {
        switch subject {
        case .hopfield: return [0.01, 0.005, 0.002, 0.001]
        case .resistive: return [4, 2, 1, 0.5]
        }
    }

    /// The smallest finite-difference step of a Hopfield parameter (circuits: G_min).
    public static let hopfieldStepFloor = 1e-2

    /// The check's report next to the model, the layer sizes and the temporal-derivative check.
    public struct Outcome: Encodable, Sendable {
        public var model: String
        public var layers: [Int]
        public var check: Report
        public var temporal: TemporalDerivative.Report?

        public func encode(to encoder: Encoder) throws {
            // The report's fields flattened next to model/layers (the --json contract).
            try check.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(model, forKey: .model)
            try c.encode(layers, forKey: .layers)
            if let temporal {
                try c.encode(temporal, forKey: .temporal)
                try c.encode(temporal.maxRelativeDifference, forKey: .temporalMax)
            }
        }
        enum Keys: String, CodingKey { case model, layers, temporal, temporalMax = "temporal_max_relative_difference" }
    }

    /// `eqprop gradcheck`: the gradient of J(θ) = C(s⁰_θ) of `subject` at the free fixed point
    /// for one input, by implicit and iterative RBP, EqProp (one-sided and centered, at
    /// `settings.beta` and over the sweep) and finite differences (`run(_:beta:betas:…)`), and
    /// the temporal-derivative theorem (`TemporalDerivative.check`). All in double precision.
    /// - Parameters:
    ///   - pixels: the input, one value in [0, 1] per input unit.
    ///   - label: the correct class: target 1 (Hopfield) or the subject's target volts (circuit)
    ///     on its output, 0 on the others.
    public static func run(_ subject: GradientCheckSubject, pixels: [Double], label: Int, settings: Settings) throws -> Outcome {
        let classes = subject.layerSizes.last!
        let sweep = settings.betas ?? defaultSweep(for: subject)
        switch subject {
        case .hopfield(let network):
            let target = (0..<classes).map { $0 == label ? 1.0 : 0.0 }
            let energy = HopfieldEnergyModel(network: network, input: pixels, target: target)
            return try run(energy, subject: subject, settings: settings, sweep: sweep, unit: 1, floor: hopfieldStepFloor)
        case let .resistive(network, preset, targetVolts, unit):
            do { try network.validate(against: preset) } catch { throw GradientError("\(error)") }
            let target = (0..<classes).map { $0 == label ? targetVolts : 0 }
            let energy = try ResistiveEnergyModel(circuit: ResistiveCircuit(network: network, preset: preset),
                                                  diodeModel: settings.diodeModel ?? CircuitSolver.trainingModel(for: preset),
                                                  pixels: pixels, target: target)
            return try run(energy, subject: subject, settings: settings, sweep: sweep, unit: unit, floor: preset.conductanceMin)
        }
    }

    /// Strengths in units of `unit` (1 for Hopfield networks, G_u for circuits).
    static func run<M: EnergyModel>(_ energy: M, subject: GradientCheckSubject, settings s: Settings, sweep: [Double],
                                    unit: Double, floor: Double) throws -> Outcome {
        func scaled(_ x: Double) -> Double { ReferenceUnits.siemens(x, conductanceUnit: unit) }
        let report = try run(energy, beta: scaled(s.beta), betas: sweep.map(scaled), samplesPerTensor: s.samplesPerTensor,
                             relativeStep: s.relativeStep, absoluteStepFloor: floor, seed: s.seed, progress: s.progress)
        let temporal = try s.temporalBeta.map { try TemporalDerivative.check(energy, beta: scaled($0)) }
        return Outcome(model: subject.model, layers: subject.layerSizes, check: report, temporal: temporal)
    }
}
