/// Why training stopped or could not start. Messages name the flag or file at fault.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case diverged(epoch: Int, batch: Int, what: String)
    case checkpoint(path: String, reason: String)
    case dataMismatch(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(message): return message
        case let .diverged(epoch, batch, what):
            return "training diverged in epoch \(epoch), batch \(batch): \(what) became NaN or infinite. "
                + "The last good checkpoint is kept; try smaller learning rates or a smaller β."
        case let .checkpoint(path, reason): return "checkpoint \(path): \(reason)"
        case let .dataMismatch(message): return message
        }
    }
}
