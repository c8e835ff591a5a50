import Export
import Reporting
import Foundation
import Testing

@Suite struct StoredZipTests {
    @Test func crc32IsZlibs() {
        #expect(crc32Checksum(Data("123456789".utf8)) == 0xCBF4_3926)  // the CRC-32 check value
    }

    @Test func archiveRoundTripsWithCRCInHeaders() throws {
        let entries: [(name: String, data: Data)] = [("a.npy", Data("123456789".utf8)), ("empty.npy", Data()),
                                                     ("b.npy", Data((0..<1000).map { UInt8($0 % 251) }))]
        let zip = StoredZip.encode(entries)
        let bytes = [UInt8](zip)
        #expect(Array(bytes[0..<4]) == [0x50, 0x4B, 0x03, 0x04])
        #expect(Array(bytes[14..<18]) == [0x26, 0x39, 0xF4, 0xCB], "CRC-32 little-endian in the local header")
        #expect(Array(bytes[(bytes.count - 22)..<(bytes.count - 18)]) == [0x50, 0x4B, 0x05, 0x06])
        let read = try StoredZip.entries(of: zip)
        #expect(read.map(\.name) == entries.map(\.name))
        #expect(read.map(\.data) == entries.map(\.data))
        #expect(StoredZip.encode(entries) == zip, "the same entries give the same bytes")
    }

    @Test func damageIsDetected() {
        let zip = StoredZip.encode([("a.npy", Data("hello, world".utf8))])
        var flipped = zip
        flipped[30 + 5 + 2] ^= 0x01  // a byte of the content
        #expect(throws: StoredZip.FormatError.self) { try StoredZip.entries(of: flipped) }
        #expect(throws: StoredZip.FormatError.self) { try StoredZip.entries(of: zip.prefix(zip.count - 10)) }
        #expect(throws: StoredZip.FormatError.self) { try StoredZip.entries(of: zip.suffix(40)) }
        var offset = zip
        offset[offset.count - 6] = 0x7F  // central directory offset beyond the file
        #expect(throws: StoredZip.FormatError.self) { try StoredZip.entries(of: offset) }
    }
}
