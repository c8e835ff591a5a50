import ArgumentParser
import Circuit
import CoSimulation
import Datasets
import EqProp
import Equilibrium
import Foundation
import Reporting

extension EqPropCommand {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a network with (Initialized) Equilibrium Propagation.",
            discussion: """
            Presets: paper-small (784-500-10) and paper-large (784-500-500-500-10), the layered
            Hopfield networks of O'Connor et al. 2019; drn-xs (784-100-10) and drn-1h
            (784-1024-10), deep resistive networks (each pixel drives a source and its inverted copy) relaxed by the Swift solver or by ngspice
            (--solver). Every hyperparameter can be overridden; for resistive networks β, λ and the
            learning rates are in the reference units described in the README.
            The run folder (--out) receives config.json, metrics.jsonl, checkpoint.safetensors
            (after every epoch, atomically) and learning-curve.svg; --resume continues it.
            """)

        @Option(help: "Preset: paper-small, paper-large, drn-xs or drn-1h.")
        var preset: String = "paper-small"

        @Option(help: "hopfield or resistive (default: from the preset).")
        var model: String?

        @Option(help: "Resistive: hardware preset (name in hardware/ or path).")
        var hardware: String?

        @Option(help: "Resistive: relax the circuit with swift or ngspice.")
        var solver: ResistiveTrainingConfig.Solver?

        @Option(help: "Resistive: ngspice worker processes.")
        var workers: Int?

        @Option(help: "Resistive with ngspice: compare with the Swift twin every N batches (0: never).")
        var crosscheckEvery: Int?

        @Option(help: ArgumentHelp(
            "Resistive with ngspice: seconds a worker may take for one job before it is killed and restarted and the job run again.",
            discussion: "Default: adaptive, max(10 × the median job time, twice the slowest recent job, 5 s); 120 s until a job has completed."))
        var workerTimeout: Double?

        @Option(help: "Resistive: nudge by current (β(y − V⁰)) or conductance.")
        var nudge: NudgeKind?

        @Option(help: "Resistive: Swift solver tolerance, V.")
        var tolerance: Double?

        @Option(help: "Resistive: multiply the learning rates by this after every epoch.")
        var lrDecay: Double?

        @Option(help: "Resistive: sweep limit of the Swift solver per phase (a phase that does not converge within it is skipped).")
        var maxSweeps: Int?

        @Option(help: "Resistive, Swift solver: ideal or shockley diodes (default: the preset's; shockley solves exactly the circuit ngspice simulates).")
        var diodeModel: CircuitSolver.DiodeModel?

        @Option(help: "Resistive: how updates are programmed into the cells: round, stochastic, pulsed or mixed-precision (default: the hardware preset's device.update_scheme; see hardware/README.md).")
        var updateScheme: UpdateScheme?

        @Option(help: "Resistive: another chip of the same hardware (seed of the device-to-device variation; default: the preset's device.chip_seed).")
        var chipSeed: UInt64?

        @OptionGroup var data: DataOptions

        @Option(help: "Run folder (default: runs/<preset>-seed<S>, for circuits runs/<preset>-<solver>-seed<S>; -2, -3, … appended when that holds a run).")
        var out: String?

        @Flag(help: "Continue the run in --out from its last checkpoint.")
        var resume = false

        @Option(help: "Epochs to train in total (including resumed ones).")
        var epochs: Int?

        @Option(help: "Random seed: weights, data order, β signs.")
        var seed: UInt64?

        @Option(help: "Layer sizes, e.g. 784,500,10.")
        var layers: String?

        @Option(help: "Minibatch size.")
        var batchSize: Int?

        @Option(help: "Nudging strength β.")
        var beta: Double?

        @Option(help: "β sign: positive, random or centered.")
        var betaSign: BetaSign?

        @Option(help: "Euler step ε.")
        var stepSize: Float?

        @Option(help: "T⁻: steps of the free phase.")
        var stepsFree: Int?

        @Option(help: "T⁺: steps of each nudged phase.")
        var stepsNudged: Int?

        @Option(help: "Learning rates of θ, one per layer, e.g. 0.1,0.05.")
        var learningRates: String?

        @Option(help: "Learning rates of the feedforward network φ (default: those of θ).")
        var ffLearningRates: String?

        @Option(help: "λ: tether strength toward the feedforward prediction (Eq. 10).")
        var lambda: Double?

        @Flag(help: "Plain EqProp: free phase from zero, λ = 0.")
        var noInit = false

        @Flag(help: "Print the result as one JSON line on standard output.")
        var json = false

        @Flag(help: "No progress line on standard error.")
        var quiet = false

        @Flag(help: "Print the configuration the flags and the preset resolve to (as config.json would hold it) and exit without training.")
        var showConfig = false

        func resolvedConfig() throws -> HopfieldTrainingConfig {
            guard var c = HopfieldTrainingConfig.presets[preset] else {
                throw ValidationError("--preset: unknown preset '\(preset)'; choose one of \(HopfieldTrainingConfig.presets.keys.sorted().joined(separator: ", "))")
            }
            if let layers {
                c.layerSizes = try FlagChecks.layers(layers)
                let depth = c.layerSizes.count - 1
                if c.learningRates.count != depth && learningRates == nil {
                    // Keep the preset's rates where they exist, repeat the last one for new layers.
                    c.learningRates = (0..<depth).map { c.learningRates[min($0, c.learningRates.count - 1)] }
                    c.feedforwardLearningRates = c.learningRates
                }
            }
            if let v = batchSize { c.batchSize = v }
            if let v = beta { c.beta = Float(v) }
            if let v = betaSign { c.betaSign = v }
            if let v = stepSize { c.stepSize = v }
            if let v = stepsFree { c.stepsFree = v }
            if let v = stepsNudged { c.stepsNudged = v }
            if let v = learningRates {
                c.learningRates = try parseList(v, flag: "--learning-rates")
                c.feedforwardLearningRates = c.learningRates
            }
            if let v = ffLearningRates { c.feedforwardLearningRates = try parseList(v, flag: "--ff-learning-rates") }
            if let v = lambda { c.lambda = Float(v) }
            if noInit { c.useInitialization = false; c.lambda = 0 }
            if let v = epochs { c.epochs = v }
            if let v = seed { c.seed = v }
            try c.validate()
            return c
        }

        /// From --model, else from a resumed checkpoint, else from the preset's name.
        var isResistive: Bool {
            if let model { return model == "resistive" }
            if resume, let saved = try? RunFolder(URL(fileURLWithPath: out ?? "")).readCheckpoint() {
                return saved.model == "resistive"
            }
            return preset.hasPrefix("drn")
        }

        func validate() throws {
            if let model, model != "hopfield" && model != "resistive" {
                throw ValidationError("--model must be hopfield or resistive (got \(model))")
            }
            if let out, out.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--out: empty path; give the run folder (it would otherwise be the current directory)")
            }
            if let t = workerTimeout, !(t.isFinite && t > 0 && t <= 86_400) {
                throw ValidationError("--worker-timeout must be in (0, 86400] seconds (got \(t))")
            }
        }

        /// Flags of deep resistive networks, refused on a Hopfield network (they would be ignored).
        func rejectResistiveFlags() throws {
            let given: [(String, Bool)] = [
                ("--hardware", hardware != nil), ("--solver", solver != nil), ("--workers", workers != nil),
                ("--crosscheck-every", crosscheckEvery != nil), ("--worker-timeout", workerTimeout != nil), ("--nudge", nudge != nil),
                ("--tolerance", tolerance != nil), ("--lr-decay", lrDecay != nil), ("--max-sweeps", maxSweeps != nil),
                ("--diode-model", diodeModel != nil), ("--update-scheme", updateScheme != nil), ("--chip-seed", chipSeed != nil),
            ]
            let used = given.filter(\.1).map(\.0)
            guard used.isEmpty else {
                throw ValidationError("\(used.joined(separator: ", ")) \(used.count == 1 ? "applies" : "apply") to deep resistive networks "
                                      + "(--preset drn-…, --model resistive), not to the Hopfield network of this run")
            }
        }

        func run() throws {
            if showConfig {
                guard !resume else { throw ValidationError("--show-config shows a new run's configuration; a run's own is its config.json") }
                if isResistive {
                    var config = try resolvedResistiveConfig()
                    config.adoptConductanceUnit(of: try HardwarePreset(contentsOf: try HardwarePreset.file(config.hardware)))
                    print(try JSONOutput.pretty(config))
                } else {
                    try rejectResistiveFlags()
                    print(try JSONOutput.pretty(try resolvedConfig()))
                }
                return
            }
            if isResistive { try runResistive(); return }
            try rejectResistiveFlags()
            let (folder, lock) = try lockedRunFolder(solver: nil)
            let trainer: HopfieldTrainer
            var epochsDone = 0
            var config: HopfieldTrainingConfig
            if resume {
                guard folder.hasCheckpoint else {
                    throw ValidationError("--resume: no checkpoint.safetensors in \(folder.url.path)")
                }
                let saved = try folder.readCheckpoint()
                guard saved.model == "hopfield" else {
                    throw ValidationError("--resume: \(folder.checkpoint.path) holds a '\(saved.model)' model, not a Hopfield network")
                }
                try rejectChangesOnResume()
                try folder.checkConfigNotEdited(checkpointConfig: saved.config, runtimeKeys: ["epochs"])
                config = try HopfieldTrainingConfig.decode(saved.config, path: folder.checkpoint.path)
                if let v = epochs { config.epochs = v }
                try config.validate()
                let network = try LayeredHopfieldNetwork(from: saved.file, prefix: "theta", layerSizes: config.layerSizes,
                                                         path: folder.checkpoint.path)
                let ff = try FeedforwardNetwork(from: saved.file, prefix: "phi", path: folder.checkpoint.path)
                trainer = try HopfieldTrainer(config: config, network: network, feedforward: ff)
                epochsDone = saved.epochs
            } else {
                if folder.hasCheckpoint {
                    throw ValidationError("--out \(folder.url.path) already holds a checkpoint: pass --resume to continue it, or choose another folder")
                }
                config = try resolvedConfig()
                trainer = try HopfieldTrainer(config: config)
            }
            let (dataset, record, dataNote) = try data.load(forRunIn: folder, resume: resume)
            if let dataNote { printError("note: " + dataNote) }
            try execute(trainer, folder: folder, epochsDone: epochsDone, epochs: config.epochs, dataset: dataset, record: record, lock: lock,
                        note: "\(config.preset) \(config.layerSizes.map(String.init).joined(separator: "-")), \(dataset.name.rawValue): "
                            + "\(dataset.train.count) train / \(dataset.test.count) test samples, β \(config.beta) \(config.betaSign.rawValue), "
                            + "T⁻ \(config.stepsFree), T⁺ \(config.stepsNudged), λ \(config.useInitialization ? config.lambda : 0), seed \(config.seed)") { result in
                String(format: "after %d epochs: test error %.2f%% (feedforward, Alg. 2), %.2f%% (relaxed, Alg. 3); %.0f samples/s; run folder %@",
                       result.epochs, 100 * result.testErrorFeedforward, 100 * result.testErrorRelaxed,
                       result.trainSamplesPerSecond, result.runDirectory)
            }
        }
    }
}

