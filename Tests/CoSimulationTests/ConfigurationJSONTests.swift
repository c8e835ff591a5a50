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
    }
}
