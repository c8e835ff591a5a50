import ArgumentParser
import Circuit

/// The closed sets of values the commands take, as enums: ArgumentParser refuses any other
/// value, naming the flag and listing the choices, and `--help` lists them.

/// Which network a command works on (`gradcheck --model`; `train --model`).
enum NetworkModel: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// The layered Hopfield network of the paper.
    case hopfield
    /// A deep resistive network (a circuit).
    case resistive
}

/// `netlist --form`, `crosscheck --form`: `full` or `norton`.
extension NetlistOptions.Form: ExpressibleByArgument {}

/// `netlist --phase`: `free` or `nudged`.
extension DeckRequest.PhaseChoice: ExpressibleByArgument {}

/// `netlist --analysis`: `op` or `tran`.
extension DeckRequest.AnalysisChoice: ExpressibleByArgument {}
