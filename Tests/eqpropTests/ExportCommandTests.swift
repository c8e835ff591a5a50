import Datasets
import Foundation
import FoundationXML
import Testing
import TestSupport

/// A small training run made by the real binary, shared by the export tests.
struct ExportedRun: Sendable {
    let folder: URL
    /// `test_error_feedforward` of `eqprop train --json`.
    let testError: Double
    let dataset: String
    let data: String

    /// The whole test set: int8-vs-float differences of a briefly trained network are a few
    /// dozen flipped near-ties, which 1,000 images turn into a noisy error rate.
    static let testLimit = "10000"

    static func train(_ label: String, _ arguments: [String]) throws -> ExportedRun {
        guard let data = Eqprop.realDataset() else { throw ExportTestError("no MNIST or Fashion-MNIST found") }
        let folder = Eqprop.temporaryDirectory("export-\(label)")
        let r = try Eqprop.run(["train", "--dataset", data.name, "--data", data.folder, "--test-limit", testLimit,
                                "--out", folder.path, "--json", "--quiet"] + arguments)
        guard r.status == 0, let error = r.json?["test_error_feedforward"] as? Double else {
            throw ExportTestError("eqprop train (\(label)) failed: \(r.stderr)")
        }
        return ExportedRun(folder: folder, testError: error, dataset: data.name, data: data.folder)
    }

    /// Hopfield paper-small and DRN-XS (ideal hardware, Swift solver), the sizes of the README.
    static let hopfield = Result {
        try train("hopfield", ["--preset", "paper-small", "--train-limit", "3000", "--epochs", "2"])
    }
    static let resistiveArguments = ["--preset", "drn-xs", "--train-limit", "5000", "--epochs", "1"]
    static let resistive = Result { try train("resistive", resistiveArguments) }
    /// DRN-XS on a copy of the ideal preset with a differential readout (two outputs per class).
    static let differential = Result {
        let preset = Eqprop.temporaryDirectory("preset").appendingPathComponent("ideal-differential.json")
        let ideal = try String(contentsOf: Eqprop.packageRoot.appendingPathComponent("hardware/ideal.json"), encoding: .utf8)
        try ideal.replacingOccurrences(of: "\"output_readout\": \"single\"", with: "\"output_readout\": \"differential\"")
            .write(to: preset, atomically: true, encoding: .utf8)
        return try train("differential", resistiveArguments + ["--hardware", preset.path])
    }

    /// Exports every format next to each other: STEM.safetensors, .onnx, .npz, .json, .c and .h.
    func exportAll() throws -> URL {
        let stem = Eqprop.temporaryDirectory("exports").appendingPathComponent("model")
        for format in ["safetensors", "onnx", "npz", "json", "c"] {
            let r = try Eqprop.run(["export", "--run", folder.path, "--format", format,
                                    "--out", stem.path + "." + format, "--json"])
            guard r.status == 0, let json = r.json, json["format"] as? String == format else {
                throw ExportTestError("eqprop export --format \(format) failed: \(r.stderr)\(r.stdout)")
            }
        }
        return stem
    }

    func infer(_ weights: String, _ extra: [String] = []) throws -> CommandResult {
        try Eqprop.run(["infer", "--weights", weights, "--dataset", dataset, "--data", data,
                        "--test-limit", Self.testLimit, "--json"] + extra)
    }
}

struct ExportTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs scripts/check_exports.py: every format read by its own library (safetensors, numpy,
/// json, onnx + onnxruntime) and the C code compiled with cc, against `eqprop infer`.
func checkExports(_ stem: URL, of run: ExportedRun, int8Tolerance: Double = 0.002) throws -> [String: Any] {
    try pythonCheck("check_exports.py", ["--eqprop", Eqprop.executable.path, "--exports", stem.path, "--dataset", run.dataset,
                                         "--data", run.data, "--limit", ExportedRun.testLimit, "--int8-tolerance", String(int8Tolerance), "--json"])
}

/// Runs scripts/`script` with python3; its last line of standard output, as JSON.
func pythonCheck(_ script: String, _ arguments: [String]) throws -> [String: Any] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", Eqprop.packageRoot.appendingPathComponent("scripts/\(script)").path] + arguments
    let out = Scratch.file("check.out")
    let err = out.appendingPathExtension("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    try p.run()
    p.waitUntilExit()
    let stdout = try String(contentsOf: out, encoding: .utf8), stderr = try String(contentsOf: err, encoding: .utf8)
    guard p.terminationStatus == 0,
          let line = stdout.split(separator: "\n").last,
          let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
        throw ExportTestError("scripts/\(script) failed (status \(p.terminationStatus)):\n\(stderr)\(stdout)")
    }
    return json
}

