import Datasets

/// Why training stopped or could not start. Messages name the flag or file at fault.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// Throws `dataMismatch` unless `data` has `layers[0]` pixels and `classes` classes per
    /// sample (the check of every trainer, before a run folder is created).
    public static func checkFits(_ data: LabeledImages, layers: [Int], classes: Int) throws {
        guard data.pixels == layers[0], data.classes == classes else {
            throw dataMismatch("--layers \(layers.map(String.init).joined(separator: ",")) does not fit the data: "
                               + "\(data.pixels) pixels and \(data.classes) classes per sample")
        }
    }

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
