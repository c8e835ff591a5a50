import ArgumentParser
import Circuit
import CoSimulation
import Datasets
import Foundation
import Numerics
import Reporting

extension EqPropCommand {
    struct Netlist: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a SPICE deck of a deep resistive network for one input sample.",
            discussion: """
            The deck is complete (title, parts, .model card, .options, .control block running
            `op` and printing every free node's voltage, .end) and runs unchanged with
            `ngspice -b FILE.cir`. The network is a fresh seeded one (--layers), a saved one
            (--network FILE.drn.safetensors) or the trained circuit of a run folder on the preset it
            was trained on (--run DIR); with --run the deck also starts ngspice where the Swift
            solver starts the circuit in training: a `.nodeset` at the run's digital network's prediction s^f of every
            free node (--no-nodeset leaves it out). The input is a test sample (--sample), explicit
            pixel values in [0, 1] (--pixels) or explicit source voltages (--input-volts).
            With --json the summary includes `swift_voltages`: the Swift solver's voltage for
            every free node of this deck, to check the deck in stock ngspice.
            """)

        @OptionGroup var network: NetworkOptions

        @Option(help: "Test sample index (with --dataset/--data).")
        var sample: Int?
        @OptionGroup var data: DataOptions
        @Option(help: "Explicit pixel values in [0, 1], comma-separated.")
        var pixels: String?
        @Option(help: "Explicit input source voltages (2 per pixel: x+ values then x- values), V.")
        var inputVolts: String?

        @Option(help: "free or nudged.")
        var phase: String = "free"
        @Option(help: "Nudging strength β, S.")
        var beta: Double = 1e-4
        @Option(help: "Class to nudge toward (default: the sample's label).")
        var label: Int?
        @Option(help: "Target voltage of the correct class's output, V (default: input gain / 100).")
        var targetVolts: Double?
        @Flag(help: "Nudge by a conductance β to a source at the target instead of a fixed current β(y − V⁰).")
        var conductanceNudge = false

        @Flag(help: "With --run: no .nodeset from the digital network's prediction.")
        var noNodeset = false

        @Option(help: "full (one resistor per crossbar cell) or norton (input crossbar as its Norton equivalent).")
        var form: String = "full"

        @Option(help: "Output deck path.")
        var out: String
        @Option(help: "Also draw the circuit as an SVG schematic at this path.")
        var svg: String?
        @Flag(help: "Overwrite an existing deck.")
        var force = false
        @Flag(help: "Print a one-line JSON summary.")
        var json = false

        struct Summary: Encodable {
            var path: String
            var architecture: [Int]
            var preset: String
            var phase: String
            var form: String
            var elements: [String: Int]
            var nodes: Int
            var freeNodes: Int
            var swiftVoltages: [String: Double]
            var swiftSweeps: Int
            /// Free node → the `.nodeset` voltage (the digital network's prediction), V.
            var nodeset: [String: Double]?
            enum CodingKeys: String, CodingKey {
                case path, architecture, preset, phase, form, elements, nodes, nodeset
                case freeNodes = "free_nodes", swiftVoltages = "swift_voltages", swiftSweeps = "swift_sweeps"
            }
        }

        func run() throws {
            let (network, preset, run) = try self.network.load(defaultHardware: "ideal")
            if noNodeset && run == nil { throw ValidationError("--no-nodeset applies to decks of a run (--run)") }
            for (flag, path) in [("--out", out), ("--svg", svg)] {
                if let path, path.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("\(flag): empty path") }
            }
            let outURL = URL(fileURLWithPath: out)
            if let svg, DataOptions.canonicalPath(svg) == DataOptions.canonicalPath(out) {
                throw ValidationError("--svg \(svg) is the deck's own path (--out): the schematic would replace the deck; give it another name")
            }
            for (flag, path) in [("--out", out), ("--svg", svg)] {
                if let path, FileManager.default.fileExists(atPath: path) && !force {
                    throw ValidationError("\(flag) \(path) exists; pass --force to overwrite it")
                }
            }
            // The input and its label.
            var sampleLabel: Int?
            var pixelValues: [Double]?
            let voltages: [Double]
            switch (sample, pixels, inputVolts) {
            case let (k?, nil, nil):
                try FlagChecks.sampleIndex(k)
                let ds = try data.load()
                guard k >= 0 && k < ds.test.count else {
                    throw ValidationError("--sample \(k) is outside the \(ds.test.count) test samples")
                }
                let images = try testImages(ds, count: k + 1, pixels: network.inputs)
                let x = images.images.row(k).map(Double.init)
                sampleLabel = images.labels[k]
                pixelValues = x
                voltages = CircuitConditions.inputVoltages(pixels: x, gain: preset.inputGain)
            case let (nil, text?, nil):
                let x = try parseList(text, flag: "--pixels", as: Double.self)
                guard x.count == network.inputs else {
                    throw ValidationError("--pixels holds \(x.count) values, the network has \(network.inputs) inputs")
                }
                if let bad = x.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
                    throw ValidationError("--pixels: value \(x[bad]) at position \(bad) is outside [0, 1]")
                }
                pixelValues = x
                voltages = CircuitConditions.inputVoltages(pixels: x, gain: preset.inputGain)
            case let (nil, nil, text?):
                voltages = try parseList(text, flag: "--input-volts", as: Double.self)
                guard voltages.count == 2 * network.inputs else {
                    throw ValidationError("--input-volts holds \(voltages.count) values, the network has \(2 * network.inputs) input sources")
                }
                if let bad = voltages.firstIndex(where: { !($0.isFinite && abs($0) <= HardwarePreset.maxVolts) }) {
                    throw ValidationError("--input-volts: value \(voltages[bad]) at position \(bad) is outside [-\(Int(HardwarePreset.maxVolts)), \(Int(HardwarePreset.maxVolts))] V")
                }
            default:
                throw ValidationError("give exactly one of --sample, --pixels or --input-volts")
            }

            var request = DeckRequest(circuit: ResistiveCircuit(network: network, preset: preset), inputVoltages: voltages)
            if let run, !noNodeset {
                guard let x = pixelValues else {
                    throw ValidationError("--input-volts gives no pixels for the digital network's .nodeset: use --sample or --pixels, or pass --no-nodeset")
                }
                let prediction = try run.swiftTrainer().predictedState(FloatMatrix(rows: 1, columns: x.count, elements: x.map { Float($0) }))
                request.options.startState = prediction.flatMap(\.elements)
            }
            switch phase {
            case "free": request.phase = .free
            case "nudged":
                guard beta.isFinite && beta != 0 && abs(beta) <= 1 else {
                    throw ValidationError("--beta must be non-zero and within [-1, 1] S (got \(beta))")
                }
                if let v = targetVolts, !(v.isFinite && abs(v) <= HardwarePreset.maxVolts) {
                    throw ValidationError("--target-volts must be within [-\(Int(HardwarePreset.maxVolts)), \(Int(HardwarePreset.maxVolts))] V (got \(v))")
                }
                guard let y = label ?? sampleLabel else { throw ValidationError("--phase nudged needs --label (or a --sample)") }
                request.phase = .nudged(beta: beta, label: y, targetVolts: targetVolts ?? preset.inputGain / 100,
                                        asConductance: conductanceNudge)
            default: throw ValidationError("--phase must be free or nudged (got \(phase))")
            }
            switch form {
            case "full": request.options.form = .fullCrossbar
            case "norton": request.options.form = .nortonInputs
            default: throw ValidationError("--form must be full or norton (got \(form))")
            }
            let source = sample.map { "test sample \($0) of \(data.name.rawValue)" + (sampleLabel.map { " (label \($0))" } ?? "") }
                ?? (pixels != nil ? "explicit pixels" : "explicit input voltages")
            request.options.description = [
                "input: \(source); phase: \(phase)" + (phase == "nudged" ? " (beta \(SpiceNumber.format(beta)) S)" : ""),
                network.presetName == preset.name || network.presetName.isEmpty ? "" : "network trained for preset '\(network.presetName)'",
                run.map { "network: run \($0.folder.url.lastPathComponent) after \($0.epochs) epochs" } ?? "",
                request.options.startState == nil ? "" : ".nodeset: the run's digital network's prediction s^f of every free node",
                "run: ngspice -b \(outURL.lastPathComponent)",
            ].filter { !$0.isEmpty }
            let result: DeckRequest.Result
            do { result = try request.build() } catch let e as CircuitError { throw ValidationError(e.description) }
            // Both files or neither: the schematic is drawn before either is written.
            let schematic = svg.map { (URL(fileURLWithPath: $0), request.circuit.schematicSVG()) }
            try AtomicFile.write(result.deck, to: outURL)
            if let schematic { try AtomicFile.write(schematic.1, to: schematic.0) }
            if json {
                print(try JSONOutput.line(Summary(
                    path: outURL.path, architecture: network.architecture, preset: preset.name, phase: phase, form: form,
                    elements: result.netlist.elementCounts, nodes: result.netlist.nodes.count,
                    freeNodes: result.swiftVoltages.count, swiftVoltages: result.swiftVoltages,
                    swiftSweeps: result.solverStatistics.sweeps,
                    nodeset: request.options.startState.map { Dictionary(uniqueKeysWithValues: zip(request.circuit.names.freeNodes, $0)) })))
            } else {
                let counts = result.netlist.elementCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                print("wrote \(outURL.path): \(counts); \(result.netlist.nodes.count) nodes; run it with: ngspice -b \(outURL.path)")
            }
        }
    }
}