@Suite(.serialized) struct ExportCommandTests {
    @Test(arguments: ["hopfield", "resistive", "differential"])
    func everyFormatPredictsWhatTheRunReported(model: String) throws {
        let run = try [
            "hopfield": ExportedRun.hopfield, "resistive": ExportedRun.resistive, "differential": ExportedRun.differential,
        ][model]!.get()
        let stem = try run.exportAll()
        // eqprop infer reproduces the run's own test error exactly, from either weight file.
        for ext in ["safetensors", "npz"] {
            let r = try run.infer(stem.path + "." + ext)
            #expect(r.status == 0, "\(r.stderr)")
            let json = try #require(r.json, "infer --json: \(r.stdout)")
            #expect(json["test_error"] as? Double == run.testError, "\(ext): \(json), run reported \(run.testError)")
            #expect(json["reported_test_error"] as? Double == run.testError)
            #expect(json["samples"] as? Int == 10_000)
        }
        // Real readers and the C code agree with eqprop; int8 stays within 0.2 points of float
        // (measured on MNIST and Fashion-MNIST: at most 0.1 points, 19–46 flipped predictions).
        let report = try checkExports(stem, of: run, int8Tolerance: 0.002)
        #expect(report["ok"] as? Bool == true, "\(report)")
        let formats = try #require(report["formats"] as? [String: [String: Any]])
        for format in ["safetensors", "npz", "json", "onnx", "c"] {
            let result = try #require(formats[format], "no result for \(format): \(report)")
            let diff = try #require(result["max_abs_diff"] as? Double)
            #expect(diff <= 1e-5, "\(format): max score difference \(diff)")
            #expect(result["prediction_mismatches"] as? Int == 0, "\(format): \(result)")
        }
        let float = try #require(formats["c"]?["test_error"] as? Double)
        let int8 = try #require(formats["c_int8"]?["test_error"] as? Double)
        #expect(float == run.testError)
        #expect(abs(int8 - float) <= 0.002, "int8 \(int8), float \(float)")
    }

    @Test func classifiesOnePGMImage() throws {
        let run = try ExportedRun.hopfield.get()
        let stem = try run.exportAll()
        let scoresFile = stem.deletingLastPathComponent().appendingPathComponent("scores.npy")
        #expect(try run.infer(stem.path + ".safetensors", ["--scores-out", scoresFile.path]).status == 0)
        let test = try Dataset.load(DatasetName(rawValue: run.dataset)!, explicitDirectory: run.data, trainLimit: 1, testLimit: 4).test
        let image = stem.deletingLastPathComponent().appendingPathComponent("digit.pgm")
        let k = 3
        let bytes = test.images.row(k).map { UInt8(($0 * 255).rounded()) }
        try (Data("P5\n# test image \(k)\n28 28\n255\n".utf8) + Data(bytes)).write(to: image)
        let r = try Eqprop.run(["infer", "--weights", stem.path + ".npz", "--image", image.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        let scores = try #require(json["scores"] as? [Double])
        let predicted = try #require(json["class"] as? Int)
        #expect(scores.count == 10 && predicted == scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) })
        // The same image's scores in the batch evaluation (row k of --scores-out, a .npy with a
        // 128-byte header) agree to float rounding (a batch of one goes through another BLAS kernel).
        let npy = try Data(contentsOf: scoresFile)
        let row = (0..<10).map { j in npy.withUnsafeBytes { Double($0.loadUnaligned(fromByteOffset: 128 + 4 * (k * 10 + j), as: Float.self)) } }
        #expect(zip(row, scores).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(row) vs \(scores)")
        #expect(npy.count == 128 + 4 * 10_000 * 10)

        let text = try Eqprop.run(["infer", "--weights", stem.path + ".safetensors", "--image", image.path])
        #expect(text.status == 0 && text.stdout.hasPrefix("class \(predicted);"), "\(text.stdout)")

        let small = stem.deletingLastPathComponent().appendingPathComponent("small.pgm")
        try (Data("P5 27 28 255\n".utf8) + Data(repeating: 0, count: 27 * 28)).write(to: small)
        let wrong = try Eqprop.run(["infer", "--weights", stem.path + ".npz", "--image", small.path])
        #expect(wrong.status != 0 && wrong.stderr.contains("--image") && wrong.stderr.contains("27x28")
                && wrong.stderr.contains("784"), "\(wrong.stderr)")
        let short = stem.deletingLastPathComponent().appendingPathComponent("short.pgm")
        try (Data("P5 28 28 255\n".utf8) + Data(repeating: 0, count: 700)).write(to: short)
        let truncated = try Eqprop.run(["infer", "--weights", stem.path + ".npz", "--image", short.path])
        #expect(truncated.status != 0 && truncated.stderr.contains(short.path) && truncated.stderr.contains("784"), "\(truncated.stderr)")
    }

    @Test func exportRefusesBadRequestsAndWritesNothing() throws {
        let run = try ExportedRun.hopfield.get()
        let dir = Eqprop.temporaryDirectory("export-bad")
        let out = dir.appendingPathComponent("m.onnx")

        let empty = Eqprop.temporaryDirectory("empty-run")
        let noRun = try Eqprop.run(["export", "--run", empty.path, "--format", "onnx", "--out", out.path])
        #expect(noRun.status != 0 && noRun.stderr.contains("--run") && noRun.stderr.contains("no checkpoint.safetensors"),
                "\(noRun.stderr)")

        // A checkpoint without a digital network: only metadata, no tensors.
        let header = #"{"__metadata__":{"config":"{}","epochs":"1","format":"eqprop-checkpoint","model":"hopfield"}}"#
        var checkpoint = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { checkpoint.append(contentsOf: $0) }
        checkpoint.append(Data(header.utf8))
        try checkpoint.write(to: empty.appendingPathComponent("checkpoint.safetensors"))
        let noNetwork = try Eqprop.run(["export", "--run", empty.path, "--format", "onnx", "--out", out.path])
        #expect(noNetwork.status != 0 && noNetwork.stderr.contains("no digital feedforward network"), "\(noNetwork.stderr)")

        let unknown = try Eqprop.run(["export", "--run", run.folder.path, "--format", "tflite", "--out", out.path])
        #expect(unknown.status != 0 && unknown.stderr.contains("--format"), "\(unknown.stderr)")

        let c = try Eqprop.run(["export", "--run", run.folder.path, "--format", "c", "--out", dir.appendingPathComponent("m.txt").path])
        #expect(c.status != 0 && c.stderr.contains("--out") && c.stderr.contains(".c"), "\(c.stderr)")

        let contradicting = try Eqprop.run(["export", "--run", run.folder.path, "--format", "safetensors", "--out", out.path])
        #expect(contradicting.status != 0 && contradicting.stderr.contains("--format onnx") && contradicting.stderr.contains(out.path),
                "\(contradicting.stderr)")
        let mapsAsFile = try Eqprop.run(["export", "--run", run.folder.path, "--format", "conductances", "--out", out.path])
        #expect(mapsAsFile.status != 0 && mapsAsFile.stderr.contains("writes a folder"), "\(mapsAsFile.stderr)")

