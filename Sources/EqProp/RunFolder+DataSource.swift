import Foundation
import Reporting

/// The data a run trains and is evaluated on, stored in the run folder as `data.json` when
/// the run starts, so that `--resume` continues on the same samples without the data flags.
/// A missing limit means all samples of the split.
public struct RunDataSource: Codable, Equatable, Sendable {
    /// `mnist` or `fashion-mnist`.
    public var dataset: String
    /// The folder the four IDX files were read from, absolute.
    public var directory: String
    public var trainLimit: Int?
    public var testLimit: Int?
    /// Samples read with those limits: a resume that reads other counts is refused.
    public var trainSamples: Int
    public var testSamples: Int

    public init(dataset: String, directory: String, trainLimit: Int?, testLimit: Int?, trainSamples: Int, testSamples: Int) {
        self.dataset = dataset
        self.directory = directory
        self.trainLimit = trainLimit
        self.testLimit = testLimit
        self.trainSamples = trainSamples
        self.testSamples = testSamples
    }

    enum CodingKeys: String, CodingKey {
        case dataset, directory
        case trainLimit = "train_limit", testLimit = "test_limit"
        case trainSamples = "train_samples", testSamples = "test_samples"
    }

    /// "mnist from /path, the first 600 training and all test samples".
    public var summary: String {
        "\(dataset) from \(directory), " + (trainLimit.map { "the first \($0)" } ?? "all") + " training and "
            + (testLimit.map { "the first \($0)" } ?? "all") + " test samples"
    }
}

extension RunFolder {
    public var dataSource: URL { url.appendingPathComponent("data.json") }

    /// The folder's `data.json`, or nil for a folder written before it existed.
    public func readDataSource() throws -> RunDataSource? {
        guard FileManager.default.fileExists(atPath: dataSource.path) else { return nil }
        do {
            return try JSONDecoder().decode(RunDataSource.self, from: Data(contentsOf: dataSource))
        } catch {
            throw TrainingError.invalidConfiguration("\(dataSource.path): not a run's data record (\(error.localizedDescription)); "
                                                     + "it names the data set, its folder and the limits the run trains with")
        }
    }
}
