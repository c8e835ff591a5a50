import ArgumentParser
import Circuit
import CoSimulation
import EqProp
import Export
import Foundation
import Reporting

extension EqPropCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a run's digital feedforward network (safetensors, ONNX, npz, JSON or C), or its circuit's conductance maps.",
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
              conductances      not the digital network but the trained circuit
                                (resistive runs): --out DIR receives, per crossbar
                                l, crossbar-<l>.csv (every conductance, S) and
                                crossbar-<l>.svg (heat map, µS), and biases.csv
            Inputs are pixels in [0, 1] (byte / 255). Every format carries the
            metadata: architecture, activations, readout, units, the run's test error.
            `eqprop infer` evaluates the safetensors and npz files. See docs/export.md.
            """)

        @Option(name: .customLong("run"), help: "Run folder written by `eqprop train --out DIR`.")
        var runFolder: String

        @Option(help: "Output format.")
        var format: Target

        @Option(help: "Output file; for c a path ending in .c (the header goes next to it as .h); for conductances a folder.")
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

        /// What `--format` names: a format of the digital network, or the circuit's conductances.
        enum Target: ExpressibleByArgument {
            case network(ExportFormat)
            case conductances

            init?(argument: String) {
                if argument == "conductances" { self = .conductances } else if let f = ExportFormat(rawValue: argument) { self = .network(f) } else { return nil }
            }
            static var allValueStrings: [String] { ExportFormat.allCases.map(\.rawValue) + ["conductances"] }
        }

        func run() throws {
            guard !out.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--out: empty path") }
            let folder = RunFolder(URL(fileURLWithPath: runFolder))
            guard case .network(let format) = format else { return try exportConductances(folder) }
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

extension EqPropCommand.Export {
    /// `--format conductances`: the maps of the run's trained circuit (its last completed
    /// epoch) into the folder `--out`, created if missing, all files or none; with --force, maps
    /// of an earlier export with more crossbars are removed, so the folder holds one circuit.
    func exportConductances(_ folder: RunFolder) throws {
        let dir = URL(fileURLWithPath: out)
        if let other = ExportFormat.named(byExtensionOf: dir) {
            throw ValidationError("--out: \(dir.path) ends like a file of the \(other.rawValue) format; the conductances format writes a folder")
        }
        let run: TrainedResistiveRun
        do { run = try TrainedResistiveRun(folder: folder) } catch let e as TrainedResistiveRun.LoadError {
            throw ValidationError("--run: \(e)")
        }
        var isDirectory: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory)
        if existed, !isDirectory.boolValue {
            throw ValidationError("--out: \(dir.path) is a file; the conductances format writes a folder of CSV and SVG files")
        }
        let maps = run.network.conductanceMapFiles()
        let urls = maps.map { dir.appendingPathComponent($0.name) }
        // Maps of an earlier export with more crossbars, which --force removes with the rest.
        let stale = existed ? ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { name in
            guard name.hasPrefix("crossbar-"), name.hasSuffix(".csv") || name.hasSuffix(".svg"),
                  let l = Int(name.dropFirst(9).dropLast(4)) else { return false }
            return l > run.network.depth
        }.map { dir.appendingPathComponent($0) } : []
        if !force, let existing = (urls + stale).first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            throw ExportError.outputExists(path: existing.path)
        }
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw ValidationError("--out: cannot create the folder \(dir.path) (\(error.localizedDescription))")
        }
        // Every file is streamed to its temporary name first; only when all are on disk are they
        // renamed into place. A failure leaves the folder as it was (and removes it if it was new).
        do {
            try AtomicFile.commitTogether(streaming: zip(urls, maps).map { ($0, $1.write) })
        } catch {
            if !existed { try? FileManager.default.removeItem(at: dir) }
            throw error
        }
        for url in stale { try FileManager.default.removeItem(at: url) }
        let bytes = urls.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? Int) ?? 0) }
        let architecture = run.network.architecture.map(String.init).joined(separator: "-")
        if json {
            print(try JSONOutput.line(ConductanceSummary(
                format: "conductances", files: urls.map(\.path), bytes: bytes,
                architecture: architecture, epochs: run.epochs)))
        } else {
            print("wrote \(urls.count) files to \(dir.path): crossbar-<l>.csv and .svg for the \(run.network.depth) crossbars "
                  + "of \(architecture) after \(run.epochs) epochs, and biases.csv")
        }
    }

    struct ConductanceSummary: Encodable {
        var format: String
        var files: [String]
        var bytes: Int
        var architecture: String
        var epochs: Int
    }
}
