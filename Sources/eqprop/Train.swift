import ArgumentParser
import CoSimulation
import Datasets
import EqProp
import Foundation
import Reporting

extension EqPropCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a network with (Initialized) Equilibrium Propagation.",
            discussion: """
            Presets: paper-small (784-500-10) and paper-large (784-500-500-500-10), the layered Hopfield networks of \
            O'Connor et al. 2019; drn-xs (784-100-10), drn-1h (784-1024-10), drn-2h, drn-3h and drn-xl, deep resistive \
            networks (each pixel drives a source and its inverted copy) relaxed by the Swift solver or by ngspice \
            (--solver). Every hyperparameter can be overridden; for resistive networks β, λ and the learning rates are \
            in the reference units described in the README. The run folder (--out) receives config.json, \
            metrics.jsonl, checkpoint.safetensors (after every epoch, atomically) and learning-curve.svg; --resume \
            continues it.
            """)

        @Option(help: "Preset: paper-small, paper-large, drn-xs, drn-1h, drn-2h, drn-3h or drn-xl.")
        var preset: String = "paper-small"
        @Option(help: "hopfield or resistive (default: from the preset).")
        var model: NetworkModel?
        @OptionGroup(title: "Hyperparameters") var hyper: HyperparameterFlags
        @OptionGroup(title: "Deep resistive networks") var circuit: CircuitTrainingFlags
        @OptionGroup var data: DataOptions
        @Option(help: "Run folder (default: runs/<preset>-seed<S>, for circuits runs/<preset>-<solver>-seed<S>; -2, -3, … appended when that holds a run).")
        var out: String?
        @Flag(help: "Continue the run in --out from its last checkpoint.")
        var resume = false
        @Flag(help: "Print the result as one JSON line on standard output.")
        var json = false
        @Flag(help: "No progress line on standard error.")
        var quiet = false
        @Flag(help: "Print the configuration the flags and the preset resolve to (as config.json would hold it) and exit without training.")
        var showConfig = false

        /// From --model, else from a resumed checkpoint, else from the preset's name.
        var isResistive: Bool {
            if let model { return model == .resistive }
            if resume, let saved = try? RunFolder(URL(fileURLWithPath: out ?? "")).readCheckpoint() { return saved.model == "resistive" }
            return preset.hasPrefix("drn")
        }

        func run() throws {
            let (o, r) = (try hyper.overrides(), circuit.overrides)
            let resistive = isResistive
            if !resistive, !r.flagsSet.isEmpty {
                throw ValidationError("\(r.flagsSet.joined(separator: ", ")) \(r.flagsSet.count == 1 ? "applies" : "apply") to deep resistive "
                                      + "networks (--preset drn-…, --model resistive), not to the Hopfield network of this run")
            }
            if showConfig {
                guard !resume else { throw ValidationError("--show-config shows a new run's configuration; a run's own is its config.json") }
                print(try resistive ? JSONOutput.pretty(ResistiveRunPlan.fresh(preset: preset, o, r).config)
                                    : JSONOutput.pretty(HopfieldTrainingConfig.resolved(preset: preset, o)))
                return
            }
            let changed = (model != nil ? ["--model"] : []) + r.flagsSet.filter { !ResistiveOverrides.runtimeFlags.contains($0) } + o.flagsSet
            if resume, !changed.isEmpty {
                throw ValidationError("--resume continues the saved configuration; \(changed.joined(separator: ", ")) cannot be changed "
                                      + "(only --epochs, --solver, --workers, --crosscheck-every and --worker-timeout)")
            }
            let command = (["eqprop"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            let (folder, lock) = try RunFolder.choose(out: out, stem: resistive ? "\(preset)-\((r.solver ?? .swift).rawValue)" : preset,
                                                      seed: hyper.seed ?? 1, resume: resume, command: command) { printError("note: " + $0) }
            if !resume { try TrainingSession.checkFresh(folder) }
            var session: TrainingSession!
            func load() throws -> Dataset {
                let (dataset, record, dataNote) = try data.load(forRunIn: folder, resume: resume)
                if let dataNote { printError("note: " + dataNote) }
                session = TrainingSession(folder: folder, lock: lock, command: command, dataRecord: record)
                session.showProgress = !quiet
                session.notify = printError
                return dataset
            }
            if resistive {
                let plan = resume ? try ResistiveRunPlan.resume(folder, epochs: o.epochs, r) : try ResistiveRunPlan.fresh(preset: preset, o, r)
                let dataset = try load()
                let trainer = try plan.trainer(workerExecutable: currentExecutable, workerTimeout: r.workerTimeout)
                trainer.log = { printError("warning: " + $0) }
                (session.epochsDone, session.files) = (plan.epochsDone, try plan.files(in: folder))
                session.curveNote = plan.curveNote(dataset: dataset.name.rawValue, trainSamples: dataset.train.count, testSamples: dataset.test.count)
                report(try session.run(trainer, epochs: plan.config.epochs, on: dataset), analogFirst: true)
            } else {
                let (trainer, done) = resume ? try HopfieldTrainer.resume(folder, epochs: o.epochs)
                                             : (try HopfieldTrainer(config: .resolved(preset: preset, o)), 0)
                let dataset = try load()
                session.epochsDone = done
                session.curveNote = trainer.curveNote(dataset: dataset.name.rawValue, trainSamples: dataset.train.count, testSamples: dataset.test.count)
                report(try session.run(trainer, epochs: trainer.config.epochs, on: dataset), analogFirst: false)
            }
        }

        /// One JSON line with --json, else a sentence.
        func report(_ result: TrainingRunResult, analogFirst: Bool) {
            if json, let line = try? JSONOutput.line(result) { print(line); return }
            let (ff, relaxed) = (100 * result.testErrorFeedforward, 100 * result.testErrorRelaxed)
            var text = analogFirst
                ? String(format: "after %d epochs: test error %.2f%% (analog circuit, relaxed), %.2f%% (digital feedforward network); %.0f samples/s",
                         result.epochs, relaxed, ff, result.trainSamplesPerSecond)
                : String(format: "after %d epochs: test error %.2f%% (feedforward, Alg. 2), %.2f%% (relaxed, Alg. 3); %.0f samples/s",
                         result.epochs, ff, relaxed, result.trainSamplesPerSecond)
            if let d = result.maxCrosscheckDiffVolts { text += String(format: "; largest ngspice−Swift difference %.2g V", d) }
            print(text + "; run folder \(result.runDirectory)")
        }
    }
}
