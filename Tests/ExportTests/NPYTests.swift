import Export
import Foundation
import Testing

@Suite struct NPYTests {
    @Test func headerIsAlignedAndReadsBack() throws {
        let data = NPY.encode(.float32(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5]))
        let bytes = [UInt8](data)
        #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0, "data must start at a multiple of 64 bytes")
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(header.hasSuffix("\n"))
        #expect(data.count == 10 + headerLength + 6 * 4)
        #expect(try NPY.decode(data, name: "a") == .float32(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5]))
    }

    @Test func shapesAndStrings() throws {
        let vector = NPY.encode(.float32(shape: [3], values: [1, 2, 3]))
        #expect(String(decoding: vector.prefix(80), as: UTF8.self).contains("'shape': (3,)"))
        let text = "{\"µ\": \"ü → 1\"}"
        let string = NPY.encode(.unicode(text))
        #expect(String(decoding: string.prefix(80), as: UTF8.self).contains("'descr': '<U\(text.unicodeScalars.count)', 'fortran_order': False, 'shape': ()"))
        #expect(try NPY.decode(string, name: "s") == .unicode(text))
    }

    @Test func damagedArraysAreErrors() {
        let good = NPY.encode(.float32(shape: [4], values: [1, 2, 3, 4]))
        #expect(throws: NPY.FormatError.self) { try NPY.decode(good.dropLast(1), name: "short") }
        #expect(throws: NPY.FormatError.self) { try NPY.decode(good + Data([0]), name: "long") }
        var magic = good
        magic[1] = UInt8(ascii: "X")
        #expect(throws: NPY.FormatError.self) { try NPY.decode(magic, name: "magic") }
        #expect(throws: NPY.FormatError.self) { try NPY.decode(good.prefix(9), name: "tiny") }
        var header = good
        header[8] = 0xFF  // header length beyond the file
        #expect(throws: NPY.FormatError.self) { try NPY.decode(header, name: "header") }
        let doubles = String(decoding: good, as: UTF8.self).replacingOccurrences(of: "<f4", with: "<f8")
        #expect(throws: NPY.FormatError.self) { try NPY.decode(Data(doubles.utf8), name: "dtype") }
    }
}
