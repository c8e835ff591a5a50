import Datasets
import Foundation
import Testing
import TestSupport

/// The crafted hostile inputs of issue 13 through the built binary: size-like flags that
/// trapped or wrote out of bounds, a checkpoint with an absurd epoch count, a gzip bomb in a
/// data folder, and special files (`--hardware`, `--weights` from a FIFO). Every refusal
/// exits non-zero with a message naming the flag or file, never by a signal.
@Suite(.serialized) struct HostileInputCommandTests {
    static let huge = "9223372036854775807"

    /// Refused by the flag's check: exit status 1 or 64 (not a signal), `Error:` naming `flag`.
    static func expectRefusal(_ arguments: [String], naming text: String, _ what: String = "") throws {
        let r = try Eqprop.run(arguments)
        #expect(r.status == 1 || r.status == 64, "\(arguments) exited with \(r.status): \(r.stderr.suffix(400))")
        #expect(r.stderr.contains("Error:") && r.stderr.contains(text), "\(arguments): \(r.stderr.suffix(400))")
        #expect(!r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("Fatal error"), "\(r.stderr.suffix(400))")
    }

    @Test func sizeLikeFlagsAreRefusedWithTheirRange() throws {
        let out = Eqprop.temporaryDirectory("hostile-flags")
        let deck = out.appendingPathComponent("x.cir").path
        let run = out.appendingPathComponent("run").path
        let cases: [([String], String)] = [
            (["train", "--layers", "784,\(Self.huge),10", "--out", run], "--layers: layer size \(Self.huge) is outside 1…1000000"),
            (["train", "--preset", "drn-xs", "--layers", "784,\(Self.huge),10", "--out", run], "--layers: layer size"),
            (["train", "--preset", "drn-xs", "--workers", Self.huge, "--out", run], "--workers: the number of ngspice workers must be in 1…256"),
            (["train", "--epochs", Self.huge, "--out", run], "--epochs: the number of epochs must be in 1…1000000"),
            (["train", "--epochs", "-1", "--out", run], "--epochs"),
            (["train", "--batch-size", Self.huge, "--out", run], "--batch-size: the minibatch size must be in 1…1000000"),
            (["train", "--train-limit", Self.huge, "--out", run], "--train-limit: the number of samples must be in 1…100000000"),
            (["train", "--layers", "784,1000000,1000000,10", "--out", run], "limit"),
            (["netlist", "--layers", "784,\(Self.huge),10", "--pixels", "0", "--out", deck], "--layers: layer size"),
            (["netlist", "--layers", "4,1000000,1000000,2", "--pixels", "0,0,0,0", "--out", deck], "--layers: a 4-1000000-1000000-2 network would need"),
            (["netlist", "--layers", "4,2,2", "--sample", Self.huge, "--out", deck], "--sample: the test-set index must be in 0…99999999"),
            (["gradcheck", "--layers", "4,4,2", "--sample", Self.huge], "--sample: the test-set index"),
            (["gradcheck", "--layers", "4,\(Self.huge),2"], "--layers: layer size"),
            (["crosscheck", "--layers", "4,2,2", "--samples", Self.huge], "--samples: the number of samples must be in 1…100000000"),
            (["wires", "--layers", "784,\(Self.huge),10"], "--layers: layer size"),
            (["wires", "--ladder-rows", Self.huge], "--ladder-rows: the cells of the ladder column must be in 1…1000000"),
            (["wires", "--samples", Self.huge], "--samples: the number of samples must be in 1…100000000"),
            (["wires", "--tile-rows", "0,-1"], "--tile-rows"),
            (["crosscheck", "--layers", "4,2,2", "--workers", Self.huge], "--workers: the number of ngspice worker processes must be in 1…256"),
            (["crosscheck", "--layers", "4,2,2", "--workers", "0"], "--workers"),
            (["crosscheck", "--layers", "4,2,2", "--worker-timeout", "0"], "--worker-timeout must be in (0, 86400]"),
            (["settle", "--run", run, "--samples", Self.huge], "--samples"),
            (["settle", "--run", run, "--workers", Self.huge], "--workers"),
            (["benchmark", "solvers", "--workers", Self.huge], "--workers"),
            (["benchmark", "solvers", "--layers", "4,2,2;4,\(Self.huge),2"], "--layers: layer size"),
            (["infer", "--weights", run, "--test-limit", Self.huge], "--test-limit"),
            (["robustness", "--sweep", "conductance_levels", "--values", "1e19", "--out", run], "--values 1e+19 for conductance_levels: "),
            (["robustness", "--hardware", "ideal-mesh", "--sweep", "tile_size", "--values", "0,2.5", "--out", run], "--values 2.5 for tile_size: "),
        ]
        for (arguments, message) in cases { try Self.expectRefusal(arguments, naming: message) }
        #expect(!FileManager.default.fileExists(atPath: deck) && !FileManager.default.fileExists(atPath: run))
    }

