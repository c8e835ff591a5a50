import ArgumentParser
import CoSimulation
import Datasets
import EqProp
import Foundation
import MessagePassing
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

        /// From --model, else from a resumed checkpoint (read once per command), else from the preset's name.
        var isResistive: Bool {
            if let model { return model == .resistive }
            if resume, let saved = try? RunFolder(URL(fileURLWithPath: out ?? "")).readCheckpoint() { return saved.model == "resistive" }
            return preset.hasPrefix("drn")
        }

        func run() throws { try runJob(in: try Communicator.world()) }

        /// The trainer, its data and the session around them, ready to train into `folder`.
        /// `world`: the MPI job this process is a rank of; only rank 0 prints and writes.
        func prepare(_ world: Communicator?, folder: RunFolder, resistive isResistive: Bool) throws -> Job {
            let (o, r) = (try hyper.overrides(), try circuit.overrides())
            let writer = (world?.rank ?? 0) == 0
            if !resume { try TrainingSession.checkFresh(folder) }
            var session: TrainingSession!
            func load() throws -> Dataset {
                let (dataset, record, dataNote) = try data.load(forRunIn: folder, resume: resume)
                if let dataNote, writer { printError("note: " + dataNote) }
                session = TrainingSession(folder: folder, lock: nil, command: command, dataRecord: record)
                (session.showProgress, session.writesFolder) = (!quiet && writer, writer)
                session.notify = writer ? printError : { _ in }
                return dataset
            }
            if isResistive {
                let plan = resume ? try ResistiveRunPlan.resume(folder, epochs: o.epochs, r) : try ResistiveRunPlan.fresh(preset: preset, o, r)
                if resume { try checkResumeFlags(saved: plan.config, requested: plan.config.applying(o, r)) }
                let dataset = try load()
                let trainer = try plan.trainer(workerExecutable: currentExecutable, workerTimeout: r.workerTimeout, world: world)
                trainer.log = writer ? { printError("warning: " + $0) } : nil
                (session.epochsDone, session.files) = (plan.epochsDone, try plan.files(in: folder))
                session.curveNote = plan.curveNote(dataset: dataset.name.rawValue, trainSamples: dataset.train.count, testSamples: dataset.test.count)
                let resolved = [try ConfigurationJSON.encode(plan.config), try JSONOutput.pretty(session.dataRecord), "\(plan.epochsDone)"]
                return Job(session: session, resolved: resolved.joined(separator: "\n"), analogFirst: true) {
                    try $0.run(trainer, epochs: plan.config.epochs, on: dataset)
                }
            }
            guard world == nil else {
                throw ValidationError("data-parallel training under mpirun covers deep resistive networks (--preset drn-…); "
                                      + "train the layered Hopfield network in one process, without mpirun")
            }
            let (trainer, done) = resume ? try HopfieldTrainer.resume(folder, epochs: o.epochs)
                                         : (try HopfieldTrainer(config: .resolved(preset: preset, o)), 0)
            if resume { try checkResumeFlags(saved: trainer.config, requested: trainer.config.applying(o)) }
            let dataset = try load()
            session.epochsDone = done
            session.curveNote = trainer.curveNote(dataset: dataset.name.rawValue, trainSamples: dataset.train.count, testSamples: dataset.test.count)
            return Job(session: session, analogFirst: false) { try $0.run(trainer, epochs: trainer.config.epochs, on: dataset) }
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
