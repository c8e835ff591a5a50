/// Why a simulation failed. ngspice reports most problems only as text on its error stream
/// (its API calls return 0 even after parse errors): these carry the offending lines.
public enum NgspiceError: Error, CustomStringConvertible, Equatable {
    case libraryMissing(String)
    case parse(lines: [String])
    case analysis(command: String, lines: [String])
    case missingVector(String)
    case engineDead(String)
    case worker(String)
    /// An analysis in a worker process failed (the worker's message, verbatim).
    case simulationFailed(String)
    case notConverged(phase: String, sample: Int, detail: String)

    public var description: String {
        switch self {
        case .libraryMissing(let reason):
            return "libngspice could not be loaded (\(reason)). Install it with: apt-get install libngspice0 (or run scripts/setup.sh)"
        case .parse(let lines):
            return "ngspice could not parse the circuit:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
        case let .analysis(command, lines):
            return "ngspice '\(command)' failed:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
        case .missingVector(let name):
            return "ngspice produced no values for '\(name)' (the analysis did not run or the node does not exist)"
        case .engineDead(let reason):
            return "the ngspice engine stopped (\(reason)); it must be restarted"
        case .worker(let reason):
            return "ngspice worker: \(reason)"
        case .simulationFailed(let message):
            return message
        case let .notConverged(phase, sample, detail):
            return "ngspice did not converge in the \(phase) phase of sample \(sample) (gmin and source stepping tried): \(detail)"
        }
    }
}
