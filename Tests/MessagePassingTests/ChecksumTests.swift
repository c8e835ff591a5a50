import MessagePassing
import Testing

@Suite struct ChecksumTests {
    /// The published FNV-1a 64 test vectors.
    @Test func matchesFNV1aVectors() {
        #expect(Checksum.of(bytes: []) == 0xcbf2_9ce4_8422_2325)
        #expect(Checksum.of(bytes: Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(Checksum.of(bytes: Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    }

    /// Doubles are hashed by their bits, little-endian.
    @Test func doublesByBitPattern() {
        let values = [1.5, -0.0, .pi]
        #expect(Checksum.of(values) == Checksum.of(bytes: values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }))
        #expect(Checksum.of([0.0]) != Checksum.of([-0.0]))
        #expect(Checksum.of([1, 2]) != Checksum.of([2, 1]))
        var c = Checksum()
        c.add([1.5])
        c.add("config")
        var d = Checksum()
        d.add([1.5])
        d.add(bytes: Array("config".utf8))
        #expect(c == d)
    }
}