    /// A checkpoint whose metadata says `epochs` = -1 or 2^63 − 1: `--resume` and `export`
    /// refuse it naming the file and the field.
    @Test func checkpointWithAbsurdEpochsIsRefused() throws {
        let data = try #require(Eqprop.realDataset(), "no MNIST or Fashion-MNIST found")
        let out = Eqprop.temporaryDirectory("hostile-run")
        let trained = try Eqprop.run(["train", "--layers", "784,8,10", "--epochs", "1", "--train-limit", "40", "--test-limit", "20",
                                      "--steps-free", "2", "--steps-nudged", "1", "--dataset", data.name, "--data", data.folder,
                                      "--out", out.path, "--quiet"])
        try #require(trained.status == 0, "\(trained.stderr)")
        let checkpoint = out.appendingPathComponent("checkpoint.safetensors")
        let original = try Data(contentsOf: checkpoint)
        for epochs in ["-1", Self.huge, "0", "1e19"] {
            try SafeTensorsHeader.settingMetadata("epochs", to: epochs, in: original).write(to: checkpoint)
            try Self.expectRefusal(["train", "--resume", "--epochs", "3", "--out", out.path, "--dataset", data.name, "--data", data.folder, "--quiet"],
                                   naming: "\(checkpoint.path): metadata 'epochs' = '\(epochs)' is not a whole number in 1…1000000")
            try Self.expectRefusal(["export", "--run", out.path, "--format", "json", "--out", out.appendingPathComponent("w.json").path],
                                   naming: "metadata 'epochs'")
        }
    }

    /// A gzip bomb in the data folder: 64 MiB of zeros behind a header announcing 4 labels.
    @Test func gzipBombInTheDataFolderIsRefusedEarly() throws {
        let dir = Eqprop.temporaryDirectory("hostile-data")
        for (prefix, n) in [("train", 4), ("t10k", 2)] {
            try Gzip.compress(IDXFile.encode(shape: [n, 2, 2], bytes: [UInt8](repeating: 7, count: 4 * n)))
                .write(to: dir.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz"))
            var labels = IDXFile.encode(shape: [n], bytes: [UInt8](repeating: 1, count: n))
            if prefix == "train" { labels.append(Data(count: 64 << 20)) }
            try Gzip.compress(labels, level: 9).write(to: dir.appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz"))
        }
        try Self.expectRefusal(["train", "--layers", "4,2,10", "--epochs", "1", "--data", dir.path, "--out", dir.appendingPathComponent("run").path, "--quiet"],
                               naming: "train-labels-idx1-ubyte.gz: corrupt or truncated gzip data (inflates to more than the 12 bytes its header announces)")
    }

    /// `--hardware` and `--weights` read from a FIFO (what a shell's `<(…)` is to a program
    /// that opens it by name), and a folder given as a file is named as one.
    @Test func specialFilesAreReadEndToEnd() throws {
        let dir = Eqprop.temporaryDirectory("hostile-fifo")
        let fifo = dir.appendingPathComponent("preset.fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let preset = try Data(contentsOf: Eqprop.packageRoot.appendingPathComponent("hardware/ideal.json"))
        let writer = Thread { if let h = FileHandle(forWritingAtPath: fifo.path) { h.write(preset); try? h.close() } }
        writer.start()
        let deck = dir.appendingPathComponent("x.cir")
        let r = try Eqprop.run(["netlist", "--layers", "4,2,2", "--hardware", fifo.path, "--pixels", "0,0.5,1,0", "--out", deck.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: deck.path))
        try Self.expectRefusal(["netlist", "--layers", "4,2,2", "--hardware", dir.path, "--pixels", "0,0,0,0", "--out", deck.path + "2"],
                               naming: "\(dir.path): cannot read the file: is a directory, not a file")
        try Self.expectRefusal(["infer", "--weights", dir.path], naming: "--weights \(dir.path): cannot read the file: is a directory, not a file")
    }
}

/// Edits one metadata entry of a safetensors file: its 8-byte header length, JSON header
/// (re-padded with spaces to 8 bytes), then the unchanged tensor bytes.
enum SafeTensorsHeader {
    static func settingMetadata(_ key: String, to value: String, in data: Data) throws -> Data {
        let n = Int(data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        var header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any])
        var metadata = header["__metadata__"] as? [String: String] ?? [:]
        metadata[key] = value
        header["__metadata__"] = metadata
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + json + data.subdata(in: (8 + n)..<data.count)
    }
}
