/// Why a data set could not be read. Every message names the file or folder at fault and
/// what was expected, so the command line can print it as is.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case notFound(dataset: String, searched: [String], hint: String)
    case unreadable(path: String, reason: String)
    case corruptGzip(path: String, reason: String)
    case badMagic(path: String, found: UInt32)
    case sizeMismatch(path: String, expectedBytes: Int, actualBytes: Int)
    case unexpectedShape(path: String, shape: [Int], expected: String)
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case labelOutOfRange(path: String, index: Int, label: Int, classes: Int)

    public var description: String {
        switch self {
        case let .notFound(dataset, searched, hint):
            return "data set '\(dataset)' not found; searched:\n"
                + searched.map { "  \($0)" }.joined(separator: "\n") + "\n\(hint)"
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .corruptGzip(path, reason):
            return "\(path): corrupt or truncated gzip data (\(reason))"
        case let .badMagic(path, found):
            return "\(path): not an IDX file of unsigned bytes (magic number 0x\(String(found, radix: 16)), expected 0x00000801 for labels or 0x00000803 for images)"
        case let .sizeMismatch(path, expected, actual):
            return "\(path): the IDX header announces \(expected) bytes but the file holds \(actual) (truncated or corrupt)"
        case let .unexpectedShape(path, shape, expected):
            return "\(path): IDX shape \(shape) where \(expected) was expected"
        case let .countMismatch(images, imageCount, labels, labelCount):
            return "\(images) holds \(imageCount) images but \(labels) holds \(labelCount) labels"
        case let .labelOutOfRange(path, index, label, classes):
            return "\(path): label \(label) at index \(index) is outside 0..<\(classes)"
        }
    }
}
