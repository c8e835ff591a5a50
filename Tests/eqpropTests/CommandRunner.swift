import Datasets
import Foundation
import TestSupport

/// Runs the built `eqprop` binary, as a user would.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// The last line of standard output parsed as a JSON object (the `--json` contract).
    var json: [String: Any]? {
        guard let line = stdout.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else { return nil }
        return object as? [String: Any]
    }
}

enum Eqprop {
    /// The built `eqprop`.
    static let executable = BuiltExecutable.eqprop

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> CommandResult {
        let r = try ProcessRunner.run(executable, arguments, environment: environment, directory: directory ?? packageRoot)
        return CommandResult(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// A fresh temporary folder.
    static func temporaryDirectory(_ label: String) -> URL {
        Scratch.directory(label)
    }

    /// Real MNIST when available, else Fashion-MNIST from Debian's package (installed by
    /// `.ci/run`), with the error thresholds stated for each.
    static func realDataset() -> (name: String, folder: String)? {
        for name in [DatasetName.mnist, .fashionMNIST] {
            if let url = try? DatasetLocator.locate(name, explicitDirectory: nil,
                                                    environment: ProcessInfo.processInfo.environment) {
                return (name.rawValue, url.path)
            }
        }
        return nil
    }
}
