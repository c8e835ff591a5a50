import ArgumentParser
import CoSimulation
import EqProp
import Foundation
import MessagePassing
import Reporting

extension EqPropCommand.Train {
    /// A prepared training: its session and what it trains.
    struct Job {
        var session: TrainingSession
        /// The resolved configuration and data, which every rank of an MPI job must share.
        var resolved = ""
        var analogFirst: Bool
        var train: (TrainingSession) throws -> TrainingRunResult
    }

    /// `train` as one process, or as one rank of an MPI job (`mpirun -np N eqprop train …`).
    ///
    /// Under MPI every step before training runs on every rank and fails on all of them
    /// together (`DataParallelTraining.together`): rank 0 prints the error, every rank exits
    /// non-zero, nothing is written. Rank 0 chooses and locks the run folder and tells the
    /// others its path; the ranks then compare their resolved configuration, data and working
    /// directory. A rank that fails during training ends the whole job (`Communicator.abort`).
    func runJob(in world: Communicator?) throws {
        let writer = (world?.rank ?? 0) == 0
        let resistive = isResistive
        var job: Job
        // A step every rank runs, failing on all of them with the status the mistake exits with.
        func together<T>(_ body: () throws -> T) throws -> T {
            try DataParallelTraining.together(world, exitStatus: EqPropCommand.exitStatus, body)
        }
        do {
            guard try together({ try checkFlags(printing: writer, resistive: resistive) }) else {
                try world?.finalize()
                return
            }
            let (chosen, lock) = try together { writer ? try chooseFolder(resistive: resistive) : (nil, nil) }
            let folder = try world.map {
                RunFolder(URL(fileURLWithPath: String(decoding: try $0.broadcast(bytes: Array((chosen?.url.path ?? "").utf8)), as: UTF8.self)))
            } ?? chosen!
            job = try together { try prepare(world, folder: folder, resistive: resistive) }
            job.session.lock = lock
            try DataParallelTraining.checkSameConfiguration(
                job.resolved + "\n" + FileManager.default.currentDirectoryPath + "\n" + command, world: world)
        } catch {
            guard let world else { throw error }
            throw failTogether(world, error)
        }
        let result: TrainingRunResult
        do { result = try job.train(job.session) } catch {
            if let world, world.size > 1 { world.abort(message: "\(error)") }
            throw error
        }
        try world?.finalize()
        if writer { report(result, analogFirst: job.analogFirst) }
    }

    /// The flags' own checks; prints the configuration and returns false for --show-config.
    func checkFlags(printing: Bool, resistive isResistive: Bool) throws -> Bool {
        let (o, r) = (try hyper.overrides(), try circuit.overrides())
        if !isResistive, !r.flagsSet.isEmpty {
            throw ValidationError("\(r.flagsSet.joined(separator: ", ")) \(r.flagsSet.count == 1 ? "applies" : "apply") to deep resistive "
                                  + "networks (--preset drn-…, --model resistive), not to the Hopfield network of this run")
        }
        if !resume, model == nil, !isResistive, HopfieldTrainingConfig.presets[preset] == nil {
            func names(_ n: some Sequence<String>) -> String { n.sorted().joined(separator: ", ") }
            throw ValidationError("--preset: unknown preset '\(preset)'; choose one of \(names(HopfieldTrainingConfig.presets.keys)) "
                                  + "(layered Hopfield networks) or \(names(ResistiveTrainingConfig.presets.keys)) (deep resistive networks)")
        }
        if showConfig {
            guard !resume else { throw ValidationError("--show-config shows a new run's configuration; a run's own is its config.json") }
            let text = try isResistive ? ConfigurationJSON.encode(ResistiveRunPlan.fresh(preset: preset, o, r).config)
                                       : ConfigurationJSON.encode(HopfieldTrainingConfig.resolved(preset: preset, o))
            if printing { print(text) }
            return false
        }
        return true
    }

    /// On a resume, flags that would change the saved configuration (`saved`, into which the
    /// flags resolve as `requested`) are refused; flags repeated from the run's first command
    /// with the same values are accepted, so the first command plus --resume continues a run.
    func checkResumeFlags<C: Equatable>(saved: C, requested: C) throws {
        guard saved != requested else { return }
        let (o, r) = (try hyper.overrides(), try circuit.overrides())
        let given = r.flagsSet.filter { !ResistiveOverrides.runtimeFlags.contains($0) } + o.flagsSet
        throw ValidationError("--resume continues the saved configuration (\(out ?? "--out")/config.json); \(given.joined(separator: ", ")) "
                              + "would change it (only --epochs, --solver, --workers, --crosscheck-every and --worker-timeout may): "
                              + "leave \(given.count == 1 ? "it" : "them") out, or give the saved values")
    }

    /// The run folder (`RunFolder.choose`), locked when it exists.
    func chooseFolder(resistive isResistive: Bool) throws -> (RunFolder, RunFolderLock?) {
        let stem = isResistive ? "\(preset)-\((circuit.solver ?? .swift).rawValue)" : preset
        return try RunFolder.choose(out: out, stem: stem, seed: hyper.seed ?? 1, resume: resume, command: command) { printError("note: " + $0) }
    }

    var command: String { (["eqprop"] + CommandLine.arguments.dropFirst()).joined(separator: " ") }
}
