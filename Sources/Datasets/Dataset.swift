import Foundation
import Numerics

/// The MNIST-format data sets the project knows by name.
public enum DatasetName: String, CaseIterable, Sendable, Codable {
    case mnist
    case fashionMNIST = "fashion-mnist"

    /// How to get the files when they are not found.
    public var installHint: String {
        switch self {
        case .mnist:
            return "Put the four MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                + "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; raw or .gz) in one folder and pass it "
                + "with --data DIR, or set EQPROP_DATA to a folder holding mnist/."
        case .fashionMNIST:
            return "Install Debian's package: apt-get install dataset-fashion-mnist "
                + "(files go to /usr/share/datasets/fashion-mnist), or pass --data DIR."
        }
    }
}

/// A training and a test split of an MNIST-format data set.
public struct Dataset: Sendable {
    public let name: DatasetName
    /// The folder the files were read from.
    public let directory: URL
    public var train: LabeledImages
    public var test: LabeledImages

    static let files = (trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
                        testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte")

    /// Reads the four IDX files from `directory` (each either raw or with `.gz`), keeping the
    /// first `trainLimit` training and `testLimit` test samples when given.
    public static func load(_ name: DatasetName, from directory: URL,
                            trainLimit: Int? = nil, testLimit: Int? = nil) throws -> Dataset {
        let train = try readSplit(directory, images: files.trainImages, labels: files.trainLabels, limit: trainLimit)
        let test = try readSplit(directory, images: files.testImages, labels: files.testLabels, limit: testLimit)
        return Dataset(name: name, directory: directory, train: train, test: test)
    }

    /// Finds the data set (see `DatasetLocator`) and reads it.
    public static func load(_ name: DatasetName, explicitDirectory: String?,
                            trainLimit: Int? = nil, testLimit: Int? = nil) throws -> Dataset {
        let dir = try DatasetLocator.locate(name, explicitDirectory: explicitDirectory)
        return try load(name, from: dir, trainLimit: trainLimit, testLimit: testLimit)
    }

    /// The path of `base` in `directory`: `base.gz` if present, else `base`.
    static func file(_ directory: URL, _ base: String) -> URL? {
        let fm = FileManager.default
        for candidate in [base + ".gz", base] {
            let url = directory.appendingPathComponent(candidate)
            if fm.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    static func readSplit(_ directory: URL, images: String, labels: String, limit: Int?) throws -> LabeledImages {
        guard let imageURL = file(directory, images) else {
            throw DatasetError.unreadable(path: directory.appendingPathComponent(images + "[.gz]").path, reason: "no such file")
        }
        guard let labelURL = file(directory, labels) else {
            throw DatasetError.unreadable(path: directory.appendingPathComponent(labels + "[.gz]").path, reason: "no such file")
        }
        let imageFile = try IDXFile(contentsOf: imageURL)
        let labelFile = try IDXFile(contentsOf: labelURL)
        guard imageFile.shape.count == 3, imageFile.shape[1] > 0, imageFile.shape[2] > 0 else {
            throw DatasetError.unexpectedShape(path: imageURL.path, shape: imageFile.shape, expected: "[count, height, width]")
        }
        guard labelFile.shape.count == 1 else {
            throw DatasetError.unexpectedShape(path: labelURL.path, shape: labelFile.shape, expected: "[count]")
        }
        guard imageFile.shape[0] == labelFile.shape[0] else {
            throw DatasetError.countMismatch(images: imageURL.path, imageCount: imageFile.shape[0],
                                             labels: labelURL.path, labelCount: labelFile.shape[0])
        }
        let total = imageFile.shape[0]
        let n = max(0, min(limit ?? total, total))
        // Below the file's own byte count (checked when it was read), so no overflow here.
        let pixels = imageFile.shape[1] * imageFile.shape[2]
        do {
            try MemoryBudget.check(elements: n * pixels, of: MemoryLayout<Float>.size,
                                   for: "\(n) images of \(pixels) float32 pixels", source: imageURL.path)
        } catch let e as InputError {
            throw DatasetError.unreadable(path: e.source, reason: e.reason)
        }
        var matrix = FloatMatrix(rows: n, columns: pixels)
        imageFile.bytes.withUnsafeBufferPointer { src in
            matrix.withUnsafeMutableBufferPointer { dst in
                for i in 0..<(n * pixels) { dst[i] = Float(src[i]) / 255 }
            }
        }
        var labelValues = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let label = Int(labelFile.bytes[i])
            guard label < 10 else {
                throw DatasetError.labelOutOfRange(path: labelURL.path, index: i, label: label, classes: 10)
            }
            labelValues[i] = label
        }
        return LabeledImages(images: matrix, labels: labelValues,
                             height: imageFile.shape[1], width: imageFile.shape[2])
    }
}

/// Where the command line looks for a data set when `--data` is absent, in this order:
///
/// 1. `$EQPROP_DATA/<name>`, then `$EQPROP_DATA` itself
/// 2. `./data/<name>`
/// 3. `../shared/datasets/<name>` (a development checkout's shared data)
/// 4. `/usr/share/datasets/<name>` (where Debian's `dataset-fashion-mnist` installs)
///
/// The first folder that holds a training-images file wins.
public enum DatasetLocator {
    public static func candidates(_ name: DatasetName,
                                  environment: [String: String] = ProcessInfo.processInfo.environment,
                                  currentDirectory: String = FileManager.default.currentDirectoryPath) -> [URL] {
        var list: [URL] = []
        if let root = environment["EQPROP_DATA"], !root.isEmpty {
            list.append(URL(fileURLWithPath: root).appendingPathComponent(name.rawValue))
            list.append(URL(fileURLWithPath: root))
        }
        let cwd = URL(fileURLWithPath: currentDirectory)
        list.append(cwd.appendingPathComponent("data").appendingPathComponent(name.rawValue))
        list.append(cwd.deletingLastPathComponent().appendingPathComponent("shared/datasets")
            .appendingPathComponent(name.rawValue).standardizedFileURL)
        list.append(URL(fileURLWithPath: "/usr/share/datasets").appendingPathComponent(name.rawValue))
        return list
    }

    /// The folder to read `name` from: `explicitDirectory` when given (which must hold the
    /// files), else the first candidate that does.
    public static func locate(_ name: DatasetName, explicitDirectory: String?,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let explicitDirectory {
            let url = URL(fileURLWithPath: explicitDirectory)
            guard Dataset.file(url, Dataset.files.trainImages) != nil else {
                throw DatasetError.notFound(dataset: name.rawValue,
                                            searched: [url.path + " (from --data)"], hint: name.installHint)
            }
            return url
        }
        let list = candidates(name, environment: environment)
        for url in list where Dataset.file(url, Dataset.files.trainImages) != nil {
            return url
        }
        throw DatasetError.notFound(dataset: name.rawValue, searched: list.map(\.path), hint: name.installHint)
    }
}
