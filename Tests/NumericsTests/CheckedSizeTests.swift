import Foundation
import Numerics
import Testing

/// The one way sizes are read (issue 13): products, sums and conversions that answer nil
/// where plain arithmetic would trap, the memory estimate, streaming reads of special files.
@Suite struct CheckedSizeTests {
    @Test func productsAndSumsStopAtOverflowAndLimits() {
        #expect(CheckedSize.product([]) == 1)
        #expect(CheckedSize.product([60000, 28, 28]) == 47_040_000)
        #expect(CheckedSize.product([0, Int.max]) == 0)
        #expect(CheckedSize.product([4_294_967_295, 4_294_967_295, 4_294_967_295]) == nil)
        #expect(CheckedSize.product([1 << 31, 1 << 31, 2]) == nil)
        #expect(CheckedSize.product([1 << 31, 1 << 31]) == 1 << 62)
        #expect(CheckedSize.product([-1, 5]) == nil)
        #expect(CheckedSize.product([10, 10], limit: 99) == nil)
        #expect(CheckedSize.product(Int.max, 1) == Int.max)
        #expect(CheckedSize.sum([Int.max, 1]) == nil)
        #expect(CheckedSize.sum([Int.max - 1, 1]) == Int.max)
        #expect(CheckedSize.sum(3, -1) == nil)
    }

    @Test func jsonNumbersBecomeIntsOnlyWhenWholeAndInRange() {
        let r = 0...Int.max
        #expect(CheckedSize.int(64.0, in: r) == 64)
        #expect(CheckedSize.int(1e19, in: r) == nil)          // whole, beyond Int: Int(1e19) traps
        #expect(CheckedSize.int(0x1p63, in: r) == nil)        // Double(Int.max) rounds up to 2^63
        #expect(CheckedSize.int(0x1p62, in: r) == 1 << 62)
        #expect(CheckedSize.int(-0x1p63, in: Int.min...0) == Int.min)
        #expect(CheckedSize.int(Double.nan, in: r) == nil)
        #expect(CheckedSize.int(Double.infinity, in: r) == nil)
        #expect(CheckedSize.int(2.5, in: r) == nil)
        #expect(CheckedSize.int(-1.0, in: r) == nil)
        #expect(CheckedSize.int(UInt64.max, in: r) == nil)
        #expect(CheckedSize.int(UInt64(Int.max), in: r) == Int.max)
        #expect(CheckedSize.int(Int64.min, in: r) == nil)
        #expect(CheckedSize.int(" 42 ", in: r) == 42)
        #expect(CheckedSize.int("9223372036854775808", in: r) == nil)
        #expect(CheckedSize.int("1e3", in: r) == nil)
        #expect(CheckedSize.int("", in: r) == nil)
        #expect(CheckedSize.list("784, 100,10", in: 1...1000) == [784, 100, 10])
        #expect(CheckedSize.list("784,,10", in: 1...1000) == nil)
        #expect(CheckedSize.list("784,1001", in: 1...1000) == nil)
    }

    @Test func layerListsAreBounded() throws {
        #expect(try InputLimits.parseLayers("784,100,10", source: "--layers") == [784, 100, 10])
        for (text, reason) in [("784,9223372036854775807,10", "layer size 9223372036854775807 is outside 1…1000000"),
                               ("784", "need 2 to 1000 layer sizes"), ("784,0,10", "layer size 0 is outside"),
                               ("784,x,10", "is not a comma-separated list of whole numbers")] {
            #expect {
                try InputLimits.parseLayers(text, source: "--layers")
            } throws: { error in
                "\(error)".hasPrefix("--layers: ") && "\(error)".contains(reason)
            }
        }
        #expect(InputLimits.weightBytes([784, 100, 10], inputFactor: 2, scalarBytes: 8) == (1568 * 100 + 100 * 10) * 8)
        #expect(InputLimits.weightBytes([1_000_000, 1_000_000, 1_000_000, 1_000_000], scalarBytes: 1 << 40) == nil)
    }

    @Test func memoryBudgetNamesTheSourceTheSizeAndTheLimit() throws {
        let limit = MemoryBudget.limitBytes
        #expect(limit > 0 && limit <= MemoryBudget.physicalBytes)
        try MemoryBudget.check(limit, for: "x", source: "a.bin")
        #expect {
            try MemoryBudget.check(elements: limit, of: 4, for: "the images", source: "a.bin")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("a.bin: the images would need ") && text.contains("more than the limit of \(MemoryBudget.format(limit))")
        }
        #expect {
            try MemoryBudget.check(elements: Int.max, of: 2, for: "the images", source: "a.bin")
        } throws: { error in
            "\(error)".contains("more bytes than this computer can address")
        }
        #expect(MemoryBudget.format(512) == "512 bytes")
        #expect(MemoryBudget.format(3 << 30) == "3.0 GiB (3221225472 bytes)")
    }

    @Test func fileInputStreamsPipesAndNamesCauses() throws {
        let payload = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let pipe = Pipe()
        Thread { pipe.fileHandleForWriting.write(payload); try? pipe.fileHandleForWriting.close() }.start()
        let fd = "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)"
        #expect(try FileInput.read(path: fd) == payload)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fileinput-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("f.bin")
        try payload.write(to: file)
        #expect(try FileInput.read(file) == payload)
        let cases: [(String, Int?, String)] = [
            (dir.path, nil, "\(dir.path): is a directory, not a file"),
            (dir.appendingPathComponent("none").path, nil, "\(dir.path)/none: no such file"),
            (file.path + "/x", nil, "a folder on the path is a file"),
            (file.path, 1000, "\(file.path): the file holds 2.9 MiB (3000000 bytes), more than the limit of 1000 bytes"),
            ("", nil, "an empty path names no file"),
        ]
        for (path, limit, message) in cases {
            #expect {
                try FileInput.read(path: path, maxBytes: limit)
            } throws: { error in
                "\(error)".contains(message)
            }
        }
        // A pipe longer than the limit is cut where the limit is passed.
        let long = Pipe()
        Thread { long.fileHandleForWriting.write(payload); try? long.fileHandleForWriting.close() }.start()
        #expect {
            try FileInput.read(path: "/dev/fd/\(long.fileHandleForReading.fileDescriptor)", maxBytes: 1 << 20)
        } throws: { error in
            "\(error)".contains("holds more than the limit of 1.0 MiB (1048576 bytes); stopped reading there")
        }
        // Drain the rest so that the writer finishes (closing the pipe instead would SIGPIPE it).
        _ = long.fileHandleForReading.readDataToEndOfFile()
    }
}
