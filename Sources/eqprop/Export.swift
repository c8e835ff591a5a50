import ArgumentParser
import Circuit
import EqProp
import Export
import Foundation
import Reporting

extension EqPropCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a run's digital feedforward network (safetensors, ONNX, npz, JSON or C).",
            discussion: """
            Reads checkpoint.safetensors of a run folder (Hopfield or resistive) and
            writes its feedforward network with activations and readout, so that it
            predicts exactly the classes the run reported:
              safetensors, npz  layers.<l>.weight [out, in] and layers.<l>.bias
                                (PyTorch names and layouts), float32
              onnx              the whole graph, pixels to class scores
              json              everything, weights as nested arrays [out][in]
              c                 --out FILE.c writes FILE.c and FILE.h, with float
                                and int8 predict functions
            Inputs are pixels in [0, 1] (byte / 255). Every format carries the
            metadata: architecture, activations, readout, units, the run's test error.
            `eqprop infer` evaluates the safetensors and npz files. See docs/export.md.
            """)

        @Option(name: .customLong("run"), help: "Run folder written by `eqprop train --out DIR`.")
        var runFolder: String

        @Option(help: "Output format.")
        var format: ExportFormat

        @Option(help: "Output file; for c a path ending in .c (the header goes next to it as .h).")
        var out: String

        @Flag(help: "Overwrite existing output files.")
        var force = false

        @Flag(help: "Print a one-line JSON summary.")
        var json = false

        struct Summary: Encodable {
            var format: String
            var files: [String]
            var bytes: Int
            var model: String?
            var architecture: String?
            var readout: String
            var classes: Int
            var testErrorFeedforward: String?
            var testSamples: String?
            enum CodingKeys: String, CodingKey {
                case format, files, bytes, model, architecture, readout, classes
                case testErrorFeedforward = "test_error_feedforward", testSamples = "test_samples"
            }
        }

        func run() throws {
            guard !out.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--out: empty path") }
            let folder = RunFolder(URL(fileURLWithPath: runFolder))
            // The run's own copy of its preset (hardware.json), as every other reader of a run
            // uses: the preset of that name may have changed or be missing where export runs.
            let network = try ExportedNetwork(run: folder) { hardware in
                let ownCopy = FileManager.default.fileExists(atPath: folder.hardware.path)
                do {
                    return try (ownCopy ? HardwarePreset(contentsOf: folder.hardware) : HardwarePreset.load(hardware)).inputGain
                } catch {
                    printError("warning: cannot load hardware preset \(ownCopy ? folder.hardware.path : "'\(hardware)'") (\(error)); "
                               + "the V_u value is left out of the metadata")
                    return nil
                }
            }
            let files = try format.files(for: network, out: URL(fileURLWithPath: out))
            try OutputFiles.write(files, overwrite: force)
            let m = network.metadata
            if json {
                print(try JSONOutput.line(Summary(
                    format: format.rawValue, files: files.map(\.url.path), bytes: files.reduce(0) { $0 + $1.data.count },
                    model: m["model"], architecture: m["architecture"], readout: network.readout.name, classes: network.classes,
                    testErrorFeedforward: m["test_error_feedforward"], testSamples: m["test_samples"])))
            } else {
                let reported = m["test_error_feedforward"].flatMap(Double.init).map {
                    String(format: "; the run reported a test error of %.2f%% on %@ samples", 100 * $0, m["test_samples"] ?? "?")
                } ?? ""
                print("wrote \(files.map(\.url.path).joined(separator: " and ")): \(m["model"] ?? "") network "
                      + "\(m["architecture"] ?? ""), \(network.readout.name) readout\(reported)")
            }
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
