import Circuit
import Foundation
import Testing

@Suite struct HardwarePresetTests {
    @Test(arguments: ["ideal", "real-diode", "memristive"])
    func shippedPresetsLoad(name: String) throws {
        let p = try TestSupport.preset(name)
        #expect(p.name == name)
        #expect(p.spiceOptions["reltol"] == 1e-9 && p.spiceOptions["vntol"] == 1e-12)
    }

    /// A preset written as a file reads back equal: every shipped preset, and one with every
    /// optional field away from its default (a robustness sweep's chip is kept this way).
    @Test(arguments: ["ideal", "ideal-mesh", "real-diode", "memristive", "pcm", "rram"])
    func writtenPresetReadsBackEqual(name: String) throws {
        var p = try TestSupport.preset(name)
        #expect(try HardwarePreset(json: p.jsonData(), path: "written") == p)
        p.tileRows = 64
        p.tileColumns = 32
        p.wireModel = .firstOrder
        p.conductanceUnit = 3.3e-4
        p.device.updateScheme = .pulsed
        p.device.pulseStepFraction = 0.001
        p.device.softBounds = true
        p.device.programVerify = true
        p.device.stepSpread = 0.1 / 3
        p.device.stuckAtMaxFraction = 0.01
        p.device.chipSeed = 1 << 40
        if p.diodeKind == .shockley { p.device.diodeSaturationSpread = 0.7 }
        let back = try HardwarePreset(json: p.jsonData(), path: "written")
        #expect(back == p)
    }

    func mutated(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let data = try Data(contentsOf: TestSupport.root.appendingPathComponent("hardware/real-diode.json"))
        var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test func unknownMissingAndMistypedFieldsAreNamed() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("unknown field 'colour'", { $0["colour"] = "red" }),
            ("missing field 'bias_volts'", { $0["bias_volts"] = nil }),
            ("unknown field 'diode.bv'", { var d = $0["diode"] as! [String: Any]; d["bv"] = 100; $0["diode"] = d }),
            ("field 'input_gain_volts' must be a number", { $0["input_gain_volts"] = true }),
            ("unknown field 'spice_options.method'", { $0["spice_options"] = ["method": 1] }),
            ("spice_options.klu must be a whole number in [0, 1] (0: Sparse 1.3, 1: KLU) (got 0.5)", { $0["spice_options"] = ["klu": 0.5] }),
            ("conductance_min_siemens", { $0["conductance_min_siemens"] = -1 }),
            ("field 'clamp'", { $0["clamp"] = "sideways" }),
            ("conductance_levels", { $0["conductance_levels"] = 2.5 }),
            ("field 'diode.kind' must be a string", { var d = $0["diode"] as! [String: Any]; d["kind"] = 1; $0["diode"] = d }),
            ("field 'device' must be an object", { $0["device"] = NSNull() }),
            ("field 'device.soft_bounds' must be true or false", { $0["device"] = ["update_scheme": "round", "soft_bounds": 1] }),
        ]
        for (expected, edit) in cases {
            do {
                _ = try HardwarePreset(json: try mutated(edit), path: "preset.json")
                Issue.record("accepted a preset with \(expected)")
            } catch let e as PresetError {
                #expect(e.description.contains(expected) && e.description.hasPrefix("preset.json"), "\(e)")
            }
        }
    }

    /// JSON that is malformed where no field is read (here a number with a leading zero in an
    /// unknown field) is refused as a whole, not named as a wrong field.
    @Test func malformedJSONIsNotAnObject() throws {
        let text = String(decoding: try mutated { _ in }, as: UTF8.self)
        for hostile in ["{\"colour\": 00, " + text.dropFirst(), "{\"name\": \"a\\q\", " + text.dropFirst(), "[" + text + "]"] {
            #expect {
                try HardwarePreset(json: Data(hostile.utf8), path: "p.json")
            } throws: { "\($0)" == "p.json: not a JSON object" }
        }
    }

    @Test func programmableConductancesSnapToLevels() throws {
        let p = try TestSupport.preset("memristive")
        let step = (p.conductanceMax - p.conductanceMin) / 63
        #expect(p.programmable(0) == p.conductanceMin && p.programmable(1) == p.conductanceMax)
        let g = p.programmable(p.conductanceMin + 10.4 * step)
        #expect(abs(g - (p.conductanceMin + 10 * step)) < 1e-18)
        let ideal = try TestSupport.preset("ideal")
        #expect(ideal.programmable(3.21e-6) == 3.21e-6)
    }
}
