import ArgumentParser
import Datasets
import Foundation
import Gradients
import Reporting

extension Figures.Number: ExpressibleByArgument {}

extension EqPropCommand {
    struct FiguresCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "figures",
            abstract: "Reproduce the paper's figures as SVG charts with their data as CSV.",
            discussion: """
            1: local vs global losses on a toy with layer-wise targets (cosine of local and distant \
            gradients over training; which reaches half the initial loss first).
            2: Init-EqProp vs plain EqProp at long and short free phases (784-500-10 and \
            784-500-500-500-10).
            3: the feedforward network trained by local vs global losses during Init-EqProp.
            4: the effect of the tether strength λ.

            --quick reduces data and epochs (stated on every chart): minutes on two cores. Full mode \
            uses the paper's settings: figure 2's large network alone trains four runs of 200 epochs \
            (about 5 hours each here).
            """)

        @Option(help: "Figure number.")
        var figure: Figures.Number
        @Flag(help: "Reduced data and epochs.")
        var quick = false
        @Option(help: "Output folder.")
        var out: String
        @Option(help: "Random seed.")
        var seed: UInt64 = 1
        @OptionGroup var data: DataOptions
        @Flag(help: "Print a one-line JSON summary.")
        var json = false
        @Flag(help: "Overwrite the figure's files if --out already holds them.")
        var force = false

        func validate() throws {
            guard !out.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--out: empty path; give the output folder") }
        }

        func run() throws {
            let folder = URL(fileURLWithPath: out)
            let existing = figure.fileNames.filter {
                FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
            }
            if !existing.isEmpty && !force {
                throw ValidationError("--out \(out) already holds \(existing.joined(separator: ", ")); pass --force to overwrite")
            }
            // Data first: a missing data set fails before anything is created or trained.
            let dataset = figure.needsData ? try data.load() : nil
            try AtomicFile.prepareDirectory(folder)
            let output = try Figures.make(figure, data: dataset, settings: Figures.Settings(quick: quick, seed: seed, progress: { printError($0) }))
            for file in output.files { try AtomicFile.write(file.contents, to: folder.appendingPathComponent(file.name)) }
            var summary = output.summary
            summary["figure"] = .number(Double(figure.rawValue))
            summary["quick"] = .bool(quick)
            summary["files"] = .array(output.files.map { .string(folder.appendingPathComponent($0.name).path) })
            if json {
                print(try JSONOutput.line(summary))
            } else {
                print("wrote " + output.files.map { folder.appendingPathComponent($0.name).path }.joined(separator: ", "))
            }
        }
    }
}
