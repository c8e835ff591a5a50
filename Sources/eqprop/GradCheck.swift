import ArgumentParser
import Circuit
import CoSimulation
import Datasets
import EqProp
import Foundation
import Gradients
import Numerics
import Reporting

extension EqPropCommand {
    struct GradCheck: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gradcheck",
            abstract: "Compare EqProp, recurrent backpropagation and finite differences, per layer.",
            discussion: """
            For a seeded network and one input sample: the gradient of J(θ) = C(s⁰_θ) at the free fixed
            point by implicit RBP (the adjoint system on the active units), by the iterative RBP process,
            by EqProp (one-sided and centered) for --beta and for the --betas sweep (the fitted order of
            the EqProp bias in β: ≈1 one-sided, ≈2 centered), and by central finite differences on
            --fd-samples entries per tensor; and the temporal-derivative theorem (Scellier & Bengio 2019,
            Th. 3): the nudged phase's scaled velocity against the RBP error derivatives over time.
            β is dimensionless for Hopfield networks and in units of G_u = 100 µS for circuits. The
            seeded Hopfield network has half-scale Xavier weights and biases of 0.5, so that most units
            sit inside (0, 1) (clipped outputs would make J flat).
            All in double precision.
            """)

        @Option(help: "hopfield or resistive (a seeded network).")
        var model: String = "hopfield"
        @Option(help: "Layer sizes of a seeded network, e.g. 784,500,10.")
        var layers: String?
        @Option(name: .customLong("run"), help: "A training run folder: check its trained network (model, architecture, preset and units from the run) instead of a seeded one.")
        var runPath: String?
        @Option(help: "Resistive: hardware preset of a seeded network.")
        var hardware: String = "ideal"
        @Option(help: "Resistive: ideal or shockley diodes (default: the preset's).")
        var diodeModel: CircuitSolver.DiodeModel?
        @Option(help: "Seed of the network (and of random inputs).")
        var seed: UInt64 = 1
        @Option(help: "Nudging strength β of the per-layer comparison.")
        var beta: Double = 1e-3
        @Option(help: "β values of the order fit (default: 0.01,0.005,0.002,0.001 for Hopfield; 4,2,1,0.5 for circuits).")
        var betas: String?
        @Option(help: "Finite-difference samples per parameter tensor.")
        var fdSamples: Int = 12
        @Option(help: "Finite-difference step relative to the parameter (central differences: truncation O(h²), rounding O(ε/h)).")
        var fdStep: Double = 1e-4
        @Option(help: "Test sample used as the input.")
        var sample: Int = 0
        @OptionGroup var data: DataOptions
        @Flag(help: "Skip the temporal-derivative check.")
        var noTemporal = false
        @Option(help: "β of the temporal-derivative check.")
        var temporalBeta: Double = 1e-5
        @Flag(help: "Print one JSON line.")
        var json = false

        struct Output: Encodable {
            var model: String
            var layers: [Int]
            var check: GradientCheck.Report
            var temporal: TemporalDerivative.Report?
            func encode(to encoder: Encoder) throws {
                // Flatten the report's fields next to model/layers for the JSON contract.
                try check.encode(to: encoder)
                var c = encoder.container(keyedBy: Keys.self)
                try c.encode(model, forKey: .model)
                try c.encode(layers, forKey: .layers)
                if let temporal {
                    try c.encode(temporal, forKey: .temporal)
                    try c.encode(temporal.maxRelativeDifference, forKey: .temporalMax)
                }
            }
            enum Keys: String, CodingKey { case model, layers, temporal, temporalMax = "temporal_max_relative_difference" }
        }

        func validate() throws {
            guard model == "hopfield" || model == "resistive" else { throw ValidationError("--model must be hopfield or resistive (got \(model))") }
            guard beta.isFinite && beta > 0 else { throw ValidationError("--beta must be positive and finite (got \(beta))") }
            guard temporalBeta.isFinite && temporalBeta > 0 else { throw ValidationError("--temporal-beta must be positive and finite") }
            try FlagChecks.sampleIndex(sample)
            guard fdSamples >= 1 else {
                throw ValidationError("--fd-samples must be ≥ 1 (got \(fdSamples)): with none, no entry is checked by finite differences, "
                                      + "and a check not run is not a pass")
            }
            guard fdStep.isFinite && fdStep > 0 else { throw ValidationError("--fd-step must be positive and finite") }
        }

        /// The network under test: seeded, or the trained one of a run.
        enum Subject {
            case hopfield(LayeredHopfieldNetwork)
            /// With the target voltage of the correct class (V) and the conductance unit G_u (S).
            case resistive(ResistiveNetwork, HardwarePreset, targetVolts: Double, unit: Double)
        }

        func subject() throws -> Subject {
            if let runPath {
                guard layers == nil else { throw ValidationError("--run checks the run's own network: leave out --layers") }
                let folder = RunFolder(URL(fileURLWithPath: runPath))
                guard folder.hasCheckpoint else { throw ValidationError("--run: no checkpoint.safetensors in \(folder.url.path)") }
                let saved = try folder.readCheckpoint()
                if saved.model == "resistive" {
                    let run = try TrainedResistiveRun(folder: folder, checkpoint: saved)
                    return .resistive(run.network, run.preset, targetVolts: run.config.targetVolts(inputGain: run.preset.inputGain),
                                      unit: run.config.conductanceUnit)
                }
                let config = try HopfieldTrainingConfig.decode(saved.config, path: folder.checkpoint.path)
                return .hopfield(try LayeredHopfieldNetwork(from: saved.file, prefix: "theta", layerSizes: config.layerSizes,
                                                            path: folder.checkpoint.path))
            }
            guard let layers else { throw ValidationError("give --layers A,B,C for a seeded network or --run DIR for a trained one") }
            let arch = try FlagChecks.layers(layers)
            var rng = SeededGenerator(seed: seed)
            if model == "hopfield" {
                // Half-scale Xavier weights and biases of 0.5 keep most units inside (0, 1): a
                // gradient check needs a point where J is not flat (clipped outputs have no
                // gradient) and away from the clipping kinks.
                var network = LayeredHopfieldNetwork(layerSizes: arch, rng: &rng)
                for l in 0..<network.depth {
                    network.weights[l].elements = network.weights[l].elements.map { $0 * 0.5 }
                    network.biases[l] = network.biases[l].map { _ in 0.5 }
                }
                return .hopfield(network)
            }
            let preset = try HardwarePreset.load(hardware)
            let network = ResistiveNetwork(architecture: arch, preset: preset,
                                           conductanceScale: ResistiveNetwork.defaultConductanceScale, rng: &rng)
            return .resistive(network, preset, targetVolts: preset.inputGain / 100, unit: ResistiveNetwork.defaultConductanceScale)
        }

        func run() throws {
            let subject = try subject()
            let arch: [Int]
            switch subject {
            case .hopfield(let network): arch = network.layerSizes
            case .resistive(let network, _, _, _): arch = network.architecture
            }
            let input = try data.inputSamples(first: sample, count: 1, pixels: arch[0], classes: arch.last!, seed: seed, flag: "--sample")
            let (pixels, label) = (input.pixels.row(0), input.labels[0])
            let output: Output
            switch subject {
            case .hopfield(let network):
                let sweep = try sweepValues(default: "0.01,0.005,0.002,0.001")
                let target = (0..<arch.last!).map { $0 == label ? 1.0 : 0.0 }
                let energy = HopfieldEnergyModel(network: network, input: pixels, target: target)
                output = try check(energy, model: "hopfield", arch: arch, sweep: sweep, floor: 1e-2)
            case let .resistive(network, preset, targetVolts, unit):
                let sweep = try sweepValues(default: "4,2,1,0.5")
                do { try network.validate(against: preset) } catch { throw ValidationError("\(error)") }
                let circuit = ResistiveCircuit(network: network, preset: preset)
                let target = (0..<arch.last!).map { $0 == label ? targetVolts : 0 }
                let energy = try ResistiveEnergyModel(circuit: circuit, diodeModel: diodeModel ?? CircuitSolver.trainingModel(for: preset),
                                                      pixels: pixels, target: target)
                output = try check(energy, model: "resistive", arch: arch, sweep: sweep, unit: unit, floor: preset.conductanceMin)
            }
            if json {
                print(try JSONOutput.line(output))
            } else {
                let r = output.check
                for l in r.layers {
                    if l.flat {
                        print("layer \(l.layer) (\(l.parameters) parameters): no gradient at this point (every unit it drives is clamped or clipped)")
                        continue
                    }
                    print(String(format: "layer %d (%d parameters): centered EqProp vs RBP cos %.8f, rel %.2e; one-sided rel %.2e; iterative RBP rel %.2e; RBP vs finite differences rel %.2e (%d samples)",
                                 l.layer, l.parameters, l.cosineCenteredRBP, l.relErrorCenteredRBP, l.relErrorOneSidedRBP,
                                 l.relErrorIterativeRBP, l.relErrorRBPFiniteDiff, l.finiteDifferenceSamples))
                }
                func order(_ o: Double?) -> String { o.map { String(format: "%.2f", $0) } ?? "n/a (at the numerical floor)" }
                print("fitted order of the EqProp bias in β: one-sided \(order(r.orderOneSided)), centered \(order(r.orderCentered)); "
                      + "\(r.activeUnits) of \(r.units) units active; kink margin \(String(format: "%.2e", r.kinkMargin))")
                if let t = output.temporal {
                    print(String(format: "temporal-derivative theorem: max relative difference %.2e over %d times (β = %.0e)",
                                 t.maxRelativeDifference, t.times.count, t.beta))
                }
            }
        }

        /// `sweep` and `beta` in units of `unit` (1 for Hopfield networks, G_u for circuits).
        func check<M: EnergyModel>(_ energy: M, model: String, arch: [Int], sweep: [Double], unit: Double = 1, floor: Double) throws -> Output {
            do {
                let report = try GradientCheck.run(energy, beta: beta * unit, betas: sweep.map { $0 * unit }, samplesPerTensor: fdSamples,
                                                   relativeStep: fdStep, absoluteStepFloor: floor, seed: seed)
                let temporal = noTemporal ? nil : try TemporalDerivative.check(energy, beta: temporalBeta * unit)
                return Output(model: model, layers: arch, check: report, temporal: temporal)
            } catch let e as GradientError {
                throw ValidationError(e.description)
            }
        }

        func sweepValues(default values: String) throws -> [Double] {
            let sweep = try parseList(betas ?? values, flag: "--betas", as: Double.self)
            guard sweep.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw ValidationError("--betas must be positive and finite") }
            return sweep
        }
    }
}
