import ArgumentParser
import CoSimulation
import EqProp
import Foundation

@main
struct EqPropCommand: ParsableCommand {
    /// Printed by `eqprop --version`.
    static let version = "0.21.0 (2026-12-04)"

    static let configuration = CommandConfiguration(
        commandName: "eqprop",
        abstract: "Initialized Equilibrium Propagation on emulated analog hardware.",
        discussion: """
        Trains layered Hopfield networks and deep resistive networks (DRNs) with Equilibrium
        Propagation, writes SPICE netlists of the circuits, relaxes them in the Swift solver or in
        ngspice, and exports the digital feedforward network.
        Results go to standard output (one JSON line with --json); progress goes to standard error.
        """,
        version: EqPropCommand.version,
        subcommands: [Train.self, Netlist.self, Crosscheck.self, Settle.self, Robustness.self, GradCheck.self, Wires.self, FiguresCommand.self, Benchmark.self, Export.self, Infer.self, NgspiceWorkerCommand.self, MPISelfTestCommand.self]
    )

    /// As ArgumentParser's own entry point, except for a `ValidationError` thrown while a
    /// command runs (a file that is missing or of the wrong kind, a run folder that holds a
    /// checkpoint…): its message names the flag or file, and the usage line ArgumentParser
    /// would add is the root command's, which says nothing about the mistake. It and the
    /// other mistakes `usageMessage` names exit 64.
    static func main() {
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do {
            try command.run()
        } catch {
            if let message = usageMessage(error) { usageError(message) }
            exit(withError: error)
        }
    }

    /// The message of an error that is the user's mistake in a flag or a file, which exits 64
    /// (EX_USAGE); nil for any other error. Such mistakes are a `ValidationError` thrown while a
    /// command runs, a configuration the flags resolve to but the library refuses (MPI ranks
    /// started with other flags or in another folder among them), a `--layers` that does not
    /// fit the data, and such a mistake found by another MPI rank.
    static func usageMessage(_ error: Error) -> String? {
        switch error {
        case let error as ValidationError: return error.message
        case let error as TrainingError:
            switch error {
            case .invalidConfiguration, .dataMismatch: return error.description
            case .diverged, .checkpoint: return nil
            }
        case let error as DataParallelTraining.RankFailed where error.exitStatus == ExitCode.validationFailure.rawValue:
            return error.description
        default: return nil
        }
    }

    /// The exit status of `error`: 64 for a mistake `usageMessage` names, else 1.
    static func exitStatus(_ error: Error) -> Int32 {
        usageMessage(error) == nil ? ExitCode.failure.rawValue : ExitCode.validationFailure.rawValue
    }

    /// Prints `message` as ArgumentParser prints a validation error and exits 64 (EX_USAGE).
    private static func usageError(_ message: String) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(ExitCode.validationFailure.rawValue)
    }
}
