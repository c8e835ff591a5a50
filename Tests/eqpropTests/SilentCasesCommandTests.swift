import Foundation
import Testing
import TestSupport

/// Inputs that used to be accepted and give a silently wrong or meaningless result (issue 13):
/// each is now refused with a message naming the flag or file and, for a value, its range;
/// nothing is written.
@Suite(.serialized) struct SilentCasesCommandTests {
    func dataArgs() throws -> [String] {
        let data = try #require(Eqprop.realDataset(), "no MNIST or Fashion-MNIST found")
        return ["--dataset", data.name, "--data", data.folder]
    }

    /// A copy of hardware/real-diode.json with `field`'s text replaced.
    static func preset(replacing old: String, with new: String) throws -> String {
        let text = try String(contentsOf: Eqprop.packageRoot.appendingPathComponent("hardware/real-diode.json"), encoding: .utf8)
        #expect(text.contains(old))
        let url = Eqprop.temporaryDirectory("preset").appendingPathComponent("edited.json")
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test(arguments: [
        (["--hardware", "ideal"], "--hardware applies to deep resistive networks"),
        (["--solver", "ngspice", "--workers", "2"], "--solver, --workers apply to deep resistive networks"),
        (["--tolerance", "1e-6"], "--tolerance applies"),
        (["--beta", "1e30"], "ε(1 + 2β + 2λ) < 2, so β must be in (0, 1.4)"),
        (["--beta", "1.3", "--lambda", "0.5"], "so β must be in (0, 1)"),
        (["--beta", "0.1", "--lambda", "2"], "which no β > 0 meets"),
        (["--preset", "drn-xs", "--beta", "1e30"], "--beta must be in (0, 1000]"),
        (["--preset", "drn-xs", "--tolerance", "0"], "--tolerance must be in (0, 1] V"),
        (["--preset", "drn-xs", "--worker-timeout", "5"], "--worker-timeout applies to ngspice"),
        (["--preset", "drn-xs", "--solver", "ngspice", "--worker-timeout", "0"], "--worker-timeout must be in (0, 86400]"),
    ])
    func trainRefuses(extra: [String], message: String) throws {
        let out = Eqprop.temporaryDirectory("silent").appendingPathComponent("run")
        let r = try Eqprop.run(["train"] + dataArgs() + ["--train-limit", "100", "--test-limit", "50", "--epochs", "1",
                                                         "--out", out.path, "--quiet"] + extra)
        #expect(r.status != 0 && r.stderr.contains(message), "\(extra): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "\(extra): the run folder was created")
    }

    /// Presets with values no circuit has: every one is refused naming the field and its range.
    @Test(arguments: [
        ("\"input_gain_volts\": 2.0", "\"input_gain_volts\": 1e300", "input_gain_volts must be in (0, 1000] V"),
        ("\"bias_volts\": 2.0", "\"bias_volts\": 5000", "bias_volts must be in [-1000, 1000] V"),
        ("\"reltol\": 1e-9", "\"reltol\": 0", "spice_options.reltol must be in (0, 1]"),
        ("\"abstol\": 1e-15", "\"abstol\": -1e-15", "spice_options.abstol must be in (0, 1] A"),
        ("\"itl1\": 1000", "\"itl1\": 0.5", "spice_options.itl1 must be a whole number in [1, 1000000]"),
    ])
    func presetOutOfRangeIsRefused(old: String, new: String, message: String) throws {
        let preset = try Self.preset(replacing: old, with: new)
        let deck = Eqprop.temporaryDirectory("range").appendingPathComponent("deck.cir")
        let r = try Eqprop.run(["netlist", "--layers", "4,2,2", "--hardware", preset, "--pixels", "0,0.5,1,0.2", "--out", deck.path])
        #expect(r.status != 0 && r.stderr.contains(preset) && r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: deck.path))
    }

    @Test func emptyOutputPathsAreRefused() throws {
        let train = try Eqprop.run(["train"] + dataArgs() + ["--train-limit", "100", "--epochs", "1", "--out", ""],
                                   in: Eqprop.temporaryDirectory("cwd"))
        #expect(train.status != 0 && train.stderr.contains("--out: empty path"), "\(train.stderr)")
        let netlist = try Eqprop.run(["netlist", "--layers", "4,2,2", "--pixels", "0,0.5,1,0.2", "--out", ""])
        #expect(netlist.status != 0 && netlist.stderr.contains("--out: empty path"), "\(netlist.stderr)")
    }

    /// `--svg` naming the deck itself (spelled differently) would overwrite the deck.
    @Test func schematicOverTheDeckIsRefused() throws {
        let dir = Eqprop.temporaryDirectory("svg")
        let r = try Eqprop.run(["netlist", "--layers", "4,2,2", "--pixels", "0,0.5,1,0.2", "--out", dir.appendingPathComponent("deck.cir").path,
                                "--svg", dir.path + "/./deck.cir"])
        #expect(r.status != 0 && r.stderr.contains("--svg") && r.stderr.contains("the deck's own path"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// Voltages and strengths given on the command line, outside what a circuit can mean.
    @Test(arguments: [
        (["--input-volts", "0,0,1e300,0,0,0,0,0"], "--input-volts: value 1e+300 at position 2 is outside [-1000, 1000] V"),
        (["--pixels", "0,0.5,1,0.2", "--phase", "nudged", "--label", "0", "--target-volts", "1e300"], "--target-volts must be within [-1000, 1000] V"),
        (["--pixels", "0,0.5,1,0.2", "--phase", "nudged", "--label", "0", "--beta", "1e30"], "--beta must be non-zero and within [-10000, 10000] (units of G_u = 0.0001 S: at most 1 S)"),
    ])
    func netlistRefusesValuesOutOfRange(extra: [String], message: String) throws {
        let deck = Eqprop.temporaryDirectory("netlist-range").appendingPathComponent("deck.cir")
        let r = try Eqprop.run(["netlist", "--layers", "4,2,2", "--out", deck.path] + extra)
        #expect(r.status != 0 && r.stderr.contains(message), "\(extra): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: deck.path))
    }

    @Test func gradientCheckWithoutSamplesIsNotAPass() throws {
        let r = try Eqprop.run(["gradcheck", "--fd-samples", "0"])
        #expect(r.status != 0 && r.stderr.contains("--fd-samples must be ≥ 1") && r.stderr.contains("not a pass"), "\(r.stderr)")
    }

    /// A data set whose test file holds no image: an error rate over no samples would read 0%.
    @Test func emptyTestSetIsRefused() throws {
        let data = try #require(Eqprop.realDataset())
        let folder = Eqprop.temporaryDirectory("empty-test")
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] {
            let source = URL(fileURLWithPath: data.folder).appendingPathComponent(name + ".gz")
            if FileManager.default.fileExists(atPath: source.path) {
                try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent(name + ".gz"))
            } else {
                try FileManager.default.copyItem(at: URL(fileURLWithPath: data.folder).appendingPathComponent(name), to: folder.appendingPathComponent(name))
            }
        }
        func bigEndian(_ values: [UInt32]) -> Data { Data(values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }) }
        try bigEndian([0x803, 0, 28, 28]).write(to: folder.appendingPathComponent("t10k-images-idx3-ubyte"))
        try bigEndian([0x801, 0]).write(to: folder.appendingPathComponent("t10k-labels-idx1-ubyte"))
        let out = Eqprop.temporaryDirectory("empty-run").appendingPathComponent("run")
        let r = try Eqprop.run(["train", "--dataset", data.name, "--data", folder.path, "--train-limit", "100", "--epochs", "1", "--out", out.path])
        #expect(r.status != 0 && r.stderr.contains("the test set of \(data.name) in \(folder.path) is empty (0 samples)"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// export reads the run's own copy of its preset: the V_u of a run trained on a preset
    /// file that is gone since is still in the metadata, without a warning.
    @Test func exportUsesTheRunsOwnPreset() throws {
        let preset = try Self.preset(replacing: "\"input_gain_volts\": 2.0", with: "\"input_gain_volts\": 3.0")
        let out = Eqprop.temporaryDirectory("export-own")
        let t = try Eqprop.run(["train", "--preset", "drn-xs", "--hardware", preset] + dataArgs()
                               + ["--train-limit", "100", "--test-limit", "50", "--epochs", "1", "--out", out.path, "--quiet"])
        #expect(t.status == 0, "\(t.stderr)")
        try FileManager.default.removeItem(atPath: preset)
        let file = out.appendingPathComponent("model.json")
        let r = try Eqprop.run(["export", "--run", out.path, "--format", "json", "--out", file.path])
        #expect(r.status == 0 && !r.stderr.contains("warning"), "\(r.stderr)")
        let exported = try String(contentsOf: file, encoding: .utf8)
        #expect(exported.contains("input_gain_volts") && exported.contains("3.0"), "V_u of the run's own preset missing")
    }
}
