/// The ranges in which a preset's numbers mean something physically and numerically; a
/// value outside is refused with its range (a preset with 1e300 V inputs or a relative
/// tolerance of 0 would otherwise be accepted and fail, or mislead, much later).
extension HardwarePreset {
    /// Largest voltage magnitude accepted anywhere in a preset, V: far above any crossbar's
    /// supply, far below where node voltages lose their precision next to µV differences.
    public static let maxVolts = 1000.0

    /// The accepted interval of each `spice_options` entry, whether it must be a whole number,
    /// and its unit for messages.
    static let spiceOptionRanges: [String: (low: Double, lowIncluded: Bool, high: Double, whole: Bool, unit: String)] = [
        "reltol": (0, false, 1, false, ""), "vntol": (0, false, 1, false, " V"), "abstol": (0, false, 1, false, " A"),
        "gmin": (0, true, 1, false, " S"), "itl1": (1, true, 1e6, true, " iterations"), "itl2": (1, true, 1e6, true, " iterations"),
        "klu": (0, true, 1, true, " (0: Sparse 1.3, 1: KLU)"),
    ]

    func validateRanges(fail: (String) -> PresetError) throws {
        for (field, value) in [("conductance_min_siemens", conductanceMin), ("conductance_max_siemens", conductanceMax),
                               ("wire_resistance_ohms", wireResistance), ("node_capacitance_farads", nodeCapacitance),
                               ("amplifier_gain", amplifierGain)] where !value.isFinite {
            throw fail("\(field) must be a finite number (got \(value))")
        }
        let volts: [(String, Double, Bool)] = [
            ("input_gain_volts", inputGain, false), ("bias_volts", biasVolts, true), ("clamp_low_volts", clampLow, true),
            ("clamp_high_volts", clampHigh, true), ("diode_offset_volts", diodeOffset, true),
        ]
        for (field, v, signed) in volts where !(v.isFinite && abs(v) <= Self.maxVolts) {
            throw fail("\(field) must be in \(signed ? "[-\(Int(Self.maxVolts)), \(Int(Self.maxVolts))]" : "(0, \(Int(Self.maxVolts))]") V (got \(v))")
        }
        for (name, value) in spiceOptions.sorted(by: { $0.key < $1.key }) {
            guard let r = Self.spiceOptionRanges[name] else { continue }  // decoding refused unknown names
            let low = r.lowIncluded ? value >= r.low : value > r.low
            let whole = !r.whole || value == value.rounded()
            guard value.isFinite, low, value <= r.high, whole else {
                let range = "\(r.lowIncluded ? "[" : "(")\(r.low.formatted()), \(r.high.formatted())]"
                throw fail("spice_options.\(name) must be \(r.whole ? "a whole number " : "")in \(range)\(r.unit) (got \(value))")
            }
        }
    }
}

private extension Double {
    /// Whole numbers without a fraction (1e6 as "1000000"), others as Swift prints them.
    func formatted() -> String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : "\(self)" }
}
