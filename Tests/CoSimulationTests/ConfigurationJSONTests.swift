import Circuit
import CoSimulation
import EqProp
import Foundation
import Reporting
import Testing

/// config.json and a checkpoint's configuration in the vocabulary of the metrics (issue 19,
/// item 6): snake_case keys, the SI unit in the key where one applies; folders written before,
/// in camelCase, still read and resume.
@Suite struct ConfigurationJSONTests {
    @Test func presetsRoundTripInTheStoredForm() throws {
        for (name, c) in ResistiveTrainingConfig.presets {
            let text = try ConfigurationJSON.encode(c)
            for key in ["\"batch_size\"", "\"conductance_unit_siemens\"", "\"initial_conductance_scale_siemens\"", "\"tolerance_volts\"",
                        "\"learning_rate_decay\"", "\"max_skipped_fraction\""] {
                #expect(text.contains(key), "\(name): \(key)")
            }
            let camel = text.contains { $0.isUppercase }
            #expect(!camel, "\(name) has a camelCase key or value: \(text)")
            #expect(try ConfigurationJSON.decode(ResistiveTrainingConfig.self, from: Data(text.utf8)) == c, "\(name)")
        }
        for c in [HopfieldTrainingConfig.paperSmall, HopfieldTrainingConfig.paperLarge] {
            let text = try ConfigurationJSON.encode(c)
            #expect(text.contains("\"steps_free\"") && text.contains("\"layer_sizes\"") && !text.contains("stepsFree"))
            #expect(try ConfigurationJSON.decode(HopfieldTrainingConfig.self, from: Data(text.utf8)) == c)
        }
    }

    /// The optional fields no preset sets, set.
    @Test func everyOptionalFieldRoundTrips() throws {
        var c = ResistiveTrainingConfig.drn2H
        c.updateScheme = .stochastic
        c.chipSeed = 7
        c.diodeModel = .shockley
        c.initialConductances = .uniform
        let text = try ConfigurationJSON.encode(c)
        #expect(text.contains("\"update_scheme\" : \"stochastic\"") && text.contains("\"chip_seed\" : 7") && text.contains("\"diode_model\""))
        #expect(text.contains("\"initial_conductances\" : \"uniform\""))
        #expect(try ConfigurationJSON.decode(ResistiveTrainingConfig.self, from: Data(text.utf8)) == c)
        // Unset (runs from before the field: `uniform`), it writes no key.
        c.initialConductances = nil
        #expect(!(try ConfigurationJSON.encode(c)).contains("initial_conductances"))
    }

