import Foundation
import Numerics

/// NumPy's `.npy` format, version 1.0, for the arrays eqprop writes: little-endian float32
/// arrays of any rank and 0-d unicode strings.
///
/// Layout: the magic `\x93NUMPY`, the version bytes 1 and 0, a little-endian UInt16 header
/// length H, then H bytes of ASCII: a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (500, 784), }` padded with spaces and
/// ended by `\n` so that the data start at a multiple of 64 bytes; then the elements in C
/// order. A 0-d unicode array has `'descr': '<U<n>'` (n characters), `'shape': ()` and holds
/// each character as a little-endian UTF-32 code unit.
public enum NPY {
    public enum Array: Equatable, Sendable {
        case float32(shape: [Int], values: [Float])
        case unicode(String)
    }

    static let magic: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8)

    public static func encode(_ array: Array) -> Data {
        let descr: String, shape: [Int], body: Data
        switch array {
        case let .float32(s, values):
            precondition(values.count == s.reduce(1, *), "shape does not match the value count")
            (descr, shape) = ("<f4", s)
            body = values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) }
        case let .unicode(text):
            let scalars = text.unicodeScalars.map { $0.value.littleEndian }
            (descr, shape) = ("<U\(max(scalars.count, 1))", [])
            body = (scalars.isEmpty ? [0] : scalars).withUnsafeBytes { Data($0) }
        }
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple(shape)), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data(magic + [1, 0])
        let length = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        out.append(contentsOf: header.utf8)
        out.append(body)
        return out
    }

    /// A Python tuple literal: `()`, `(3,)`, `(2, 3)`.
    static func tuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    public struct FormatError: Error, CustomStringConvertible, Equatable {
        public let name: String
        public let reason: String
        public var description: String { "\(name): not a valid .npy array: \(reason)" }
    }

    /// Reads an array written by `encode` (or by NumPy, for these dtypes); `name` is used in
    /// error messages. Checks the magic, the header and that the data have exactly the size
    /// the header announces.
    public static func decode(_ data: Data, name: String) throws -> Array {
        func fail(_ reason: String) -> FormatError { FormatError(name: name, reason: reason) }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Swift.Array(bytes[0..<6]) == magic else { throw fail("no \\x93NUMPY magic") }
        let major = bytes[6]
        let lengthBytes = major == 1 ? 2 : 4
        guard major >= 1 && major <= 3, bytes.count >= 8 + lengthBytes else { throw fail("unsupported version \(major).\(bytes[7])") }
        let headerLength = bytes[8..<(8 + lengthBytes)].reversed().reduce(0) { $0 << 8 | Int($1) }
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= bytes.count,
              let header = String(bytes: bytes[(8 + lengthBytes)..<dataStart], encoding: major == 3 ? .utf8 : .ascii) else {
            throw fail("header length \(headerLength) does not fit in \(bytes.count) bytes")
        }
        guard let descr = quoted(after: "'descr':", in: header),
              let shapeText = parenthesized(after: "'shape':", in: header) else {
            throw fail("header lacks 'descr' or 'shape': \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let parts = shapeText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let dims = parts.compactMap { Int($0) }
        guard dims.count == parts.count, dims.count <= InputLimits.dimensions, dims.allSatisfy({ $0 >= 0 && $0 < 1 << 32 }) else {
            throw fail("bad shape (\(shapeText.prefix(200))): at most \(InputLimits.dimensions) whole numbers in 0..<2^32")
        }
        if header.contains("'fortran_order': True") && dims.count > 1 { throw fail("Fortran-order arrays are not supported") }
        let payload = bytes[dataStart...]
        switch descr {
        case "<f4":
            // The product of the dimensions, checked: (2^31, 2^31, 2^31) overflows Int.
            guard let count = CheckedSize.product(dims), let needed = CheckedSize.product(count, 4) else {
                throw fail("shape \(dims) of float32 would need more bytes than can be addressed")
            }
            guard payload.count == needed else {
                throw fail("shape \(dims) of float32 needs \(needed) data bytes, the array holds \(payload.count)")
            }
            let values = payload.withUnsafeBytes { p in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
            return .float32(shape: dims, values: values)
        case let d where d.hasPrefix("<U"):
            guard dims.isEmpty, let width = CheckedSize.int(d.dropFirst(2), in: 1...(Int.max / 4)), payload.count == 4 * width else {
                throw fail("a unicode array must be 0-d with 4 bytes per character (descr \(d), shape \(dims), \(payload.count) bytes)")
            }
            var scalars = String.UnicodeScalarView()
            for i in 0..<width {
                let v = payload.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
                if v == 0 { break }  // NumPy pads shorter strings with NUL
                guard let s = Unicode.Scalar(v) else { throw fail("invalid UTF-32 code unit \(v)") }
                scalars.append(s)
            }
            return .unicode(String(scalars))
        default:
            throw fail("unsupported dtype '\(descr)' (eqprop reads '<f4' arrays and 0-d '<U' strings)")
        }
    }

    /// The text between the quotes that follow `key`.
    private static func quoted(after key: String, in header: String) -> String? {
        guard let k = header.range(of: key) else { return nil }
        let rest = header[k.upperBound...].drop { $0 == " " }
        guard let quote = rest.first, quote == "'" || quote == "\"" else { return nil }
        let body = rest.dropFirst()
        guard let end = body.firstIndex(of: quote) else { return nil }
        return String(body[..<end])
    }

    /// The text inside the parentheses that follow `key`.
    private static func parenthesized(after key: String, in header: String) -> String? {
        guard let k = header.range(of: key) else { return nil }
        let rest = header[k.upperBound...].drop { $0 == " " }
        guard rest.first == "(", let end = rest.firstIndex(of: ")") else { return nil }
        return String(rest[rest.index(after: rest.startIndex)..<end])
    }
}
