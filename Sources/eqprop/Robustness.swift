import ArgumentParser
import Circuit
import CoSimulation
import EqProp
import Foundation
import Reporting

extension EqPropCommand {
    struct Robustness: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "In-situ vs ex-situ training on imperfect devices: sweep one non-ideality and compare.",
            discussion: """
            For every value of --sweep: ex-situ, the network trained once on the hardware preset's nominal \
            devices (continuous, ideal; ideal wires when the wires are swept) is programmed onto the imperfect chip (stuck cells, own windows, write \
            noise, --write-verify iterations) and evaluated there; in-situ, EqProp trains a fresh network on \
            the chip itself. Prints a table (or JSON lines with --json) and writes robustness.jsonl and \
            robustness.svg into --out, updated after every value. Every training is a run folder in --out \
            (nominal/, in-situ-<value>/) checkpointed after each epoch: after a kill, the same command with \
            --resume continues them. Runs in minutes with --epochs 1 --train-limit 10000.
            """)

        @Option(help: "Resistive training preset (drn-xs or drn-1h).")
        var preset: String = "drn-xs"
        @Option(help: "Hardware preset (name or path) whose devices are swept.")
        var hardware: String = "memristive"
        @Option(help: ArgumentHelp("The non-ideality: \(RobustnessSweep.Parameter.allCases.map(\.rawValue).joined(separator: ", ")).",
                                   discussion: "Fractions for spreads, noises and stuck cells (stuck_fraction: half at G_min, half at G_max); σ of ln IS for diode_saturation_current_spread (Shockley presets); ohms for wires; cells for tile_size (square tiles, 0 = untiled, on --hardware's wires)."))
        var sweep: RobustnessSweep.Parameter
        @Option(help: "Comma-separated values, e.g. 0,0.1,0.3,0.5.")
        var values: String
        @Option(help: "Epochs of each training.")
        var epochs: Int = 1
        @Option(help: "Write-verify iterations of ex-situ programming.")
        var writeVerify: Int = 0
        @Option(help: "Random seed of every training.")
        var seed: UInt64 = 1
        @OptionGroup var data: DataOptions
        @Option(help: "Folder for robustness.jsonl, robustness.svg and the trainings' run folders (default: runs/robustness-<sweep>).")
        var out: String?
        @Flag(help: "Continue the trainings of the same sweep in --out from their checkpoints.")
        var resume = false
        @Flag(help: "One JSON line per swept value on standard output.")
        var json = false

        @Flag(help: "No progress line on standard error.")
        var quiet = false

        func run() throws {
            let out = self.out ?? "runs/robustness-\(sweep.rawValue)"
            guard !out.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--out: empty path; give the output folder") }
            guard var config = ResistiveTrainingConfig.presets[preset] else {
                throw ValidationError("--preset: unknown resistive preset '\(preset)'; choose one of \(ResistiveTrainingConfig.presets.keys.sorted().joined(separator: ", "))")
            }
            guard (1...10_000).contains(epochs) else { throw ValidationError("--epochs must be in 1...10000 (got \(epochs))") }
            guard (0...100).contains(writeVerify) else { throw ValidationError("--write-verify must be in 0...100 (got \(writeVerify))") }
            let list: [Double] = try parseList(values, flag: "--values")
            guard !list.isEmpty, list.count <= 100, list.allSatisfy(\.isFinite) else {
                throw ValidationError("--values: 1 to 100 finite numbers (got '\(values)')")
            }
            config.epochs = epochs
            config.seed = seed
            config.hardware = hardware
            let base: HardwarePreset
            do { base = try HardwarePreset.load(hardware) } catch { throw ValidationError("--hardware: \(error)") }
            var sweeper = RobustnessSweep(config: config, preset: base, parameter: sweep, values: list)
            sweeper.writeVerifyIterations = writeVerify
            for v in list {
                do { _ = try sweeper.chip(v) } catch { throw ValidationError("\(error)") }
            }
            let folder = URL(fileURLWithPath: out)
            let dataset = try data.load()
            sweeper.trainings = (folder, RunDataSource(dataset: dataset.name.rawValue, directory: dataset.directory.standardizedFileURL.path,
                                                       trainLimit: data.trainLimit, testLimit: data.testLimit,
                                                       trainSamples: dataset.train.count, testSamples: dataset.test.count),
                                 (["eqprop"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
            sweeper.notify = { printError($0) }
            if !resume, let held = ([nil] + list).compactMap({ sweeper.trainingFolder(value: $0) }).first(where: \.hasCheckpoint) {
                throw ValidationError("--out \(out) already holds trainings of a sweep (\(held.checkpoint.path)): pass --resume to continue them "
                                      + "(same flags), or choose another folder")
            }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let note = "\(preset) on '\(base.name)', \(dataset.name.rawValue) \(dataset.train.count) train / \(dataset.test.count) test, "
                + "\(epochs) epoch(s), seed \(seed), write-verify \(writeVerify)"
            if !json {
                print("\(sweep.rawValue)  ex-situ  in-situ (analog)  in-situ (digital)  lost updates")
            }
            var measured: [RobustnessSweep.Point] = []
            let line = ProgressLine(label: "robustness \(sweep.rawValue)", total: sweeper.totalTrainingSamples(dataset))
            _ = try sweeper.run(dataset, log: { printError("warning: " + $0) }, progress: quiet ? nil : { line.update(done: $0) }) { p in
                if json {
                    print(try JSONOutput.line(p))
                } else {
                    print(String(format: "%-12g %7.2f%% %15.2f%% %17.2f%% %13@", p.value, 100 * p.exSituTestError, 100 * p.inSituTestError,
                                 100 * p.inSituDigitalTestError, p.inSituLostUpdateFraction.map { String(format: "%.1f%%", 100 * $0) } ?? "-"))
                }
                measured.append(p)
                // Rewritten after every value: a kill keeps the rows measured so far.
                try AtomicFile.write(measured.map { try JSONOutput.line($0) }.joined(separator: "\n") + "\n",
                                     to: folder.appendingPathComponent("robustness.jsonl"))
                try AtomicFile.write(RobustnessSweep.plot(measured, note: note).svg(), to: folder.appendingPathComponent("robustness.svg"))
            }
            if !quiet { line.finish() }
            if !json { printError("wrote \(folder.appendingPathComponent("robustness.jsonl").path) and robustness.svg") }
        }
    }
}

extension RobustnessSweep.Parameter: ExpressibleByArgument {}
