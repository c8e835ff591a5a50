import Foundation

/// Writing a preset file: the same snake_case fields and SI units `HardwarePreset+Decoding`
/// reads, optional fields only when they differ from their defaults, so that reading the file
/// back gives an equal preset. Used for presets made in code (a chip of a robustness sweep) that
/// a run folder must keep as its `hardware.json`.
extension HardwarePreset: Encodable {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(description, forKey: .description)
        try c.encode(conductanceMin, forKey: .conductanceMin)
        try c.encode(conductanceMax, forKey: .conductanceMax)
        try c.encode(conductanceLevels, forKey: .conductanceLevels)
        try c.encode(wireResistance, forKey: .wireResistance)
        try c.encode(wireModel, forKey: .wireModel)
        if tileRows > 0 { try c.encode(tileRows, forKey: .tileRows) }
        if tileColumns > 0 { try c.encode(tileColumns, forKey: .tileColumns) }
        try c.encode(inputGain, forKey: .inputGain)
        try c.encode(biasVolts, forKey: .biasVolts)
        try c.encode(clamp, forKey: .clamp)
        try c.encode(clampLow, forKey: .clampLow)
        try c.encode(clampHigh, forKey: .clampHigh)
        var diode = c.nestedContainer(keyedBy: DiodeKeys.self, forKey: .diode)
        try diode.encode(diodeKind, forKey: .kind)
        try diode.encode(diodeCard.saturationCurrent, forKey: .saturationCurrent)
        try diode.encode(diodeCard.emissionCoefficient, forKey: .emissionCoefficient)
        try diode.encode(diodeCard.seriesResistance, forKey: .seriesResistance)
        try c.encode(diodeOffset, forKey: .diodeOffset)
        try c.encode(outputReadout, forKey: .outputReadout)
        try c.encode(nodeCapacitance, forKey: .nodeCapacitance)
        try c.encode(amplifierGain, forKey: .amplifierGain)
        try c.encode(spiceOptions, forKey: .spiceOptions)
        if device != DeviceModel() { try c.encode(device, forKey: .device) }
        try c.encodeIfPresent(conductanceUnit, forKey: .conductanceUnit)
    }

    /// The preset as a file (pretty-printed JSON, keys sorted).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
