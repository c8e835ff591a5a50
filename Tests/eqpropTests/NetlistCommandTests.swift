import Foundation
import TestSupport
import Testing

/// `eqprop netlist` end to end: decks that run unchanged in `ngspice -b` and agree with the
/// Swift twin's voltages, the committed examples, and bad input.
@Suite(.serialized) struct NetlistCommandTests {
    /// The contract: a seeded 784-input DRN and a test sample, free phase; the deck has 2A
    /// input sources, runs in ngspice, and `swift_voltages` names every free node.
    @Test func contractDeckRunsInNgspiceAndMatchesSwiftVoltages() throws {
        let data = try #require(Eqprop.realDataset())
        let dir = Eqprop.temporaryDirectory("netlist")
        let deck = dir.appendingPathComponent("deck.cir")
        let r = try Eqprop.run(["netlist", "--layers", "784,16,10", "--hardware", "hardware/real-diode.json", "--seed", "3",
                                "--sample", "7", "--dataset", data.name, "--data", data.folder, "--out", deck.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        let swift = try #require(json["swift_voltages"] as? [String: Double])
        #expect(swift.count == 26)
        let text = try String(contentsOf: deck, encoding: .utf8)
        let inputs = text.split(separator: "\n").filter { $0.hasPrefix("Vx") }
        #expect(inputs.count == 2 * 784)
        #expect(text.hasSuffix(".end\n") && text.contains(".control\nset numdgt=15\nop\nprint "))
        let ng = try NgspiceBatchRun.run(file: deck)
        #expect(ng.errorLines.isEmpty, "\(ng.errorLines)")
        #expect(Set(ng.voltages.keys) == Set(swift.keys))
        let worst = swift.map { abs($0.value - (ng.voltages[$0.key] ?? .infinity)) }.max()!
        #expect(worst <= 1e-9, "largest difference \(worst) V")
        #expect((json["elements"] as? [String: Int])?["R"] == 2 * 784 * 16 + 16 * 10 + 2 * 26)
    }

    /// The commands of scripts/regenerate-netlists.sh, run again: the same bytes as the
    /// committed examples, every deck runs in ngspice without an error line, and its printed
    /// voltages match the Swift solver's.
    @Test func committedExamplesAreCurrentAndRunInNgspice() throws {
        let script = try String(contentsOf: Eqprop.packageRoot.appendingPathComponent("scripts/regenerate-netlists.sh"), encoding: .utf8)
        let lines = script.split(separator: "\n")
        let commands = lines.filter { $0.hasPrefix("$EQPROP netlist") }
        #expect(commands.count >= 4)
        // Plain assignments of the script (NAME=value, no expansion), substituted for $NAME.
        var variables: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].allSatisfy({ $0.isUppercase }), !parts[1].contains("$") {
                variables["$" + parts[0]] = String(parts[1])
            }
        }
        let dir = Eqprop.temporaryDirectory("examples")
        for command in commands {
            var args = command.split(separator: " ").dropFirst().map { part -> String in
                let a = String(part).replacingOccurrences(of: "\"", with: "")
                return variables[a] ?? a
            }
            var committed: [URL] = []
            for (i, a) in args.enumerated() {
                for (variable, folder) in [("$OUT/", "netlists/"), ("$DOCS/", "docs/")] where a.hasPrefix(variable) {
                    let name = String(a.dropFirst(variable.count))
                    committed.append(Eqprop.packageRoot.appendingPathComponent(folder + name))
                    args[i] = dir.appendingPathComponent(name).path
                }
            }
            let r = try Eqprop.run(args + ["--json"])
            #expect(r.status == 0, "\(command): \(r.stderr)")
            for file in committed {
                let fresh = try Data(contentsOf: dir.appendingPathComponent(file.lastPathComponent))
                #expect(try Data(contentsOf: file) == fresh,
                        "\(file.lastPathComponent) differs from what the code writes now: run scripts/regenerate-netlists.sh")
            }
            let deck = dir.appendingPathComponent(committed[0].lastPathComponent)
            let ng = try NgspiceBatchRun.run(file: deck)
            #expect(ng.errorLines.isEmpty, "\(deck.lastPathComponent): \(ng.errorLines)")
            let swift = try #require(r.json?["swift_voltages"] as? [String: Double])
            #expect(!swift.isEmpty && Set(ng.voltages.keys) == Set(swift.keys))
            for (node, v) in swift { #expect(abs(v - (ng.voltages[node] ?? .infinity)) <= 1e-9, "\(deck.lastPathComponent) \(node)") }
        }
    }

