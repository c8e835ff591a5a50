import Foundation
import Numerics

/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of
/// JSON describing each tensor (`dtype`, `shape`, `data_offsets` into the byte buffer) plus an
/// optional `__metadata__` object of strings, then the raw little-endian tensor bytes.
///
/// Used for checkpoints and for exported weights; the reader checks every offset and shape
/// against the file, so a truncated or tampered file is an error, never a crash.
public struct SafeTensors: Sendable {
    public enum DType: String, Sendable, Codable {
        case f32 = "F32", f64 = "F64", i64 = "I64", u8 = "U8", i8 = "I8"
        public var size: Int {
            switch self {
            case .f32: return 4
            case .f64, .i64: return 8
            case .u8, .i8: return 1
            }
        }
    }

    public struct Tensor: Sendable {
        public var dtype: DType
        public var shape: [Int]
        public var bytes: Data

        public init(dtype: DType, shape: [Int], bytes: Data) {
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        public init(_ values: [Float], shape: [Int]) {
            precondition(values.count == shape.reduce(1, *), "shape does not match the value count")
            self.init(dtype: .f32, shape: shape, bytes: values.withUnsafeBytes { Data($0) })
        }

        public init(_ values: [Double], shape: [Int]) {
            precondition(values.count == shape.reduce(1, *), "shape does not match the value count")
            self.init(dtype: .f64, shape: shape, bytes: values.withUnsafeBytes { Data($0) })
        }

        public init(_ values: [Int8], shape: [Int]) {
            precondition(values.count == shape.reduce(1, *), "shape does not match the value count")
            self.init(dtype: .i8, shape: shape, bytes: values.withUnsafeBytes { Data($0) })
        }

        public var elementCount: Int { shape.reduce(1, *) }

        public var floats: [Float] {
            switch dtype {
            case .f32: return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            case .f64: return doubles.map(Float.init)
            default: return []
            }
        }

        public var doubles: [Double] {
            switch dtype {
            case .f64: return bytes.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
            case .f32: return floats.map(Double.init)
            default: return []
            }
        }
    }

    public struct FormatError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String {
            // A file that cannot be read is not said to be invalid.
            reason.hasPrefix("cannot read") ? "\(path): \(reason)" : "\(path): not a valid safetensors file: \(reason)"
        }
    }

    /// Tensors in the order they are written.
    public var tensors: [(name: String, tensor: Tensor)] = []
    public var metadata: [String: String] = [:]

    public init(tensors: [(name: String, tensor: Tensor)] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public subscript(name: String) -> Tensor? {
        tensors.first { $0.name == name }?.tensor
    }

    public func encoded() -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, t) in tensors {
            header[name] = ["dtype": t.dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]]
            offset += t.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }  // pad with spaces to 8-byte alignment
        var out = Data()
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, t) in tensors { out.append(t.bytes) }
        return out
    }

    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url)
    }

    public init(data: Data, path: String) throws {
        func fail(_ reason: String) -> FormatError { FormatError(path: path, reason: reason) }
        guard data.count >= 8 else { throw fail("shorter than its 8-byte header length") }
        let n = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n > 0, n <= UInt64(data.count - 8), n < 100_000_000 else {
            throw fail("header length \(n) does not fit in a file of \(data.count) bytes")
        }
        let headerData = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + Int(n)))
        guard let object = try? JSONSerialization.jsonObject(with: headerData),
              let header = object as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        let bufferStart = data.startIndex + 8 + Int(n)
        let bufferCount = data.count - 8 - Int(n)
        var entries: [(name: String, begin: Int, tensor: Tensor)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any],
                  let dtypeName = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int],
                  let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else { throw fail("tensor '\(name)' has unsupported dtype \(dtypeName)") }
            guard shape.count <= InputLimits.dimensions, shape.allSatisfy({ $0 >= 0 && $0 < 1 << 32 }) else {
                throw fail("tensor '\(name)' has a bad shape \(shape.prefix(InputLimits.dimensions)) (at most \(InputLimits.dimensions) dimensions, each below 2^32)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= bufferCount else {
                throw fail("tensor '\(name)' has offsets [\(begin), \(end)] outside the \(bufferCount)-byte buffer")
            }
            guard let needed = CheckedSize.product(shape).flatMap({ CheckedSize.product($0, dtype.size) }) else {
                throw fail("tensor '\(name)' of shape \(shape) and dtype \(dtypeName) would need more bytes than can be addressed")
            }
            guard needed == end - begin else {
                throw fail("tensor '\(name)' of shape \(shape) and dtype \(dtypeName) needs \(needed) bytes, its offsets span \(end - begin)")
            }
            let bytes = data.subdata(in: (bufferStart + begin)..<(bufferStart + end))
            entries.append((name, begin, Tensor(dtype: dtype, shape: shape, bytes: bytes)))
        }
        entries.sort { $0.begin < $1.begin }
        // The buffer must be covered exactly, without overlaps or holes.
        var expected = 0
        for e in entries {
            let begin = e.begin
            guard begin == expected else { throw fail("tensor '\(e.name)' starts at \(begin), expected \(expected) (overlap or hole)") }
            expected += e.tensor.bytes.count
        }
        guard expected == bufferCount else {
            throw fail("tensors cover \(expected) bytes but the buffer holds \(bufferCount)")
        }
        tensors = entries.map { ($0.name, $0.tensor) }
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try FileInput.read(url) } catch let e as InputError {
            throw FormatError(path: url.path, reason: "cannot read the file: \(e.reason)")
        }
        try self.init(data: data, path: url.path)
    }
}
