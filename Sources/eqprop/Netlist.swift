import ArgumentParser
import Circuit
import CoSimulation
import Datasets
import Foundation
import Ngspice
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

            --phase nudged adds EqProp's nudge toward --target-volts on the --label class's output: \
            currents β(y − V⁰), or a conductance β to a source at the target with --conductance-nudge. \
            --beta is β̂ in the reference units of `eqprop train` (units of G_u, the run's conductance unit \
            with --run, else the preset's conductance_unit_siemens, else 100 µS): the deck's β = β̂·G_u \
            in siemens, so β̂ = 1 is 100 µS on a preset without a conductance unit of its own.

            --verify runs the deck in ngspice (`$NGSPICE`, else the `ngspice` program on PATH) and compares it with the Swift solver: the \
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

        @Option(help: "free (inputs only) or nudged (with EqProp's nudge at the outputs).")
        var phase: DeckRequest.PhaseChoice = .free
        @Option(help: "Nudging strength β̂ in units of G_u, as `eqprop train --beta` (the deck's β = β̂·G_u S; see above).")
        var beta: Double = 1
        @Option(help: "Class to nudge toward (default: the sample's label).")
        var label: Int?
        @Option(help: "Target voltage of the correct class's output, V (default: input gain / \(Int(ReferenceUnits.targetRatio))).")
        var targetVolts: Double?
        @Flag(help: "Nudge by a conductance β to a source at the target instead of a fixed current β(y − V⁰).")
        var conductanceNudge = false

        @Flag(help: "With --run: no .nodeset (op) or .ic (tran) at the digital network's prediction: ngspice starts from its own guess (op) or 0 V (tran).")
        var noNodeset = false
        @Option(help: "full (one resistor per crossbar cell) or norton (input crossbar as its Norton equivalent).")
        var form: NetlistOptions.Form = .fullCrossbar
        @Option(help: "op (operating point) or tran (transient from .ic with the preset's node capacitances, then op).")
        var analysis: DeckRequest.AnalysisChoice = .op
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

        func run() throws {
            let (network, preset, run) = try self.network.load(defaultHardware: "ideal")
            if noNodeset && run == nil { throw ValidationError("--no-nodeset applies to decks of a run (--run)") }
            let rawURL = try checkPaths()
            guard tolerance.isFinite && tolerance > 0 else { throw ValidationError("--tolerance must be a positive number of volts (got \(tolerance))") }
            guard band.isFinite && band > 0 else { throw ValidationError("--band must be a positive number of volts (got \(band))") }
            let (input, source) = try input(inputs: network.inputs)
            var job = NetlistJob(network: network, preset: preset, trainingRun: run, input: input, inputSource: source, out: URL(fileURLWithPath: out))
            (job.phase, job.beta, job.label, job.targetVolts, job.conductanceNudge) = (phase, beta, label, targetVolts, conductanceNudge)
            (job.nodeset, job.form, job.analysis, job.svg, job.raw) = (!noNodeset, form, analysis, svg.map(URL.init(fileURLWithPath:)), rawURL)
            (job.verify, job.existing, job.tolerance, job.band) = (verify, existing, tolerance, band)
            let report: NetlistJob.Report
            do { report = try job.run() } catch let e as CircuitError { throw ValidationError(e.description) } catch let e as NgspiceError {
                throw ValidationError(e.description)
            }
            if json { print(try JSONOutput.line(report)) } else { printText(report) }
            if let v = report.verification, !v.passed {
                if json { FileHandle.standardError.write(Data(("verify: FAILED: " + v.problems.joined(separator: "; ") + "\n").utf8)) }
                throw ExitCode(1)
            }
        }
    }
}
