import Circuit
import Foundation
import Numerics
import Reporting
import Testing
import TestSupport

/// Hostile hardware presets and network files (issue 13): seeded mutation fuzzing of the
/// preset JSON and `.drn.safetensors` readers, and the crafted cases that trapped before
/// (`conductance_levels` = 1e19, `architecture` entries beyond Int arithmetic).
@Suite struct CircuitFileFuzzTests {
    static let presetSeeds: [Data] = ["ideal", "ideal-mesh", "real-diode", "memristive", "rram", "pcm"].map {
        try! Data(contentsOf: TestSupport.root.appendingPathComponent("hardware/\($0).json"))
    }

    static func expectClean(_ report: FuzzReport, seeds: Int) {
        print(report)
        #expect(report.unclearErrors.isEmpty, "\(report.unclearErrors.prefix(5))")
        #expect(report.invalidResults.isEmpty, "\(report.invalidResults.prefix(5))")
        #expect(report.accepted >= seeds && report.rejected > 0, "\(report)")
        #expect(report.slowestCaseSeconds < 2, "\(report)")
    }

    /// A preset that is accepted must also be usable: a small circuit is built on it, its
    /// conductances programmed and a deck written, without a trap.
    @Test(.timeLimit(.minutes(5))) func fuzzHardwarePresets() throws {
        let report = MutationFuzzer.run("preset", seed: 31, cases: 700, seeds: Self.presetSeeds) { data, path in
            let preset = try HardwarePreset(json: data, path: path)
            var rng = SeededGenerator(seed: 1)
            let network = ResistiveNetwork(architecture: [2, 2, 2], preset: preset, conductanceScale: 5e-4, rng: &rng)
                .programmed(onto: preset)
            let circuit = ResistiveCircuit(network: network, preset: preset)
            let deck = try SpiceWriter.write(try circuit.netlist(TestSupport.conditions(circuit, pixels: [[0.3, 0.7]]),
                                                                  options: NetlistOptions()))
            return deck.isEmpty ? "empty deck" : nil
        }
        Self.expectClean(report, seeds: Self.presetSeeds.count)
    }

    /// Network files as `eqprop netlist --network` reads them.
    @Test(.timeLimit(.minutes(5))) func fuzzNetworkFiles() throws {
        let preset = try TestSupport.preset("ideal")
        var rng = SeededGenerator(seed: 2)
        let seeds = [[3, 4, 2], [4, 2]].map {
            ResistiveNetwork(architecture: $0, preset: preset, conductanceScale: 5e-4, rng: &rng).safeTensors(description: "fuzz seed").encoded()
        }
        let report = MutationFuzzer.run("drn", seed: 32, cases: 600, seeds: seeds) { data, path in
            let network = try ResistiveNetwork(SafeTensors(data: data, path: path), path: path)
            guard network.conductances.count == network.layerSizes.count else { return "\(network.conductances.count) crossbars" }
            return nil
        }
        Self.expectClean(report, seeds: seeds.count)
    }

    // MARK: crafted cases (each crashed before issue 13)

    /// 1e19 is a whole number that passes a `rounded()` check but traps in `Int(_:)`.
    @Test func conductanceLevelsBeyondInt() throws {
        let text = String(decoding: Self.presetSeeds[0], as: UTF8.self)
        let field = try #require(text.range(of: #""conductance_levels": *[0-9]+"#, options: .regularExpression))
        for value in ["1e19", "-1", "9223372036854775807", "9.3e18", "1e300", "2.5", "1"] {
            let hostile = text.replacingCharacters(in: field, with: "\"conductance_levels\": \(value)")
            #expect {
                try HardwarePreset(json: Data(hostile.utf8), path: "levels.json")
            } throws: { error in
                "\(error)".hasPrefix("levels.json: field 'conductance_levels' must be 0 (continuous) or a whole number in 2…")
            }
        }
    }

    /// JSON nested 100,000 deep: refused by the parser's depth limit, not a stack overflow.
    @Test func deeplyNestedPresetIsRefused() throws {
        for text in [String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
                     String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)] {
            #expect {
                try HardwarePreset(json: Data(text.utf8), path: "deep.json")
            } throws: { error in
                "\(error)" == "deep.json: not a JSON object"
            }
        }
    }

    /// `architecture` entries whose doubling (2 sources per pixel, 2 outputs per class)
    /// overflowed, and other malformed lists.
    @Test func networkArchitectureEntries() throws {
        let preset = try TestSupport.preset("ideal")
        var rng = SeededGenerator(seed: 2)
        let good = ResistiveNetwork(architecture: [3, 4, 2], preset: preset, conductanceScale: 5e-4, rng: &rng).safeTensors()
        for arch in ["4611686018427387904,4,2", "3,4,4611686018427387904", "3,9223372036854775807,2", "3,-4,2", "3,,2", "3", " ", "3,4,2x"] {
            var file = good
            file.metadata["architecture"] = arch
            file.metadata["readout"] = "differential"
            #expect {
                try ResistiveNetwork(SafeTensors(data: file.encoded(), path: "arch.drn"), path: "arch.drn")
            } throws: { error in
                "\(error)".hasPrefix("arch.drn: metadata 'architecture'")
            }
        }
    }

    /// `--hardware <(…)` and `--network <(…)`: presets and network files through `/dev/fd/N`.
    @Test func presetAndNetworkThroughAPipe() throws {
        func throughPipe(_ data: Data) -> (URL, Pipe) {
            let pipe = Pipe()
            Thread { pipe.fileHandleForWriting.write(data); try? pipe.fileHandleForWriting.close() }.start()
            return (URL(fileURLWithPath: "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)"), pipe)
        }
        let (presetURL, p1) = throughPipe(Self.presetSeeds[0])
        let preset = try HardwarePreset(contentsOf: presetURL)
        #expect(preset == (try TestSupport.preset("ideal")))
        var rng = SeededGenerator(seed: 2)
        let net = ResistiveNetwork(architecture: [3, 4, 2], preset: preset, conductanceScale: 5e-4, rng: &rng)
        let (networkURL, p2) = throughPipe(net.safeTensors().encoded())
        #expect(try ResistiveNetwork(contentsOf: networkURL).conductances == net.conductances)
        withExtendedLifetime((p1, p2)) {}
        let dir = TestSupport.temporaryDirectory()
        #expect {
            try HardwarePreset(contentsOf: dir)
        } throws: { error in
            "\(error)" == "\(dir.path): cannot read the file: is a directory, not a file"
        }
    }
}
