import Foundation

/// An IDX file of unsigned bytes (the MNIST format, LeCun et al.): a 4-byte magic number
/// `00 00 08 nd` (0x08 = unsigned byte, nd = number of dimensions), nd big-endian 32-bit
/// sizes, then the data, row-major. Plain or gzip-compressed.
public struct IDXFile: Sendable {
    /// The sizes of each dimension, e.g. [60000, 28, 28] for MNIST training images.
    public let shape: [Int]
    /// The data, `shape.reduce(1, *)` bytes.
    public let bytes: [UInt8]

    /// Parses IDX bytes (already decompressed). `path` names the file in error messages.
    public init(parsing data: Data, path: String) throws {
        guard data.count >= 4 else {
            throw DatasetError.sizeMismatch(path: path, expectedBytes: 4, actualBytes: data.count)
        }
        let b = [UInt8](data)
        let magic = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
        guard b[0] == 0, b[1] == 0, b[2] == 0x08, (1...4).contains(b[3]) else {
            throw DatasetError.badMagic(path: path, found: magic)
        }
        let dimensions = Int(b[3])
        let headerBytes = 4 + 4 * dimensions
        guard b.count >= headerBytes else {
            throw DatasetError.sizeMismatch(path: path, expectedBytes: headerBytes, actualBytes: b.count)
        }
        var shape: [Int] = []
        var total = 1
        for d in 0..<dimensions {
            let o = 4 + 4 * d
            let size = Int(UInt32(b[o]) << 24 | UInt32(b[o + 1]) << 16 | UInt32(b[o + 2]) << 8 | UInt32(b[o + 3]))
            shape.append(size)
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product < 1 << 40 else {
                throw DatasetError.unexpectedShape(path: path, shape: shape, expected: "a size that fits in memory")
            }
            total = product
        }
        guard b.count == headerBytes + total else {
            throw DatasetError.sizeMismatch(path: path, expectedBytes: headerBytes + total, actualBytes: b.count)
        }
        self.shape = shape
        self.bytes = Array(b[headerBytes...])
    }

    /// Reads an IDX file from disk, inflating it first if it is gzip-compressed (detected by
    /// its magic bytes, not its name).
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DatasetError.unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
        let raw = Gzip.isGzip(data) ? try Gzip.decompress(data, path: url.path) : data
        try self.init(parsing: raw, path: url.path)
    }

    /// The IDX encoding of `bytes` with `shape` (for tests and small generated data sets).
    public static func encode(shape: [Int], bytes: [UInt8]) -> Data {
        var d = Data([0, 0, 0x08, UInt8(shape.count)])
        for s in shape {
            d.append(contentsOf: [UInt8(truncatingIfNeeded: s >> 24), UInt8(truncatingIfNeeded: s >> 16),
                                  UInt8(truncatingIfNeeded: s >> 8), UInt8(truncatingIfNeeded: s)])
        }
        d.append(contentsOf: bytes)
        return d
    }
}
