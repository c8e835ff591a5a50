import ArgumentParser
import Datasets
import EqProp
import Foundation

/// Where the samples come from: `--dataset`, `--data`, `--train-limit`, `--test-limit`.
struct DataOptions: ParsableArguments {
    /// Where a data set is looked for without --data (`DatasetLocator`'s order).
    static let searchPath = "Without it: $EQPROP_DATA/<name>, $EQPROP_DATA, ./data/<name>, ../shared/datasets/<name>, /usr/share/datasets/<name>."

    @Option(help: "Data set: mnist or fashion-mnist (default: mnist; a resumed run, or the run of settle --run: its own).")
    var dataset: DatasetName?

    /// --dataset, else mnist.
    var name: DatasetName { dataset ?? .mnist }

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
        try Self.nonEmpty(Dataset.load(name, explicitDirectory: data, trainLimit: trainLimit, testLimit: testLimit))
    }

    /// The flags' data; without --dataset and --data, the data the run in `folder` was trained
    /// on (its `data.json`), when it records one.
    func load(defaultingToRunIn folder: RunFolder) throws -> Dataset {
        guard dataset == nil, data == nil, let saved = try folder.readDataSource(), let name = DatasetName(rawValue: saved.dataset) else {
            return try load()
        }
        return try Self.nonEmpty(Dataset.load(name, from: URL(fileURLWithPath: saved.directory), trainLimit: trainLimit, testLimit: testLimit))
    }

    /// `ds`, unless a split is empty: an error rate over no samples would read 0%.
    static func nonEmpty(_ ds: Dataset) throws -> Dataset {
        for (split, images) in [("training", ds.train), ("test", ds.test)] where images.count == 0 {
            throw ValidationError("the \(split) set of \(ds.name.rawValue) in \(ds.directory.path) is empty (0 samples): "
                                  + "there is nothing to \(split == "training" ? "learn from" : "measure an error rate on")")
        }
        return ds
    }

    /// The data of a training run and its record for `data.json`: the flags' for a fresh run;
    /// for a resume, the run's own `data.json`, with any data flag that says otherwise
    /// refused. A folder written before `data.json` existed takes the flags (and a `note`).
    func load(forRunIn folder: RunFolder, resume: Bool) throws -> (dataset: Dataset, record: RunDataSource, note: String?) {
        var note: String?
        let ds: Dataset
        if resume, let saved = try folder.readDataSource() {
            var conflicts: [String] = []
            if let dataset, dataset.rawValue != saved.dataset { conflicts.append("--dataset \(dataset.rawValue)") }
            if let data, Self.canonicalPath(data) != Self.canonicalPath(saved.directory) { conflicts.append("--data \(data)") }
            if let trainLimit, trainLimit != saved.trainLimit { conflicts.append("--train-limit \(trainLimit)") }
            if let testLimit, testLimit != saved.testLimit { conflicts.append("--test-limit \(testLimit)") }
            guard conflicts.isEmpty else {
                throw ValidationError("--resume continues on the run's own data (\(folder.dataSource.path): \(saved.summary)); "
                                      + "\(conflicts.joined(separator: ", ")) would change it: leave the data flags out, "
                                      + "or start a new run (if the files moved, edit \"directory\" in data.json)")
            }
            guard let name = DatasetName(rawValue: saved.dataset) else {
                throw ValidationError("\(folder.dataSource.path): unknown data set '\(saved.dataset)'")
            }
            ds = try Self.nonEmpty(Dataset.load(name, from: URL(fileURLWithPath: saved.directory),
                                                trainLimit: saved.trainLimit, testLimit: saved.testLimit))
            guard ds.train.count == saved.trainSamples, ds.test.count == saved.testSamples else {
                throw ValidationError("--resume: \(saved.directory) now gives \(ds.train.count) training and \(ds.test.count) test samples, "
                                      + "but the run trained on \(saved.trainSamples) and \(saved.testSamples) (\(folder.dataSource.path)): "
                                      + "the data changed; restore it, or start a new run")
            }
            return (ds, saved, nil)
        } else {
            ds = try load()
            if resume {
                note = "\(folder.url.path) has no data.json (written by an older eqprop): the resume trains on the data of the flags "
                    + "and records it in data.json"
            }
        }
        let record = RunDataSource(dataset: ds.name.rawValue, directory: ds.directory.standardizedFileURL.path,
                                   trainLimit: trainLimit, testLimit: testLimit,
                                   trainSamples: ds.train.count, testSamples: ds.test.count)
        return (ds, record, note)
    }

    /// An absolute path without `.`, `..` or symbolic links, for comparing two spellings.
    static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
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
