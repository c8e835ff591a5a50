import Circuit

extension ReferenceUnits {
    /// G_u, S, in which a command's β̂ and λ̂ are given: the run's own (`config.json`'s
    /// `conductanceUnit`) for its trained circuit, else the preset's
    /// (`ReferenceUnits.conductanceUnit(of:)`), as `eqprop train` resolves it.
    public static func conductanceUnit(of preset: HardwarePreset, run: TrainedResistiveRun?) -> Double {
        run?.config.conductanceUnit ?? conductanceUnit(of: preset)
    }
}
