import Circuit
import EqProp
import Numerics

/// The network a gradient check (`eqprop gradcheck`) runs on: a layered Hopfield network, or a
/// deep resistive network on its hardware preset with the target of the correct class and the
/// conductance unit its β is given in.
public enum GradientCheckSubject {
    case hopfield(LayeredHopfieldNetwork)
    /// `targetVolts`: the correct class's target output voltage, V; `conductanceUnit`: G_u, S,
    /// the unit of β (`ReferenceUnits`).
    case resistive(ResistiveNetwork, HardwarePreset, targetVolts: Double, conductanceUnit: Double)

    /// "hopfield" or "resistive", as checkpoints and reports name the model.
    public var model: String {
        switch self {
        case .hopfield: return "hopfield"
        case .resistive: return "resistive"
        }
    }

    /// [inputs, hidden…, outputs] (pixels first).
    public var layerSizes: [Int] {
        switch self {
        case .hopfield(let network): return network.layerSizes
        case .resistive(let network, _, _, _): return network.architecture
        }
    }

    /// A seeded circuit: `ResistiveNetwork.defaultConductanceScale` cells on `preset`, the
    /// preset's default target (`HardwarePreset.defaultTargetVolts`) and the reference G_u.
    public static func seededResistive(layerSizes: [Int], preset: HardwarePreset, seed: UInt64) -> Self {
        var rng = SeededGenerator(seed: seed)
        let network = ResistiveNetwork(architecture: layerSizes, preset: preset,
                                       conductanceScale: ResistiveNetwork.defaultConductanceScale, rng: &rng)
        return .resistive(network, preset, targetVolts: preset.defaultTargetVolts, conductanceUnit: ReferenceUnits.conductanceUnit)
    }

    /// A seeded Hopfield network (`LayeredHopfieldNetwork.seededForGradientCheck`).
    public static func seededHopfield(layerSizes: [Int], seed: UInt64) -> Self {
        var rng = SeededGenerator(seed: seed)
        return .hopfield(.seededForGradientCheck(layerSizes: layerSizes, rng: &rng))
    }
}

extension LayeredHopfieldNetwork {
    /// Scale of the Xavier weights of a network for a gradient check.
    public static let gradientCheckWeightScale: Float = 0.5
    /// Bias of every unit of a network for a gradient check.
    public static let gradientCheckBias: Float = 0.5

    /// A network where a gradient check means something: half-scale Xavier weights and biases
    /// of 0.5 keep most units inside (0, 1), so that J is not flat (clipped outputs have no
    /// gradient) and the point is away from the clipping kinks.
    public static func seededForGradientCheck(layerSizes: [Int], rng: inout SeededGenerator) -> LayeredHopfieldNetwork {
        var network = LayeredHopfieldNetwork(layerSizes: layerSizes, rng: &rng)
        for l in 0..<network.depth {
            network.weights[l].elements = network.weights[l].elements.map { $0 * gradientCheckWeightScale }
            network.biases[l] = network.biases[l].map { _ in gradientCheckBias }
        }
        return network
    }
}
