import ArgumentParser
import Circuit
import CoSimulation
import Datasets
import Foundation
import Ngspice
import Numerics
import Reporting

extension EqPropCommand {
    struct Netlist: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a SPICE deck of a deep resistive network for one input sample.",
            discussion: """
            The deck is complete and reads like a schematic: .param cards for the preset's physical constants, \
            each crossbar as a .subckt, values in engineering notation with every significant digit, a comment \
            per block, the .model card, .options, and a .control block that runs the analysis (--analysis op, or \
            tran: a transient with the preset's node capacitances from .ic at 0 V, or at the digital network's \
            prediction s^f with --run, then the operating point), prints every free node's voltage, the \
            predicted class and the static power of every source group, and quits: `ngspice -b FILE.cir` exits \
            with status 0.

            The network is a fresh seeded one (--layers), a saved one (--network FILE.drn.safetensors) or the \
            trained circuit of a run folder on the preset it was trained on (--run DIR); with --run the deck \
            also starts ngspice where the Swift solver starts the circuit in training: a `.nodeset` (op) or \
            `.ic` (tran) at the run's digital network's prediction s^f of every free node (--no-nodeset leaves \
            it out). The input is a test sample (--sample), explicit pixel values in [0, 1] (--pixels) or \
            explicit source voltages (--input-volts).

            --verify runs the deck in ngspice (the `ngspice` program) and compares it with the Swift solver: the \
            largest |V_ngspice - V_swift| over all free nodes (within --tolerance), both predicted classes and \
            the static power; the exit status is 0 only when they agree. --raw FILE keeps ngspice's waveforms \
            (ASCII raw file). With --json the summary includes `swift_voltages` (the Swift solver's voltage for \
            every free node of this deck), the static power per inference and, for a transient run with --raw or \
            --verify, the settling time and energy until settled.
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

        @Flag(help: "With --run: no .nodeset (op) or .ic (tran) at the digital network's prediction: ngspice starts from its own guess (op) or 0 V (tran).")
        var noNodeset = false

        @Option(help: "full (one resistor per crossbar cell) or norton (input crossbar as its Norton equivalent).")
        var form: String = "full"

        @Option(help: "op (operating point) or tran (transient from .ic with the preset's node capacitances, then op).")
        var analysis: String = "op"
        @Option(help: "Run the deck in ngspice and keep its waveforms (tran) or operating point (op) in this ASCII raw file.")
        var raw: String?
        @Flag(help: "Run the deck in ngspice and compare it with the Swift solver; non-zero exit status when they disagree.")
        var verify = false
        @Flag(help: "With --verify: check the deck already at --out (written earlier with the same options, perhaps edited since) instead of writing it.")
        var existing = false
        @Option(help: "With --verify: the largest |V_ngspice - V_swift| accepted, V.")
        var tolerance: Double = 1e-6
        @Option(help: "Settling band of a transient's settling time and energy (with --raw or --verify), V.")
        var band: Double = 1e-3

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
            /// Free node → the `.nodeset`/`.ic` voltage (the digital network's prediction), V.
            var nodeset: [String: Double]?
            var analysis: String
            var predictedClass: Int?
            /// Static power of one inference: the sources at the Swift solver's fixed point, W.
            var staticPowerWatts: Double
            var sourcePower: SourcePower
            /// A transient run (with --raw or --verify): settling time and energy until settled.
            var settling: TransientSettling?
            var raw: String?
            var verification: DeckVerification?
            enum CodingKeys: String, CodingKey {
                case path, architecture, preset, phase, form, elements, nodes, nodeset, analysis, settling, raw, verification
                case freeNodes = "free_nodes", swiftVoltages = "swift_voltages", swiftSweeps = "swift_sweeps"
                case predictedClass = "predicted_class", staticPowerWatts = "static_power_watts", sourcePower = "source_power"
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
            if existing {
                guard verify else { throw ValidationError("--existing applies to --verify") }
                guard raw == nil && svg == nil else { throw ValidationError("--existing checks a deck as it is: --raw and --svg write files, drop them") }
                guard FileManager.default.fileExists(atPath: out) else { throw ValidationError("--out \(out): no deck to verify (--existing)") }
            }
            let rawURL = try raw.map { try writableFileLocation($0, flag: "--raw") }
            for (flag, path) in [("--out", existing ? nil : out), ("--svg", svg), ("--raw", raw)] {
                if let path, FileManager.default.fileExists(atPath: path) && !force {
                    throw ValidationError("\(flag) \(path) exists; pass --force to overwrite it")
                }
            }
            guard tolerance.isFinite && tolerance > 0 else { throw ValidationError("--tolerance must be a positive number of volts (got \(tolerance))") }
            guard band.isFinite && band > 0 else { throw ValidationError("--band must be a positive number of volts (got \(band))") }
            guard analysis == "op" || analysis == "tran" else { throw ValidationError("--analysis must be op or tran (got \(analysis))") }
            if analysis == "tran" && !(preset.nodeCapacitance > 0) {
                throw ValidationError("--analysis tran needs node capacitances: preset '\(preset.name)' has node_capacitance_farads = \(preset.nodeCapacitance) (use a preset with node_capacitance_farads > 0, or --analysis op)")
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
            if analysis == "tran" { request.options.analysis = request.circuit.settlingTransient() }
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
                request.options.startState == nil ? "" : (analysis == "tran" ? ".ic" : ".nodeset") + ": the run's digital network's prediction s^f of every free node",
                "run: ngspice -b \(outURL.lastPathComponent)",
            ].filter { !$0.isEmpty }
            let result: DeckRequest.Result
            do { result = try request.build() } catch let e as CircuitError { throw ValidationError(e.description) }
            // Both files or neither: the schematic is drawn before either is written.
            let schematic = svg.map { (URL(fileURLWithPath: $0), request.circuit.schematicSVG()) }
            if !existing { try AtomicFile.write(result.deck, to: outURL) }
            if let schematic { try AtomicFile.write(schematic.1, to: schematic.0) }
            let circuit = request.circuit
            let free = circuit.names.freeNodes
            let fixedPoint = free.map { result.swiftVoltages[$0]! }
            let power = circuit.sourcePower(result.conditions, state: fixedPoint)

            // ngspice runs: the deck as written, or (for --raw) with a `write` of its waveforms.
            var verification: DeckVerification?
            var settling: TransientSettling?
            if verify || rawURL != nil {
                let (batch, waveforms) = try runInNgspice(deck: existing ? try String(contentsOf: outURL, encoding: .utf8) : result.deck,
                                                          request: request, raw: rawURL)
                if verify {
                    verification = DeckVerification(batch: batch, circuit: circuit, swiftVoltages: result.swiftVoltages,
                                                    swiftPower: power.total, tolerance: tolerance)
                } else if batch.exitStatus != 0 || !batch.errorLines.isEmpty {
                    throw ValidationError("ngspice -b failed on \(outURL.path) (exit status \(batch.exitStatus)): \(batch.errorLines.prefix(3).joined(separator: "; "))")
                }
                if let waveforms, analysis == "tran", let time = waveforms.vector("time") {
                    let trajectory = free.compactMap { waveforms.vector($0) }
                    if trajectory.count == free.count {
                        settling = circuit.settling(time: time, trajectory: trajectory, fixedPoint: fixedPoint,
                                                    conditions: result.conditions, band: band)
                    }
                }
            }
            if json {
                print(try JSONOutput.line(Summary(
                    path: outURL.path, architecture: network.architecture, preset: preset.name, phase: phase, form: form,
                    elements: result.netlist.elementCounts, nodes: result.netlist.nodes.count,
                    freeNodes: result.swiftVoltages.count, swiftVoltages: result.swiftVoltages,
                    swiftSweeps: result.solverStatistics.iterations,
                    nodeset: request.options.startState.map { Dictionary(uniqueKeysWithValues: zip(free, $0)) },
                    analysis: analysis, predictedClass: circuit.predictedClass(voltages: result.swiftVoltages),
                    staticPowerWatts: power.total, sourcePower: power, settling: settling, raw: rawURL?.path,
                    verification: verification)))
            } else {
                let counts = result.netlist.elementCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                if !existing { print("wrote \(outURL.path): \(counts); \(result.netlist.nodes.count) nodes; \(analysis) analysis; run it with: ngspice -b \(outURL.path)") }
                print(String(format: "static power per inference (Swift solver's fixed point): %.6g W; predicted class %@", power.total,
                             circuit.predictedClass(voltages: result.swiftVoltages).map(String.init) ?? "-"))
                if let settling {
                    print(String(format: "transient: settled within %.0f mV after %@, energy until settled %@ (initial error %.3g V)", 1000 * band,
                                 settling.seconds.map { String(format: "%.4g s", $0) } ?? "not within the window",
                                 settling.joules.map { String(format: "%.4g J", $0) } ?? "-", settling.initialError))
                }
                if let rawURL { print("wrote \(rawURL.path): ngspice's \(analysis) waveforms (ASCII raw)") }
                if let v = verification {
                    print(String(format: "verify: largest |V_ngspice - V_swift| = %.3g V over %d nodes (tolerance %.3g V); predicted class ngspice %@, Swift %@; static power ngspice %@, Swift %.6g W",
                                 v.maxAbsDifferenceVolts, v.nodes, v.toleranceVolts,
                                 v.predictedClassNgspice.map(String.init) ?? "-", v.predictedClassSwift.map(String.init) ?? "-",
                                 v.staticPowerWattsNgspice.map { String(format: "%.6g W", $0) } ?? "-", v.staticPowerWattsSwift))
                    print(v.passed ? "verify: PASSED" : "verify: FAILED: " + v.problems.joined(separator: "; "))
                }
            }
            if let v = verification, !v.passed {
                if json { FileHandle.standardError.write(Data(("verify: FAILED: " + v.problems.joined(separator: "; ") + "\n").utf8)) }
                throw ExitCode(1)
            }
        }
    }
}

extension EqPropCommand.Netlist {
    /// Runs `deck` with `ngspice -b` in a fresh folder (next to `raw`, so that the waveforms
    /// are renamed into place whole, or in the temporary folder), and returns what it printed
    /// and, with `raw`, the waveforms it wrote (then at `raw`).
    func runInNgspice(deck: String, request: DeckRequest, raw: URL?) throws -> (NgspiceBatch, SpiceRawFile?) {
        let base = raw?.deletingLastPathComponent() ?? FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent(".eqprop-ngspice-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = deck
        let rawName = "waveforms.raw"
        if raw != nil {
            // The same deck with `set filetype=ascii` + `write waveforms.raw` after the analysis.
            var options = request.options
            options.rawFile = rawName
            var withRaw = request
            withRaw.options = options
            do { text = try withRaw.build().deck } catch let e as CircuitError { throw ValidationError(e.description) }
        }
        let deckURL = dir.appendingPathComponent("deck.cir")
        try text.write(to: deckURL, atomically: false, encoding: .utf8)
        let batch: NgspiceBatch
        do { batch = try NgspiceBatch.run(deck: deckURL, in: dir) } catch let e as NgspiceError { throw ValidationError(e.description) }
        guard let raw else { return (batch, nil) }
        let produced = dir.appendingPathComponent(rawName)
        guard batch.exitStatus == 0, FileManager.default.fileExists(atPath: produced.path) else {
            throw ValidationError("--raw: ngspice wrote no waveforms (exit status \(batch.exitStatus)): \(batch.errorLines.prefix(3).joined(separator: "; "))")
        }
        let waveforms = try SpiceRawFile(ascii: String(contentsOf: produced, encoding: .utf8))
        guard rename(produced.path, raw.path) == 0 else {
            throw ValidationError("--raw \(raw.path): \(String(cString: strerror(errno)))")
        }
        return (batch, waveforms)
    }
}

/// A file an output will be written to: its folder must exist and take a new file (tried
/// with a probe file, which also catches read-only file systems when running as root).
func writableFileLocation(_ path: String, flag: String) throws -> URL {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("\(flag) \(path): the folder \(dir.path) does not exist")
    }
    var existingIsDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: url.path, isDirectory: &existingIsDirectory), existingIsDirectory.boolValue {
        throw ValidationError("\(flag) \(path) is a folder, not a file")
    }
    let probe = dir.appendingPathComponent(".eqprop-probe-\(getpid())")
    let fd = open(probe.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else {
        throw ValidationError("\(flag) \(path): cannot write in \(dir.path) (\(String(cString: strerror(errno))))")
    }
    close(fd)
    unlink(probe.path)
    return url
}
