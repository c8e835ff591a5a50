import ArgumentParser

@main
struct EqPropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eqprop",
        abstract: "Initialized Equilibrium Propagation on emulated analog hardware.",
        discussion: """
        Trains layered Hopfield networks and deep resistive networks (DRNs) with Equilibrium
        Propagation, writes SPICE netlists of the circuits, relaxes them in the Swift solver or in
        ngspice, and exports the digital feedforward network.
        Results go to standard output (one JSON line with --json); progress goes to standard error.
        """,
        subcommands: [Train.self, Netlist.self, Crosscheck.self, Settle.self, GradCheck.self, FiguresCommand.self, Benchmark.self, Export.self, Infer.self, NgspiceWorkerCommand.self]
    )
}
