import Export
import Foundation
import Testing

/// The protobuf wire format, against the examples of the protobuf encoding guide.
@Suite struct ProtobufTests {
    @Test func varints() {
        #expect(ProtobufMessage.varint(0) == [0x00])
        #expect(ProtobufMessage.varint(1) == [0x01])
        #expect(ProtobufMessage.varint(127) == [0x7F])
        #expect(ProtobufMessage.varint(150) == [0x96, 0x01])
        #expect(ProtobufMessage.varint(300) == [0xAC, 0x02])
        #expect(ProtobufMessage.varint(UInt64.max) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test func fieldsCarryTheirNumberAndWireType() {
        var m = ProtobufMessage()
        m.int(1, 150)  // field 1, varint: key 0x08
        #expect([UInt8](m.encoded) == [0x08, 0x96, 0x01])

        var s = ProtobufMessage()
        s.string(2, "testing")  // field 2, length-delimited: key 0x12, length 7
        #expect([UInt8](s.encoded) == [0x12, 0x07] + Array("testing".utf8))

        var nested = ProtobufMessage()
        nested.message(3, m)  // field 3, length-delimited: key 0x1a, the inner message's 3 bytes
        #expect([UInt8](nested.encoded) == [0x1A, 0x03, 0x08, 0x96, 0x01])

        var negative = ProtobufMessage()
        negative.int(1, -1)  // negative ints take 10 bytes (64-bit two's complement)
        #expect(negative.encoded.count == 11)

        var packed = ProtobufMessage()
        packed.packedInts(4, [3, 270, 86942])
        #expect([UInt8](packed.encoded) == [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])

        var f = ProtobufMessage()
        f.float(2, 1)  // wire type 5: key 0x15, IEEE-754 little-endian
        #expect([UInt8](f.encoded) == [0x15, 0x00, 0x00, 0x80, 0x3F])

        var big = ProtobufMessage()
        big.int(16, 1)  // field numbers ≥ 16 need a two-byte key
        #expect([UInt8](big.encoded) == [0x80, 0x01, 0x01])
    }
}