        let missing = try Eqprop.run(["export", "--run", run.folder.path, "--format", "json", "--out", "/nonexistent/dir/m.json"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/dir/m.json"), "\(missing.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "nothing may be written")

        #expect(try Eqprop.run(["export", "--run", run.folder.path, "--format", "onnx", "--out", out.path]).status == 0)
        try Data("keep me".utf8).write(to: out)
        let exists = try Eqprop.run(["export", "--run", run.folder.path, "--format", "onnx", "--out", out.path])
        #expect(exists.status != 0 && exists.stderr.contains("--force") && exists.stderr.contains(out.path), "\(exists.stderr)")
        #expect(try Data(contentsOf: out) == Data("keep me".utf8))
        let header2 = dir.appendingPathComponent("m.h")
        try Data("keep me too".utf8).write(to: header2)
        let cExists = try Eqprop.run(["export", "--run", run.folder.path, "--format", "c", "--out", dir.appendingPathComponent("m.c").path])
        #expect(cExists.status != 0 && cExists.stderr.contains(header2.path), "\(cExists.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.c").path), "the .c must not be written alone")
        let forced = try Eqprop.run(["export", "--run", run.folder.path, "--format", "onnx", "--out", out.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try Data(contentsOf: out) != Data("keep me".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["m.h", "m.onnx"], "no staging files left")
    }

    /// `--format conductances`: every conductance of the trained circuit in its CSV (read back
    /// by Python against the run's network.drn.safetensors, to 10 significant digits), heat maps
    /// whose embedded PNGs a zlib-based reader accepts; refused for a Hopfield run and for an
    /// --out that is a file, writing nothing.
    @Test func conductanceMapsHoldTheTrainedCircuit() throws {
        let run = try ExportedRun.resistive.get()
        let maps = Eqprop.temporaryDirectory("maps").appendingPathComponent("drn-xs")
        let r = try Eqprop.run(["export", "--run", run.folder.path, "--format", "conductances", "--out", maps.path, "--json"])
        let names = ["biases.csv", "crossbar-1.csv", "crossbar-1.svg", "crossbar-2.csv", "crossbar-2.svg"]
        #expect(r.status == 0 && (r.json?["files"] as? [String])?.count == names.count, "\(r.stderr)\(r.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: maps.path).sorted() == names)
        let check = try pythonCheck("check_conductance_maps.py", [run.folder.path, maps.path])
        #expect(check["cells"] as? Int == 1568 * 100 + 100 * 10)
        #expect((check["worst_relative_difference"] as? Double ?? 1) <= 1e-9, "\(check)")
        // 1568 rows exceed 1024 pixels: two sources per pixel row, 100 columns; the 100 × 10 output crossbar, zoomed.
        #expect((check["png"] as? [[Int]])?.first == [100, 784], "\(check)")
        for svg in ["crossbar-1.svg", "crossbar-2.svg"] {
            #expect(XMLParser(contentsOf: maps.appendingPathComponent(svg))?.parse() == true, "\(svg) must parse as XML")
        }
        // A folder that holds an earlier export of a deeper circuit: refused without --force; with
        // it, the stale crossbar-3 maps go, so the folder holds one circuit's maps.
        for stale in ["crossbar-3.csv", "crossbar-3.svg"] { try Data("old".utf8).write(to: maps.appendingPathComponent(stale)) }
        let again = try Eqprop.run(["export", "--run", run.folder.path, "--format", "conductances", "--out", maps.path])
        #expect(again.status != 0 && again.stderr.contains("--force"), "\(again.stderr)")
        let forced = try Eqprop.run(["export", "--run", run.folder.path, "--format", "conductances", "--out", maps.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: maps.path).sorted() == names, "no stale or staging files left")

        let hopfield = try ExportedRun.hopfield.get()
        let empty = Eqprop.temporaryDirectory("maps-refused")
        let other = try Eqprop.run(["export", "--run", hopfield.folder.path, "--format", "conductances", "--out", empty.appendingPathComponent("m").path])
        #expect(other.status != 0 && other.stderr.contains("hopfield") && other.stderr.contains("not a resistive network"), "\(other.stderr)")
        let missing = try Eqprop.run(["export", "--run", empty.path, "--format", "conductances", "--out", empty.appendingPathComponent("m").path])
        #expect(missing.status != 0 && missing.stderr.contains("--run") && missing.stderr.contains("no checkpoint.safetensors"), "\(missing.stderr)")
        let file = empty.appendingPathComponent("a-file")
        try Data("keep".utf8).write(to: file)
        let onFile = try Eqprop.run(["export", "--run", run.folder.path, "--format", "conductances", "--out", file.path])
        #expect(onFile.status != 0 && onFile.stderr.contains("--out") && onFile.stderr.contains("is a file"), "\(onFile.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: empty.path) == ["a-file"], "nothing else may be written")
        #expect(try Data(contentsOf: file) == Data("keep".utf8))
    }

    @Test func inferRejectsDamagedWeightFiles() throws {
        let run = try ExportedRun.hopfield.get()
        let stem = try run.exportAll()
        let safetensors = try Data(contentsOf: URL(fileURLWithPath: stem.path + ".safetensors"))
        let npz = try Data(contentsOf: URL(fileURLWithPath: stem.path + ".npz"))
        let dir = stem.deletingLastPathComponent()
        func rejects(_ name: String, _ data: Data, _ fragment: String) throws {
            let url = dir.appendingPathComponent(name)
            try data.write(to: url)
            let r = try run.infer(url.path)
            #expect(r.status != 0, "\(name) was accepted")
            #expect(r.stderr.contains(url.path) && r.stderr.contains(fragment), "\(name): \(r.stderr)")
        }
        // An ONNX export, under its own name and under another: which formats infer reads.
        let onnx = try Data(contentsOf: URL(fileURLWithPath: stem.path + ".onnx"))
        try rejects("model.onnx", onnx, "an ONNX model")
        try rejects("renamed.bin", onnx, "eqprop infer reads the safetensors and npz exports")
        try rejects("truncated.safetensors", safetensors.prefix(safetensors.count - 1000), "valid safetensors")
        var length = safetensors
        length.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0x00, 0, 0, 0, 0])
        try rejects("length.safetensors", length, "header length")
        var shape = safetensors
        shape.replaceSubrange(try #require(shape.range(of: Data("[500,784]".utf8))), with: Data("[784,500]".utf8))
        try rejects("shape.safetensors", shape, "layers.0.weight")
        var offsets = safetensors
        offsets.replaceSubrange(try #require(offsets.range(of: Data("\"data_offsets\":[0,".utf8))), with: Data("\"data_offsets\":[8,".utf8))
        try rejects("offsets.safetensors", offsets, "offsets")
        var flipped = npz
        flipped[npz.count / 2] ^= 0x01
        try rejects("flipped.npz", flipped, "CRC-32")
        try rejects("truncated.npz", npz.prefix(npz.count / 2), "zip")
        try rejects("checkpoint.safetensors", try Data(contentsOf: run.folder.appendingPathComponent("checkpoint.safetensors")),
                    "not an eqprop export")
        let none = try run.infer(dir.appendingPathComponent("absent.npz").path)
        #expect(none.status != 0 && none.stderr.contains("absent.npz"), "\(none.stderr)")
    }
}
