/// A 64-bit FNV-1a checksum, to compare state across ranks with `Communicator.agree(on:)`
/// (conductances, the resolved configuration) without sending it. Doubles are hashed by their
/// bit patterns, so +0 and −0 or two NaN payloads differ: ranks must hold the same bits.
/// Not cryptographic: it detects accidental differences, not deliberate ones.
public struct Checksum: Sendable, Equatable {
    /// The checksum so far.
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    /// Adds `bytes`.
    public mutating func add(bytes: some Sequence<UInt8>) {
        for b in bytes {
            value ^= UInt64(b)
            value &*= 0x0000_0100_0000_01b3
        }
    }

    /// Adds the bit patterns of `values` (little-endian, 8 bytes each).
    public mutating func add(_ values: some Sequence<Double>) {
        for v in values {
            var bits = v.bitPattern
            for _ in 0..<8 {
                value ^= bits & 0xff
                value &*= 0x0000_0100_0000_01b3
                bits >>= 8
            }
        }
    }

    /// Adds a string's UTF-8 bytes.
    public mutating func add(_ text: String) { add(bytes: text.utf8) }

    /// The checksum of `bytes`.
    public static func of(bytes: some Sequence<UInt8>) -> UInt64 { var c = Checksum(); c.add(bytes: bytes); return c.value }
    /// The checksum of the bit patterns of `values`.
    public static func of(_ values: some Sequence<Double>) -> UInt64 { var c = Checksum(); c.add(values); return c.value }
}
