import ArgumentParser
import Circuit
import CoSimulation
import EqProp
import Foundation
import Gradients
import Reporting

extension EqPropCommand {
    struct GradCheck: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gradcheck",
            abstract: "Compare EqProp, recurrent backpropagation and finite differences, per layer.",
            discussion: """
            For a seeded network and one input sample: the gradient of J(θ) = C(s⁰_θ) at the free fixed \
            point by implicit RBP (the adjoint system on the active units), by the iterative RBP process, \
            by EqProp (one-sided and centered) for --beta and for the --betas sweep (the fitted order of \
            the EqProp bias in β: ≈1 one-sided, ≈2 centered), and by central finite differences on \
            --fd-samples entries per tensor; and the temporal-derivative theorem (Scellier & Bengio 2019, \
            Th. 3): the nudged phase's scaled velocity against the RBP error derivatives over time.

            β is dimensionless for Hopfield networks and in units of G_u for circuits (as `eqprop train \
            --beta`: 100 µS for a seeded circuit, the run's G_u with --run). The seeded Hopfield network \
            has half-scale Xavier weights and biases of 0.5, so that most units sit inside (0, 1) \
            (clipped outputs would make J flat). Circuits on a wire mesh and with amplifiers are \
            checked exactly (the mesh's port admittance and each device's own voltage; the co-content \
            weighted by A^{2(L−l)}); the first-order wire model is refused. All in double precision.
            """)

        @Option(help: "The network of a seeded check.")
        var model: NetworkModel = .hopfield
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
        @Option(help: "Nudging strength β of the per-layer comparison (circuits: in units of G_u, as `eqprop train --beta`).")
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
        @Option(help: "β of the temporal-derivative check (circuits: in units of G_u).")
        var temporalBeta: Double = 1e-5
        @Flag(help: "No progress line on standard error.")
        var quiet = false
        @Flag(help: "Print one JSON line.")
        var json = false

        func validate() throws {
            guard beta.isFinite && beta > 0 else { throw ValidationError("--beta must be positive and finite (got \(beta))") }
            guard temporalBeta.isFinite && temporalBeta > 0 else { throw ValidationError("--temporal-beta must be positive and finite") }
            try FlagChecks.sampleIndex(sample)
            guard fdSamples >= 1 else {
                throw ValidationError("--fd-samples must be ≥ 1 (got \(fdSamples)): with none, no entry is checked by finite differences, "
                                      + "and a check not run is not a pass")
            }
            guard fdStep.isFinite && fdStep > 0 else { throw ValidationError("--fd-step must be positive and finite") }
        }

        func run() throws {
            let subject = try subject()
            let arch = subject.layerSizes
            let input = try data.inputSamples(first: sample, count: 1, pixels: arch[0], classes: arch.last!, seed: seed, flag: "--sample")
            var settings = GradientCheck.Settings()
            settings.betas = try betas.map { text in
                let sweep = try parseList(text, flag: "--betas", as: Double.self)
                guard sweep.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw ValidationError("--betas must be positive and finite") }
                return sweep
            }
            (settings.beta, settings.samplesPerTensor, settings.relativeStep, settings.seed) = (beta, fdSamples, fdStep, seed)
            (settings.temporalBeta, settings.diodeModel) = (noTemporal ? nil : temporalBeta, diodeModel)
            let line = quiet ? nil : ProgressLine(label: "gradcheck", total: 1, unit: "fixed points")
            if let line {
                let shown = SendableProgress(line)
                settings.progress = { done, total in shown.line.update(done: done, total: total) }
            }
            let output: GradientCheck.Outcome
            do {
                output = try GradientCheck.run(subject, pixels: input.pixels.row(0), label: input.labels[0], settings: settings)
            } catch let e as GradientError {
                throw ValidationError(e.description)
            }
            line?.finish()
            if json { print(try JSONOutput.line(output)) } else { printText(output) }
        }
    }
}
