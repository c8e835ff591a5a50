import ArgumentParser
import Datasets

/// Where the samples come from: `--dataset`, `--data`, `--train-limit`, `--test-limit`.
struct DataOptions: ParsableArguments {
    /// Where a data set is looked for without --data (`DatasetLocator`'s order).
    static let searchPath = "Without it: $EQPROP_DATA/<name>, $EQPROP_DATA, ./data/<name>, ../shared/datasets/<name>, /usr/share/datasets/<name>."

    @Option(help: "Data set: mnist or fashion-mnist.")
    var dataset: DatasetName = .mnist

    @Option(help: ArgumentHelp(
        "Folder with the four IDX files (raw or .gz).",
        discussion: DataOptions.searchPath))
    var data: String?

    @Option(help: "Use only the first N training samples.")
    var trainLimit: Int?

    @Option(help: "Use only the first N test samples.")
    var testLimit: Int?

    func validate() throws {
        if let n = trainLimit { try FlagChecks.samples(n, "--train-limit") }
        if let n = testLimit { try FlagChecks.samples(n, "--test-limit") }
    }

    func load() throws -> Dataset {
        try Dataset.load(dataset, explicitDirectory: data, trainLimit: trainLimit, testLimit: testLimit)
    }
}

extension DatasetName: ExpressibleByArgument {}

/// Parses "a,b,c" into numbers, naming the flag when a part is not a number.
func parseList<T: LosslessStringConvertible>(_ text: String, flag: String, as: T.Type = T.self) throws -> [T] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    return try parts.map { part in
        guard let v = T(part) else { throw ValidationError("\(flag): '\(part)' in '\(text)' is not a number") }
        return v
    }
}
