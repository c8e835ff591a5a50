import Foundation
import Numerics

/// Reading a preset file (`hardware/README.md`): snake_case keys, SI units. A file with an
/// unknown field, a missing required field or a field of the wrong kind is refused with a
/// message naming that field; the values are then range-checked (`validate`).
///
/// Decode through `HardwarePreset(json:path:)`, or through a `JSONDecoder` whose `userInfo`
/// holds the file's path under `pathKey` (the path goes into messages).
extension HardwarePreset: Decodable {
    /// `userInfo` key of the path that messages name.
    public static let pathKey = CodingUserInfoKey(rawValue: "eqprop.hardwarePreset.path")!

    /// The file's fields, in file order.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description
        case conductanceMin = "conductance_min_siemens", conductanceMax = "conductance_max_siemens"
        case conductanceLevels = "conductance_levels", wireResistance = "wire_resistance_ohms"
        case inputGain = "input_gain_volts", biasVolts = "bias_volts"
        case clamp, clampLow = "clamp_low_volts", clampHigh = "clamp_high_volts"
        case diode, diodeOffset = "diode_offset_volts", outputReadout = "output_readout"
        case nodeCapacitance = "node_capacitance_farads", amplifierGain = "amplifier_gain", spiceOptions = "spice_options"
        case device, conductanceUnit = "conductance_unit_siemens", wireModel = "wire_model"
        case tileRows = "tile_rows", tileColumns = "tile_columns"
    }
    /// Fields that may be left out.
    static let optionalKeys: Set<CodingKeys> = [.device, .conductanceUnit, .wireModel, .tileRows, .tileColumns]

    /// The `diode` section's fields.
    enum DiodeKeys: String, CaseIterable, CodingKey {
        case kind, saturationCurrent = "saturation_current_amperes", emissionCoefficient = "emission_coefficient"
        case seriesResistance = "series_resistance_ohms"
    }
    /// The `spice_options` a preset may set: those with a range (`spiceOptionRanges`). `klu`
    /// (0 or 1) selects the KLU sparse solver in an ngspice built with it (ngspice-42 and later;
    /// upstream's default build from ngspice-43). Debian's ngspice 39 has no KLU: it accepts the
    /// option and keeps Sparse 1.3.
    static let spiceOptionNames = Set(spiceOptionRanges.keys)

    public init(from decoder: Decoder) throws {
        let file = try PresetFieldReader(top: decoder)
        func key(_ k: CodingKeys) -> String { k.rawValue }
        try file.checkKeys(allowed: CodingKeys.allCases.map(\.rawValue), optional: Set(Self.optionalKeys.map(\.rawValue)))
        name = try file.string(key(.name))
        description = try file.string(key(.description))
        conductanceMin = try file.number(key(.conductanceMin))
        conductanceMax = try file.number(key(.conductanceMax))
        // 1e19 is whole but beyond Int: converted only through CheckedSize.
        guard let levels = CheckedSize.int(try file.number(key(.conductanceLevels)), in: 0...Self.maxConductanceLevels),
              levels != 1 else {
            throw file.fail("field 'conductance_levels' must be 0 (continuous) or a whole number in 2…\(Self.maxConductanceLevels)")
        }
        conductanceLevels = levels
        wireResistance = try file.number(key(.wireResistance))
        if file.has(key(.wireModel)) { wireModel = try file.choice(key(.wireModel), "\"mesh\" or \"first-order\"") }
        tileRows = try Self.tileSize(file, key(.tileRows))
        tileColumns = try Self.tileSize(file, key(.tileColumns))
        inputGain = try file.number(key(.inputGain))
        biasVolts = try file.number(key(.biasVolts))
        clamp = try file.named(key(.clamp), "\"one-sided\" or \"two-sided\"")
        clampLow = try file.number(key(.clampLow))
        clampHigh = try file.number(key(.clampHigh))
        let diode = try file.section(key(.diode))
        try diode.checkKeys(allowed: DiodeKeys.allCases.map(\.rawValue))
        diodeKind = try diode.named(DiodeKeys.kind.rawValue, "\"ideal\" or \"shockley\"")
        diodeCard = DiodeModelCard(name: "dclamp", saturationCurrent: try diode.number(DiodeKeys.saturationCurrent.rawValue),
                                   emissionCoefficient: try diode.number(DiodeKeys.emissionCoefficient.rawValue),
                                   seriesResistance: try diode.number(DiodeKeys.seriesResistance.rawValue))
        diodeOffset = try file.number(key(.diodeOffset))
        outputReadout = try file.named(key(.outputReadout), "\"single\" or \"differential\"")
        nodeCapacitance = try file.number(key(.nodeCapacitance))
        amplifierGain = try file.number(key(.amplifierGain))
        spiceOptions = try Self.spiceOptions(try file.section(key(.spiceOptions)))
        if file.has(key(.device)) { device = try Self.deviceModel(try file.section(key(.device))) }
        if let u = try file.optionalNumber(key(.conductanceUnit)) {
            guard u > 0, u <= 1 else { throw file.fail("field 'conductance_unit_siemens' must be in (0, 1] S (got \(u))") }
            conductanceUnit = u
        }
        try validate(fail: file.fail)
    }

    /// `tile_rows` / `tile_columns`: a whole number of cells in 1…10⁷; absent: 0 (no tiling).
    private static func tileSize(_ file: PresetFieldReader, _ key: String) throws -> Int {
        guard file.has(key) else { return 0 }
        guard let x = try? file.number(key), x == x.rounded(), x >= 1, x <= 1e7 else {
            throw file.fail("field '\(key)' must be a whole number of cells ≥ 1 (leave it out for no tiling)")
        }
        return Int(x)
    }

    /// The `spice_options` section: known option names only, each a number.
    private static func spiceOptions(_ section: PresetFieldReader) throws -> [String: Double] {
        var options: [String: Double] = [:]
        for name in section.keys {
            guard spiceOptionNames.contains(name) else {
                throw section.fail("unknown field 'spice_options.\(name)' (known: \(spiceOptionNames.sorted().joined(separator: ", ")))")
            }
            options[name] = try section.number(name)
        }
        return options
    }

    /// The `device` section: `update_scheme` is required, every other field defaults to an
    /// ideal device (0, false; chip seed 1). Ranges are checked by `DeviceModel.validate`.
    private static func deviceModel(_ section: PresetFieldReader) throws -> DeviceModel {
        typealias Key = DeviceModel.CodingKeys
        try section.checkKeys(allowed: Key.allCases.map(\.rawValue), optional: Set(Key.allCases.map(\.rawValue)))
        var d = DeviceModel()
        let schemes = UpdateScheme.allCases.map(\.rawValue)
        guard let schemeName = try? section.string(Key.updateScheme.rawValue) else {
            throw section.fail("field 'device.update_scheme' must be one of " + schemes.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        guard let scheme = UpdateScheme(rawValue: schemeName) else {
            throw section.fail("field 'device.update_scheme': unknown scheme \"\(SpiceWriter.safeText(schemeName, limit: 40))\" (known: "
                               + schemes.joined(separator: ", ") + ")")
        }
        d.updateScheme = scheme
        func number(_ key: Key) throws -> Double? { try section.optionalNumber(key.rawValue) }
        if let v = try number(.pulseStepFraction) { d.pulseStepFraction = v }
        if section.has(Key.softBounds.rawValue) { d.softBounds = try section.bool(Key.softBounds.rawValue) }
        if section.has(Key.programVerify.rawValue) { d.programVerify = try section.bool(Key.programVerify.rawValue) }
        if let v = try number(.upDownAsymmetry) { d.upDownAsymmetry = v }
        if let v = try number(.stepSpread) { d.stepSpread = v }
        if let v = try number(.boundSpread) { d.boundSpread = v }
        if let v = try number(.writeNoise) { d.writeNoise = v }
        if let v = try number(.readNoise) { d.readNoise = v }
        if let v = try number(.stuckAtMinFraction) { d.stuckAtMinFraction = v }
        if let v = try number(.stuckAtMaxFraction) { d.stuckAtMaxFraction = v }
        if let v = try number(.diodeSaturationSpread) { d.diodeSaturationSpread = v }
        if let v = try number(.diodeEmissionSpread) { d.diodeEmissionSpread = v }
        if let v = try number(.chipSeed) {
            guard v >= 0, v < 0x1p53, v == v.rounded() else { throw section.fail("field 'device.chip_seed' must be a whole number in [0, 2^53)") }
            d.chipSeed = UInt64(v)
        }
        return d
    }
}
