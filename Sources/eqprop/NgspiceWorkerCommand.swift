import ArgumentParser
import Foundation
import Ngspice

extension EqPropCommand {
    /// The engine process behind `NgspiceWorkerPool`; not meant to be run by hand.
    struct NgspiceWorkerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ngspice-worker", abstract: "Serve ngspice simulations over standard input/output (internal).",
            shouldDisplay: false)

        func run() throws {
            let status = NgspiceWorker.run()
            if status != 0 { throw ExitCode(status) }
        }
    }
}

/// This executable, for starting worker processes.
let currentExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
