import Foundation

/// A protocol-buffers message in the binary wire format, written field by field (enough to
/// encode ONNX models without a protobuf dependency).
///
/// Each field is a key, varint(field number << 3 | wire type), followed by its value:
/// wire type 0 for varints (int32/int64/enum/bool; negative numbers as their 64-bit two's
/// complement, 10 bytes), 2 for length-delimited values (strings, bytes, nested messages,
/// packed repeated numbers: a varint byte count, then the bytes). Fields may come in any
/// order; a repeated field is written once per element.
public struct ProtobufMessage: Sendable, Equatable {
    /// The message's bytes so far.
    public private(set) var encoded = Data()

    public init() {}

    public enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// The base-128 varint of `value`: 7 bits per byte, least significant first, high bit set
    /// on every byte but the last.
    public static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    private mutating func key(_ field: Int, _ type: WireType) {
        precondition(field > 0 && field < 1 << 29, "protobuf field numbers are 1…2²⁹−1")
        encoded.append(contentsOf: Self.varint(UInt64(field) << 3 | type.rawValue))
    }

    /// An int32, int64 or enum field.
    public mutating func int(_ field: Int, _ value: Int64) {
        key(field, .varint)
        encoded.append(contentsOf: Self.varint(UInt64(bitPattern: value)))
    }

    public mutating func int(_ field: Int, _ value: Int) { int(field, Int64(value)) }

    /// A float field (wire type 5, 4 little-endian bytes).
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { encoded.append(contentsOf: $0) }
    }

    public mutating func data(_ field: Int, _ value: Data) {
        key(field, .lengthDelimited)
        encoded.append(contentsOf: Self.varint(UInt64(value.count)))
        encoded.append(value)
    }

    public mutating func string(_ field: Int, _ value: String) { data(field, Data(value.utf8)) }

    public mutating func message(_ field: Int, _ value: ProtobufMessage) { data(field, value.encoded) }

    /// A packed repeated int64 field: one length-delimited run of varints.
    public mutating func packedInts(_ field: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        data(field, Data(values.flatMap { Self.varint(UInt64(bitPattern: $0)) }))
    }
}
