import Foundation
import Numerics

/// An IDX file of unsigned bytes (the MNIST format, LeCun et al.): a 4-byte magic number
/// `00 00 08 nd` (0x08 = unsigned byte, nd = number of dimensions), nd big-endian 32-bit
/// sizes, then the data, row-major. Plain or gzip-compressed.
public struct IDXFile: Sendable {
    /// The sizes of each dimension, e.g. [60000, 28, 28] for MNIST training images.
    public let shape: [Int]
    /// The data, `shape.reduce(1, *)` bytes.
    public let bytes: [UInt8]

    /// The size of the whole file (header and data, bytes) that the header at the start of
    /// `prefix` announces, or nil while `prefix` is shorter than the header. Throws when the
    /// magic number is wrong or the data would not fit in the memory budget, so that a gzip
    /// stream can be stopped after its first inflated bytes.
    public static func announcedSize(_ prefix: Data, path: String) throws -> Int? {
        guard prefix.count >= 4 else { return nil }
        let b = prefix.startIndex
        let magic = UInt32(prefix[b]) << 24 | UInt32(prefix[b + 1]) << 16 | UInt32(prefix[b + 2]) << 8 | UInt32(prefix[b + 3])
        guard prefix[b] == 0, prefix[b + 1] == 0, prefix[b + 2] == 0x08, (1...4).contains(prefix[b + 3]) else {
            throw DatasetError.badMagic(path: path, found: magic)
        }
        let dimensions = Int(prefix[b + 3])
        let headerBytes = 4 + 4 * dimensions
        guard prefix.count >= headerBytes else { return nil }
        let shape = (0..<dimensions).map { d -> Int in
            let o = b + 4 + 4 * d
            return Int(UInt32(prefix[o]) << 24 | UInt32(prefix[o + 1]) << 16 | UInt32(prefix[o + 2]) << 8 | UInt32(prefix[o + 3]))
        }
        // Each size is below 2^32, at most 4 of them: the product can overflow Int.
        guard let total = CheckedSize.product(shape).flatMap({ CheckedSize.sum($0, headerBytes) }) else {
            throw DatasetError.unexpectedShape(path: path, shape: shape, expected: "a size that fits in memory (the product overflows)")
        }
        do {
            // Held twice while parsing: the file's bytes and the array of its data.
            try MemoryBudget.check(CheckedSize.product(total, 2), for: "the IDX data of shape \(shape) (read and copied)", source: path)
        } catch let e as InputError {
            throw DatasetError.unexpectedShape(path: path, shape: shape, expected: "a size that fits in memory (\(e.reason))")
        }
        return total
    }

    /// Parses IDX bytes (already decompressed). `path` names the file in error messages.
    public init(parsing data: Data, path: String) throws {
        guard let total = try Self.announcedSize(data, path: path) else {
            let needed = data.count >= 4 ? 4 + 4 * Int(data[data.startIndex + 3]) : 4
            throw DatasetError.sizeMismatch(path: path, expectedBytes: needed, actualBytes: data.count)
        }
        let dimensions = Int(data[data.startIndex + 3])
        let headerBytes = 4 + 4 * dimensions
        guard data.count == total else {
            throw DatasetError.sizeMismatch(path: path, expectedBytes: total, actualBytes: data.count)
        }
        let b = data.startIndex
        self.shape = (0..<dimensions).map { d in
            let o = b + 4 + 4 * d
            return Int(UInt32(data[o]) << 24 | UInt32(data[o + 1]) << 16 | UInt32(data[o + 2]) << 8 | UInt32(data[o + 3]))
        }
        self.bytes = [UInt8](data[(b + headerBytes)...])
    }

    /// Reads an IDX file (a regular file, a pipe or `/dev/fd/N`), inflating it first if it is
    /// gzip-compressed (detected by its magic bytes, not its name). The inflated size is
    /// bounded by what the IDX header in its first bytes announces.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try FileInput.read(url)
        } catch let e as InputError {
            throw DatasetError.unreadable(path: url.path, reason: e.reason)
        }
        try self.init(fileData: data, path: url.path)
    }

    /// Parses the bytes of an IDX file, raw or gzip-compressed (see `init(contentsOf:)`).
    public init(fileData data: Data, path: String) throws {
        let raw = Gzip.isGzip(data)
            ? try Gzip.decompress(data, path: path, announcedSize: { try Self.announcedSize($0, path: path) })
            : data
        try self.init(parsing: raw, path: path)
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
