/// Why an export or an inference could not be done. Messages name the flag or file at fault,
/// so that the command line can print them as they are.
public enum ExportError: Error, CustomStringConvertible, Equatable {
    /// `--run DIR` holds no checkpoint.
    case noCheckpoint(run: String)
    /// The checkpoint holds no digital feedforward network, or one that cannot be exported.
    case notExportable(path: String, reason: String)
    case invalidNetwork(String)
    /// An exported weight file (`--weights`) that is truncated, tampered with or not an export.
    case invalidExport(path: String, reason: String)
    /// An output that exists and may not be overwritten (no `--force`).
    case outputExists(path: String)
    case badOutputPath(path: String, reason: String)
    /// An input image (`--image`) that cannot be read or does not fit the network.
    case badImage(path: String, reason: String)
    /// Data that do not fit the network (pixels per image, classes).
    case dataMismatch(String)

    public var description: String {
        switch self {
        case let .noCheckpoint(run):
            return "--run \(run): no checkpoint.safetensors in this folder (a run folder is written by `eqprop train --out DIR`)"
        case let .notExportable(path, reason): return "--run: \(path): \(reason)"
        case let .invalidNetwork(message): return "cannot export: \(message)"
        case let .invalidExport(path, reason): return "--weights \(path): \(reason)"
        case let .outputExists(path): return "--out: \(path) exists; pass --force to overwrite it"
        case let .badOutputPath(path, reason): return "--out \(path): \(reason)"
        case let .badImage(path, reason): return "--image \(path): \(reason)"
        case let .dataMismatch(message): return message
        }
    }
}