    /// Per-layer units of the digital network: checked like a flag, and continued ~20× lower
    /// per layer when --layers (with its own --learning-rates) adds hidden layers.
    @Test func hiddenUnitFractionsAreCheckedAndExtended() throws {
        var o = TrainingOverrides()
        o.layers = [784, 64, 64, 64, 10]
        #expect { try ResistiveTrainingConfig.resolved(preset: "drn-2h", o, ResistiveOverrides()) } throws: { error in
            "\(error)".contains("--layers 784,64,64,64,10 has 3 hidden layers") && "\(error)".contains("(drn-3h)")
        }
        o.learningRates = [0.01, 0.01, 0.01, 0.01]
        let deeper = try ResistiveTrainingConfig.resolved(preset: "drn-2h", o, ResistiveOverrides())
        let f = try #require(deeper.hiddenUnitFractions)
        #expect(f.count == 3 && f[0] == 0.05 && f[1] == 0.0025 && abs(f[2] - 0.000125) < 1e-18, "\(f)")
        o.layers = [784, 64, 10]
        o.learningRates = [0.01, 0.01]
        #expect(try ResistiveTrainingConfig.resolved(preset: "drn-2h", o, ResistiveOverrides()).hiddenUnitFractions == [0.05])
        var bad = ResistiveTrainingConfig.drn2H
        bad.hiddenUnitFractions = [0.05]
        #expect { try bad.validate() } throws: { error in "\(error)".contains("hidden unit fractions") }
        bad.hiddenUnitFractions = [0.05, -1]
        #expect { try bad.validate() } throws: { error in "\(error)".contains("hidden unit fractions") }
    }

    /// --bias-learning-rates sets the bias rates apart (after --learning-rates, which sets both),
    /// one per crossbar.
    @Test func biasLearningRatesOverrideTheirOwn() throws {
        var o = TrainingOverrides()
        var r = ResistiveOverrides()
        #expect(try ResistiveTrainingConfig.resolved(preset: "drn-3h", o, r).biasLearningRates == [0.0005, 0.002, 0.008, 0.0005])
        o.learningRates = [0.01, 0.04, 0.16, 0.01]
        #expect(try ResistiveTrainingConfig.resolved(preset: "drn-3h", o, r).biasLearningRates == [0.01, 0.04, 0.16, 0.01])
        r.biasLearningRates = [0.001, 0.004, 0.016, 0.001]
        let c = try ResistiveTrainingConfig.resolved(preset: "drn-3h", o, r)
        #expect(c.learningRates == [0.01, 0.04, 0.16, 0.01] && c.biasLearningRates == [0.001, 0.004, 0.016, 0.001])
        #expect(r.flagsSet == ["--bias-learning-rates"])
        r.biasLearningRates = [0.001]
        #expect { try ResistiveTrainingConfig.resolved(preset: "drn-3h", o, r) } throws: { error in
            "\(error)".contains("--bias-learning-rates: 4 crossbars need 4 rates (got 1)")
        }
    }

    /// drn-3h starts from the reference's clipped draw, the others from `uniform`
    /// (unset, so their config.json and checkpoints stay as they were); --initial-conductances
    /// chooses, and a resume may not change it.
    @Test func initialConductancesAreThePresetsOrTheFlags() throws {
        let o = TrainingOverrides()
        var r = ResistiveOverrides()
        for (preset, expected) in [("drn-xs", nil), ("drn-1h", nil), ("drn-xl", nil), ("drn-2h", nil), ("drn-3h", ConductanceInitialization.clipped)] {
            #expect(try ResistiveTrainingConfig.resolved(preset: preset, o, r).initialConductances == expected, "\(preset)")
        }
        r.initialConductances = .clipped
        #expect(try ResistiveTrainingConfig.resolved(preset: "drn-2h", o, r).initialConductances == .clipped)
        r.initialConductances = .uniform
        #expect(try ResistiveTrainingConfig.resolved(preset: "drn-3h", o, r).initialConductances == .uniform)
        #expect(r.flagsSet == ["--initial-conductances"] && !ResistiveOverrides.runtimeFlags.contains("--initial-conductances"))
    }

    /// --target-ratio sets the input gain over V_u (the reference's Fashion-MNIST runs change it)
    /// and is part of what a resume may not change; zero, negative or non-finite is refused.
    @Test func targetRatioIsThePresetsOrTheFlag() throws {
        let o = TrainingOverrides()
        var r = ResistiveOverrides()
        #expect(try ResistiveTrainingConfig.resolved(preset: "drn-1h", o, r).targetRatio == 480)
        r.targetRatio = 300
        let c = try ResistiveTrainingConfig.resolved(preset: "drn-1h", o, r)
        #expect(c.targetRatio == 300 && c.targetVolts(inputGain: 3) == 0.01)
        #expect(r.flagsSet == ["--target-ratio"] && !ResistiveOverrides.runtimeFlags.contains("--target-ratio"))
        for bad in [0, -1, .nan, .infinity] {
            r.targetRatio = bad
            #expect { try ResistiveTrainingConfig.resolved(preset: "drn-1h", o, r) } throws: { "\($0)".contains("--target-ratio") }
        }
    }

    /// --momentum: the presets have none (their config.json does not name it), the flag sets μ,
    /// a resume may not change it, and values outside [0, 1) are refused.
    @Test func momentumIsOffUnlessSetAndRefusedOutsideItsRange() throws {
        let o = TrainingOverrides()
        var r = ResistiveOverrides()
        let plain = try ResistiveTrainingConfig.resolved(preset: "drn-1h", o, r)
        #expect(plain.momentum == nil && plain.step(epoch: 1, inputGain: 3, biasVolts: 1).momentum == 0)
        #expect(!(try ConfigurationJSON.encode(plain)).contains("momentum"))
        r.momentum = 0.9
        let heavy = try ResistiveTrainingConfig.resolved(preset: "drn-1h", o, r)
        #expect(heavy.step(epoch: 3, inputGain: 3, biasVolts: 1).momentum == 0.9)
        #expect(try ConfigurationJSON.decode(ResistiveTrainingConfig.self, from: Data(try ConfigurationJSON.encode(heavy).utf8)) == heavy)
        #expect(r.flagsSet == ["--momentum"] && !ResistiveOverrides.runtimeFlags.contains("--momentum"))
        for bad in [1, 1.5, -0.1, .nan, .infinity] {
            r.momentum = bad
            #expect { try ResistiveTrainingConfig.resolved(preset: "drn-1h", o, r) } throws: { "\($0)".contains("--momentum must be in [0, 1)") }
        }
    }

    @Test func keysMapBothWays() {
        let units = ResistiveTrainingConfig.storedUnits
        for (property, key) in [("conductanceUnit", "conductance_unit_siemens"), ("tolerance", "tolerance_volts"),
                                ("maxSweeps", "max_sweeps"), ("beta", "beta")] {
            #expect(ConfigurationJSON.storedKey(property, units: units) == key)
            #expect(ConfigurationJSON.propertyName(key, units: units) == property)
            #expect(ConfigurationJSON.propertyName(property, units: units) == property, "the camelCase of older folders")
            #expect(ConfigurationJSON.canonicalKey(property, units: units) == key)
        }
    }

    /// A folder of an earlier version: camelCase config.json and checkpoint configuration. It
    /// reads as it did, passes the resume's check, and an edit of its config.json is still
    /// refused, named in today's form.
    @Test func camelCaseFoldersOfEarlierVersionsStillResume() throws {
        let folder = try RunFolderFuzzTests.trainedFolder(resistive: true)
        #expect(try String(contentsOf: folder.config, encoding: .utf8).contains("\"batch_size\""))
        var file = try SafeTensors(contentsOf: folder.checkpoint)
        let config = try ConfigurationJSON.decode(ResistiveTrainingConfig.self, from: Data(file.metadata["config"]!.utf8))
        let encoder = JSONEncoder()  // what earlier versions wrote: the synthesized camelCase keys
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let legacy = String(decoding: try encoder.encode(config), as: UTF8.self)
        #expect(legacy.contains("\"batchSize\"") && legacy.contains("\"conductanceUnit\""))
        file.metadata["config"] = legacy
        try file.write(to: folder.checkpoint)
        try legacy.write(to: folder.config, atomically: true, encoding: .utf8)

        let run = try TrainedResistiveRun(folder: folder)
        #expect(run.config == config)
        let check = { try folder.checkConfigNotEdited(checkpointConfig: try ConfigurationJSON.encode(run.config), runtimeKeys: ["epochs"],
                                                       units: ResistiveTrainingConfig.storedUnits) }
        try check()
        try legacy.replacingOccurrences(of: "\"maxSweeps\" : 1000", with: "\"maxSweeps\" : 7").write(to: folder.config, atomically: true, encoding: .utf8)
        #expect { try check() } throws: { error in "\(error)".contains("max_sweeps differs") }
        // The same key in both forms is an edit, whichever of the two a reader would take.
        let both = legacy.replacingOccurrences(of: "\"maxSweeps\" : 1000", with: "\"maxSweeps\" : 1000,\n  \"max_sweeps\" : 7")
        try both.write(to: folder.config, atomically: true, encoding: .utf8)
        #expect { try check() } throws: { error in "\(error)".contains("max_sweeps differs") }
    }
}