extension EqPropCommand.Train {
    /// The run folder's lock (see `RunFolderLock`), taken before anything is read from the
    /// folder when it exists already (a folder that does not exist yet is locked once it is
    /// created, in `execute`); a folder another run writes is refused naming that run.
    func lockIfPresent(_ folder: RunFolder) throws -> RunFolderLock? {
        isDirectory(folder) ? try lock(folder) : nil
    }

    func isDirectory(_ folder: RunFolder) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The folder's lock, or a message naming its holder.
    func lock(_ folder: RunFolder) throws -> RunFolderLock {
        do { return try takeLock(folder) } catch let e as RunFolderLock.LockError { throw ValidationError(e.description) }
    }

    /// The folder's lock (throws `RunFolderLock.LockError`), with a note when it was a dead run's.
    func takeLock(_ folder: RunFolder) throws -> RunFolderLock {
        let lock = try RunFolderLock(folder: folder, command: (["eqprop"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
        if let stale = lock.staleHolder {
            printError("note: \(folder.url.path) was last written by \(stale), which ended without finishing; this run takes it over")
        }
        return lock
    }

    /// --out, else `runs/<preset>[-<solver>]-seed<S>`, and the folder's lock when it exists
    /// already (see `lockIfPresent`). A fresh run without --out does not stop at an earlier run
    /// there, nor at a folder another run is writing, but takes the next free name
    /// (`…-seed<S>-2`, `-3`, …).
    func lockedRunFolder(solver: ResistiveTrainingConfig.Solver?) throws -> (RunFolder, RunFolderLock?) {
        if let out {
            let folder = RunFolder(URL(fileURLWithPath: out))
            return (folder, try lockIfPresent(folder))
        }
        let base = "runs/\(preset)\(solver.map { "-\($0.rawValue)" } ?? "")-seed\(seed ?? 1)"
        var k = 1
        while true {
            let folder = RunFolder(URL(fileURLWithPath: k == 1 ? base : "\(base)-\(k)"))
            if resume { return (folder, try lockIfPresent(folder)) }
            if !folder.hasCheckpoint {
                guard isDirectory(folder) else { return (folder, nil) }
                do { return (folder, try takeLock(folder)) } catch RunFolderLock.LockError.held {}  // another run's: the next name
            }
            k += 1
        }
    }

    /// A resumed run continues its saved configuration bit for bit: only --epochs and how it
    /// runs (--solver, --workers, --crosscheck-every) may change.
    func rejectChangesOnResume() throws {
        let given: [(String, Bool)] = [
            ("--model", model != nil), ("--hardware", hardware != nil), ("--nudge", nudge != nil), ("--tolerance", tolerance != nil),
            ("--lr-decay", lrDecay != nil), ("--max-sweeps", maxSweeps != nil), ("--diode-model", diodeModel != nil),
            ("--update-scheme", updateScheme != nil), ("--chip-seed", chipSeed != nil),
            ("--seed", seed != nil), ("--layers", layers != nil), ("--batch-size", batchSize != nil), ("--beta", beta != nil),
            ("--beta-sign", betaSign != nil), ("--step-size", stepSize != nil), ("--steps-free", stepsFree != nil),
            ("--steps-nudged", stepsNudged != nil), ("--learning-rates", learningRates != nil),
            ("--ff-learning-rates", ffLearningRates != nil), ("--lambda", lambda != nil), ("--no-init", noInit),
        ]
        let changed = given.filter(\.1).map(\.0)
        guard changed.isEmpty else {
            throw ValidationError("--resume continues the saved configuration; \(changed.joined(separator: ", ")) cannot be changed "
                                  + "(only --epochs, --solver, --workers and --crosscheck-every)")
        }
    }

    /// Once the data is known to fit: creates and locks the run folder (one writer at a time,
    /// see `RunFolderLock`), checks that it still holds what was read before the lock
    /// (`epochsDone` epochs), removes temporary files an interrupted run left, writes `files`
    /// and the data record `data.json`, trains to `epochs` and prints the result: one JSON line
    /// with --json, else `summary`.
    func execute<T: EpochTrainer>(_ trainer: T, folder: RunFolder, epochsDone: Int, epochs: Int, dataset: Dataset,
                                  record: RunDataSource, lock early: RunFolderLock?, files: [URL: Data] = [:], note: String,
                                  summary: (TrainingRunResult) -> String) throws {
        try trainer.checkFits(dataset.train)
        try AtomicFile.prepareDirectory(folder.url)
        let lock = try early ?? lock(folder)
        let epochsNow = folder.hasCheckpoint ? try folder.readCheckpoint().epochs : 0
        guard epochsNow == epochsDone else {
            throw ValidationError("--out \(folder.url.path) changed while this run started (it now holds \(epochsNow) epochs, not \(epochsDone)): "
                                  + (epochsDone == 0 ? "pass --resume to continue it, or choose another folder" : "start the resume again"))
        }
        let stale = folder.removeStaleTemporaryFiles()
        if !stale.isEmpty {
            printError("note: removed \(stale.count) temporary file\(stale.count == 1 ? "" : "s") an interrupted run left in \(folder.url.path): "
                       + stale.joined(separator: ", "))
        }
        let run = try TrainingRun(folder: folder, trainer: trainer, epochsDone: epochsDone, totalEpochs: epochs)
        for warning in run.warnings { printError("warning: " + warning) }
        for (url, data) in files { try AtomicFile.write(data, to: url) }
        try AtomicFile.write(JSONOutput.pretty(record), to: folder.dataSource)
        run.showProgress = !quiet
        run.curveNotes = [note]
        let result = try run.run(train: dataset.train, test: dataset.test)
        print(json ? try JSONOutput.line(result) : summary(result))
        lock.release()
    }
}

extension BetaSign: ExpressibleByArgument {}
extension ResistiveTrainingConfig.Solver: ExpressibleByArgument {}
extension NudgeKind: ExpressibleByArgument {}
extension CircuitSolver.DiodeModel: ExpressibleByArgument {}
extension UpdateScheme: ExpressibleByArgument {}

extension EqPropCommand.Train {
    func resolvedResistiveConfig() throws -> ResistiveTrainingConfig {
        let name = preset == "paper-small" && model == "resistive" ? "drn-xs" : preset
        guard var c = ResistiveTrainingConfig.presets[name] else {
            throw ValidationError("--preset: unknown resistive preset '\(preset)'; choose one of \(ResistiveTrainingConfig.presets.keys.sorted().joined(separator: ", "))")
        }
        if let layers {
            c.architecture = try FlagChecks.layers(layers)
            let depth = c.architecture.count - 1
            func extend<T>(_ a: [T]) -> [T] { (0..<depth).map { a[min($0, a.count - 1)] } }
            c.learningRates = extend(c.learningRates)
            c.biasLearningRates = extend(c.biasLearningRates)
            c.feedforwardLearningRates = extend(c.feedforwardLearningRates)
        }
        if let v = hardware { c.hardware = v }
        if let v = solver { c.solver = v }
        if let v = workers { c.workers = v }
        if let v = crosscheckEvery { c.crosscheckEvery = v }
        if let v = nudge { c.nudge = v }
        if let v = tolerance { c.tolerance = v }
        if let v = diodeModel { c.diodeModel = v }
        if let v = updateScheme { c.updateScheme = v }
        if let v = chipSeed { c.chipSeed = v }
        if let v = lrDecay { c.learningRateDecay = v }
        if let v = maxSweeps { c.maxSweeps = v }
        if let v = batchSize { c.batchSize = v }
        if let v = beta { c.beta = v }
        if let v = betaSign { c.betaSign = v }
        if let v = learningRates {
            c.learningRates = try parseList(v, flag: "--learning-rates")
            c.biasLearningRates = c.learningRates
        }
        if let v = ffLearningRates { c.feedforwardLearningRates = try parseList(v, flag: "--ff-learning-rates") }
        if let v = lambda { c.lambda = v }
        if noInit { c.useInitialization = false; c.lambda = 0 }
        if let v = epochs { c.epochs = v }
        if let v = seed { c.seed = v }
        if stepsFree != nil || stepsNudged != nil || stepSize != nil {
            throw ValidationError("--steps-free, --steps-nudged and --step-size apply to Hopfield networks; circuits relax to convergence (see --tolerance)")
        }
        try c.validate()
        return c
    }

    func runResistive() throws {
        var config: ResistiveTrainingConfig
        let (folder, lock) = try lockedRunFolder(solver: solver ?? .swift)
        var network: ResistiveNetwork?, feedforward: FeedforwardNetwork?, accumulators: DeviceAccumulators?
        var epochsDone = 0
        let presetFile: URL, hardwarePreset: HardwarePreset
        // The preset's bytes as read (a pipe such as --hardware <(…) can be read only once).
        var presetBytes: Data?
        if resume {
            let run: TrainedResistiveRun
            do { run = try TrainedResistiveRun(folder: folder) } catch let e as TrainedResistiveRun.LoadError {
                throw ValidationError("--resume: \(e)")
            }
            try rejectChangesOnResume()
            try folder.checkConfigNotEdited(checkpointConfig: try JSONOutput.pretty(run.config),
                                            runtimeKeys: ["epochs", "solver", "workers", "crosscheckEvery"])
            config = run.config
            if let v = epochs { config.epochs = v }
            if let v = solver { config.solver = v }
            if let v = workers { config.workers = v }
            if let v = crosscheckEvery { config.crosscheckEvery = v }
            try config.validate()
            (network, feedforward, epochsDone, presetFile, hardwarePreset) = (run.network, run.feedforward, run.epochs, run.presetFile, run.preset)
            accumulators = run.accumulators
        } else {
            if folder.hasCheckpoint {
                throw ValidationError("--out \(folder.url.path) already holds a checkpoint: pass --resume to continue it, or choose another folder")
            }
            config = try resolvedResistiveConfig()
            presetFile = try HardwarePreset.file(config.hardware)
            presetBytes = try HardwarePreset.fileData(presetFile)
            hardwarePreset = try HardwarePreset(json: presetBytes!, path: presetFile.path)
            config.adoptConductanceUnit(of: hardwarePreset)
        }
        // A resumed run reads the preset copy it started with (see `TrainedResistiveRun`).
        let savedPreset = presetFile == folder.hardware
        if workerTimeout != nil && config.solver != .ngspice {
            throw ValidationError("--worker-timeout applies to ngspice worker processes (--solver ngspice); this run relaxes with the Swift solver")
        }
        let (dataset, record, dataNote) = try data.load(forRunIn: folder, resume: resume)
        if let dataNote { printError("note: " + dataNote) }
        let trainer = try ResistiveTrainer(config: config, preset: hardwarePreset, network: network, feedforward: feedforward,
                                           accumulators: accumulators, workerExecutable: currentExecutable)
        trainer.log = { printError("warning: " + $0) }
        if let workerTimeout { trainer.workerTimeout = workerTimeout }
        try execute(trainer, folder: folder, epochsDone: epochsDone, epochs: config.epochs, dataset: dataset, record: record, lock: lock,
                    files: savedPreset ? [:] : [folder.hardware: try presetBytes ?? HardwarePreset.fileData(presetFile)],
                    note: "\(config.preset) \(config.architecture.map(String.init).joined(separator: "-")) on '\(hardwarePreset.name)', \(config.solver.rawValue) solver, "
                        + "\(dataset.name.rawValue): \(dataset.train.count) train / \(dataset.test.count) test, batch \(config.batchSize), "
                        + "β \(config.beta) \(config.betaSign.rawValue), seed \(config.seed)") { result in
            var text = String(format: "after %d epochs: test error %.2f%% (analog circuit, relaxed), %.2f%% (digital feedforward network); %.0f samples/s",
                              result.epochs, 100 * result.testErrorRelaxed, 100 * result.testErrorFeedforward, result.trainSamplesPerSecond)
            if let d = result.maxCrosscheckDiffVolts { text += String(format: "; largest ngspice−Swift difference %.2g V", d) }
            return text + "; run folder \(result.runDirectory)"
        }
    }
}
