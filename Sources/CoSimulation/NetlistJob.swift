import Circuit
import Foundation
import Numerics
import Reporting

/// `eqprop netlist` as one call: the SPICE deck of a deep resistive network for one input
/// (free or nudged phase), written with an optional SVG schematic, optionally run in
/// `ngspice -b` (`--verify`, `--raw`) and compared with the Swift solver (`NetlistJob+Ngspice`).
///
/// Refusals (an input that does not fit the network, a β out of range…) are `CircuitError`s
/// whose message names the flag; ngspice failures are `CircuitError`s or `NgspiceError`s.
public struct NetlistJob {
    /// What drives the input sources.
    public enum Input: Sendable {
        /// Pixel values in [0, 1], one per network input (sources at ±g·x); the sample's class
        /// when known (the nudge's default label).
        case pixels([Double], label: Int?)
        /// The 2·n₀ input source voltages (x⁺ values then x⁻ values), V.
        case voltages([Double])
    }

    public var network: ResistiveNetwork
    public var preset: HardwarePreset
    /// The training run the network comes from (`--run`): its G_u, and its digital network's
    /// prediction s^f as `.nodeset`/`.ic`.
    public var trainingRun: TrainedResistiveRun?
    public var input: Input
    /// Where the input came from, for the deck's header (e.g. "explicit pixels").
    public var inputSource: String
    public var phase: DeckRequest.PhaseChoice = .free
    /// β̂: the nudging strength in units of G_u (`ReferenceUnits`), as `eqprop train` takes it;
    /// the deck's β is `ReferenceUnits.siemens(beta, conductanceUnit:)`.
    public var beta: Double = 1
    /// The class to nudge toward (default: the sample's label).
    public var label: Int?
    /// Target voltage of the correct class's output, V (default: `preset.defaultTargetVolts`).
    public var targetVolts: Double?
    /// A conductance β to a source at the target instead of fixed currents β(y − V⁰).
    public var conductanceNudge = false
    /// With `run`: start ngspice at the digital network's prediction s^f.
    public var nodeset = true
    public var form: NetlistOptions.Form = .fullCrossbar
    public var analysis: DeckRequest.AnalysisChoice = .op
    /// The deck; with `existing`, the deck already there is run instead (`verify`).
    public var out: URL
    public var existing = false
    public var svg: URL?
    /// ngspice's waveforms (ASCII raw file).
    public var raw: URL?
    public var verify = false
    /// The largest |V_ngspice − V_swift| accepted by `verify`, V.
    public var tolerance = 1e-6
    /// Settling band of a transient's settling time and energy, V.
    public var band = 1e-3

    public init(network: ResistiveNetwork, preset: HardwarePreset, trainingRun: TrainedResistiveRun?, input: Input,
                inputSource: String, out: URL) {
        (self.network, self.preset, self.trainingRun, self.input, self.inputSource, self.out) = (network, preset, trainingRun, input, inputSource, out)
    }

    /// G_u of this deck's β̂, S.
    public var conductanceUnit: Double { ReferenceUnits.conductanceUnit(of: preset, run: trainingRun) }

    /// Writes the deck (unless `existing`) and the schematic, runs ngspice when asked, and
    /// reports what was written and measured. A failed verification is reported, not thrown.
    public func run() throws -> Report {
        var request = try self.request()
        let result = try request.build()
        // Both files or neither: the schematic is drawn before either is written.
        let schematic = svg.map { ($0, request.circuit.schematicSVG()) }
        if !existing { try AtomicFile.write(result.deck, to: out) }
        if let schematic { try AtomicFile.write(schematic.1, to: schematic.0) }
        let circuit = request.circuit
        let free = circuit.names.freeNodes
        let fixedPoint = free.map { result.swiftVoltages[$0]! }
        let power = circuit.sourcePower(result.conditions, state: fixedPoint)
        let (verification, settling) = try runInNgspice(request: &request, result: result, fixedPoint: fixedPoint, power: power)
        return Report(
            path: out.path, architecture: network.architecture, preset: preset.name, phase: phase.rawValue, form: form.rawValue,
            elements: result.netlist.elementCounts, nodes: result.netlist.nodes.count, freeNodes: result.swiftVoltages.count,
            swiftVoltages: result.swiftVoltages, swiftSweeps: result.solverStatistics.iterations,
            nodeset: request.options.startState.map { Dictionary(uniqueKeysWithValues: zip(free, $0)) },
            analysis: analysis.rawValue, predictedClass: circuit.predictedClass(voltages: result.swiftVoltages),
            staticPowerWatts: power.total, sourcePower: power, settling: settling, raw: raw?.path,
            verification: verification, wroteDeck: !existing, band: band)
    }

