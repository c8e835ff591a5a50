/// The units of the reference DRN code (Scellier 2024, "A fast algorithm to simulate nonlinear
/// resistive networks"), in which every `eqprop` command takes nudging and tether strengths, so
/// that published hyperparameters carry over: a conductance unit G_u (S) and a voltage unit
/// V_u = input gain / target ratio, the target voltage of the correct class's output.
///
/// A strength β̂ (or λ̂) in these units is the conductance β = β̂·G_u (S): the nudge injects
/// β(y − V⁰) into each output node, the tether is a conductance λ to the prediction.
/// `ResistiveTrainingConfig` records the G_u and target ratio of a training run.
public enum ReferenceUnits {
    /// G_u when neither a hardware preset (`conductance_unit_siemens`) nor a run names one, S
    /// (100 µS, the training presets' unit).
    public static let conductanceUnit = 1e-4

    /// V_u = input gain / `targetRatio` when no run names its own ratio: the target voltage of
    /// the correct class's output is 1/100 of the input gain (the DRN-XS preset's ratio).
    public static let targetRatio = 100.0

    /// The conductance, S, of a strength given in units of G_u (β̂ → β = β̂·G_u; λ̂ → λ).
    /// - Parameters:
    ///   - strength: β̂ or λ̂, dimensionless (in units of G_u).
    ///   - conductanceUnit: G_u, S.
    public static func siemens(_ strength: Double, conductanceUnit: Double) -> Double {
        strength * conductanceUnit
    }

    /// G_u on `preset`: its `conductance_unit_siemens`, else `conductanceUnit` (S). A training
    /// run on the preset adopts the same unit (`ResistiveTrainingConfig.adoptConductanceUnit`).
    public static func conductanceUnit(of preset: HardwarePreset) -> Double {
        preset.conductanceUnit ?? conductanceUnit
    }
}

extension HardwarePreset {
    /// The default target voltage of the correct class's output, V: V_u = input gain /
    /// `ReferenceUnits.targetRatio` (the other classes' target is 0 V). A training run's own
    /// target is `ResistiveTrainingConfig.targetVolts(inputGain:)`.
    public var defaultTargetVolts: Double { inputGain / ReferenceUnits.targetRatio }
}