    @Test func badInputWritesNoDeck() throws {
        let data = try #require(Eqprop.realDataset())
        let dir = Eqprop.temporaryDirectory("badnetlist")
        let out = dir.appendingPathComponent("x.cir")
        let base = ["netlist", "--hardware", "hardware/real-diode.json", "--out", out.path]
        // A network file with a negative and with an out-of-window conductance.
        let good = dir.appendingPathComponent("good.drn.safetensors")
        #expect(try Eqprop.run(["netlist", "--layers", "4,2,2", "--hardware", "hardware/real-diode.json", "--pixels", "0,0,0,0",
                                "--out", dir.appendingPathComponent("ok.cir").path]).status == 0)
        // Write a valid file through the library format: reuse a committed deck's network via --layers is not a file,
        // so build one by hand: the format is documented (README, "Network files").
        try DRNFile.write(to: good, architecture: [4, 2, 2], fill: 1e-6)
        try DRNFile.write(to: dir.appendingPathComponent("neg.drn.safetensors"), architecture: [4, 2, 2], fill: 1e-6, cell: -2e-6)
        try DRNFile.write(to: dir.appendingPathComponent("big.drn.safetensors"), architecture: [4, 2, 2], fill: 1e-6, cell: 5e-3)
        try DRNFile.write(to: dir.appendingPathComponent("nan.drn.safetensors"), architecture: [4, 2, 2], fill: 1e-6, cell: .nan)
        let presetFile = dir.appendingPathComponent("extra.json")
        var preset = try JSONSerialization.jsonObject(with: Data(contentsOf: Eqprop.packageRoot.appendingPathComponent("hardware/real-diode.json"))) as! [String: Any]
        preset["resistor_tolerance"] = 0.01
        try JSONSerialization.data(withJSONObject: preset).write(to: presetFile)
        let cases: [([String], String)] = [
            (["--network", dir.appendingPathComponent("neg.drn.safetensors").path, "--pixels", "0,0,0,0"], "crossbar 1 cell (x0p, h1_0) has a non-positive conductance"),
            (["--network", dir.appendingPathComponent("big.drn.safetensors").path, "--pixels", "0,0,0,0"], "outside preset 'real-diode' window"),
            (["--network", dir.appendingPathComponent("nan.drn.safetensors").path, "--pixels", "0,0,0,0"], "non-finite"),
            (["--network", good.path, "--layers", "4,4,2", "--pixels", "0,0,0,0"], "does not match"),
            (["--layers", "4,2,2", "--input-volts", "0,0,0,3,0,0,0,0"], "x3p of sample 0 is 3.0 V, outside"),
            (["--layers", "4,2,2", "--pixels", "0,0,1.5,0"], "outside [0, 1]"),
            (["--layers", "4,2,2", "--pixels", "0,0,0"], "holds 3 values"),
            (["--layers", "4,2,2", "--pixels", "0,0,0,0", "--hardware", presetFile.path], "unknown field 'resistor_tolerance'"),
            (["--layers", "4,3,2", "--pixels", "0,0,0,0"], "even"),
            (["--layers", "100,4,2", "--sample", "0", "--dataset", data.name, "--data", data.folder], "cannot be made"),
            (["--layers", "4,2,2", "--pixels", "0,0,0,0", "--phase", "sideways"], "--phase"),
            (["--network", good.path, "--conductance-scale", "1e-3", "--pixels", "0,0,0,0"], "--network brings its own conductances"),
        ]
        for (extra, message) in cases {
            var args = base
            // --hardware given twice: the later one wins in ArgumentParser, as on a command line.
            args += extra
            let r = try Eqprop.run(args)
            #expect(r.status != 0, "\(extra) was accepted")
            #expect(r.stderr.contains(message), "\(extra): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(extra) left a deck behind")
        }
        // An existing deck is not overwritten without --force.
        try Data("keep".utf8).write(to: out)
        let r = try Eqprop.run(base + ["--layers", "4,2,2", "--pixels", "0,0,0,0"])
        #expect(r.status != 0 && r.stderr.contains("--force"))
        #expect(try String(contentsOf: out, encoding: .utf8) == "keep")
    }
}

/// Writes a DRN parameter file (format documented in the README) for bad-input tests.
enum DRNFile {
    static func write(to url: URL, architecture: [Int], fill: Double, cell: Double? = nil) throws {
        let sizes = Array(architecture.dropFirst())
        var tensors: [(String, [Double], [Int])] = []
        for l in 0..<sizes.count {
            let rows = l == 0 ? 2 * architecture[0] : sizes[l - 1]
            var g = [Double](repeating: fill, count: rows * sizes[l])
            if l == 0, let cell { g[0] = cell }
            tensors.append(("crossbar.\(l)", g, [rows, sizes[l]]))
            tensors.append(("bias_positive.\(l)", [Double](repeating: fill, count: sizes[l]), [sizes[l]]))
            tensors.append(("bias_negative.\(l)", [Double](repeating: fill, count: sizes[l]), [sizes[l]]))
        }
        var header: [String: Any] = ["__metadata__": ["format": "eqprop-drn", "version": "1", "readout": "single",
                                                       "architecture": architecture.map(String.init).joined(separator: ","),
                                                       "preset": "real-diode"]]
        var offset = 0
        var body = Data()
        for (name, values, shape) in tensors {
            let bytes = values.withUnsafeBytes { Data($0) }
            header[name] = ["dtype": "F64", "shape": shape, "data_offsets": [offset, offset + bytes.count]]
            offset += bytes.count
            body.append(bytes)
        }
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        try file.write(to: url)
    }
}