    /// The deck's request: input sources, start state, phase, analysis, form and header.
    func request() throws -> DeckRequest {
        let limit = Int(HardwarePreset.maxVolts)
        if analysis == .tran && !(preset.nodeCapacitance > 0) {
            throw CircuitError("--analysis tran needs node capacitances: preset '\(preset.name)' has node_capacitance_farads = \(preset.nodeCapacitance) (use a preset with node_capacitance_farads > 0, or --analysis op)")
        }
        let voltages: [Double]
        var pixels: [Double]?, sampleLabel: Int?
        switch input {
        case let .pixels(x, label):
            guard x.count == network.inputs else { throw CircuitError("--pixels holds \(x.count) values, the network has \(network.inputs) inputs") }
            if let bad = x.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
                throw CircuitError("--pixels: value \(x[bad]) at position \(bad) is outside [0, 1]")
            }
            (pixels, sampleLabel) = (x, label)
            voltages = CircuitConditions.inputVoltages(pixels: x, gain: preset.inputGain)
        case let .voltages(v):
            guard v.count == 2 * network.inputs else {
                throw CircuitError("--input-volts holds \(v.count) values, the network has \(2 * network.inputs) input sources")
            }
            if let bad = v.firstIndex(where: { !($0.isFinite && abs($0) <= HardwarePreset.maxVolts) }) {
                throw CircuitError("--input-volts: value \(v[bad]) at position \(bad) is outside [-\(limit), \(limit)] V")
            }
            voltages = v
        }
        var request = DeckRequest(circuit: ResistiveCircuit(network: network, preset: preset), inputVoltages: voltages)
        if let run = trainingRun, nodeset {
            guard let x = pixels else {
                throw CircuitError("--input-volts gives no pixels for the digital network's .nodeset: use --sample or --pixels, or pass --no-nodeset")
            }
            let prediction = try run.swiftTrainer().predictedState(FloatMatrix(rows: 1, columns: x.count, elements: x.map { Float($0) }))
            request.options.startState = prediction.flatMap(\.elements)
        }
        let betaSiemens = ReferenceUnits.siemens(beta, conductanceUnit: conductanceUnit)
        if phase == .nudged {
            guard beta.isFinite && beta != 0 && abs(betaSiemens) <= Self.maxBetaSiemens else {
                throw CircuitError(String(format: "--beta must be non-zero and within [-%g, %g] (units of G_u = %g S: at most %g S) (got %@)",
                                          Self.maxBetaSiemens / conductanceUnit, Self.maxBetaSiemens / conductanceUnit, conductanceUnit,
                                          Self.maxBetaSiemens, "\(beta)"))
            }
            if let v = targetVolts, !(v.isFinite && abs(v) <= HardwarePreset.maxVolts) {
                throw CircuitError("--target-volts must be within [-\(limit), \(limit)] V (got \(v))")
            }
            guard let y = label ?? sampleLabel else { throw CircuitError("--phase nudged needs --label (or a --sample)") }
            request.phase = .nudged(beta: betaSiemens, label: y, targetVolts: targetVolts ?? preset.defaultTargetVolts,
                                    asConductance: conductanceNudge)
        }
        if analysis == .tran { request.options.analysis = request.circuit.settlingTransient() }
        request.options.form = form
        request.options.description = [
            "input: \(inputSource); phase: \(phase.rawValue)" + (phase == .nudged ? " (beta \(SpiceNumber.format(betaSiemens)) S)" : ""),
            network.presetName == preset.name || network.presetName.isEmpty ? "" : "network trained for preset '\(network.presetName)'",
            trainingRun.map { "network: run \($0.folder.url.lastPathComponent) after \($0.epochs) epochs" } ?? "",
            request.options.startState == nil ? "" : (analysis == .tran ? ".ic" : ".nodeset") + ": the run's digital network's prediction s^f of every free node",
            "run: ngspice -b \(out.lastPathComponent)",
        ].filter { !$0.isEmpty }
        return request
    }

    /// The largest nudge conductance a deck takes, S.
    public static let maxBetaSiemens = 1.0
}
