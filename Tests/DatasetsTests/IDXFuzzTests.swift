import Datasets
import Foundation
import Numerics
import Testing
import TestSupport

/// Hostile IDX files (issue 13): a seeded mutation fuzzer over raw and gzip-compressed IDX
/// files, and the crafted cases that crashed or exhausted memory before: size products that
/// overflow, a gzip bomb, special files.
@Suite struct IDXFuzzTests {
    static let seeds: [Data] = {
        let images = IDXFile.encode(shape: [5, 4, 3], bytes: (0..<60).map { UInt8(($0 * 37) % 256) })
        let labels = IDXFile.encode(shape: [5], bytes: [0, 9, 3, 3, 7])
        let cube = IDXFile.encode(shape: [2, 2, 2, 2], bytes: (0..<16).map { UInt8($0) })
        return [images, labels, cube, Gzip.compress(images), Gzip.compress(labels), Gzip.compress(cube)]
    }()

    /// 1,500 mutants: each is read in-process and must give a consistent IDX file or an error
    /// naming the file, within 2 s.
    @Test(.timeLimit(.minutes(5))) func fuzzIDXAndGzip() {
        let report = MutationFuzzer.run("idx", seed: 13, cases: 1500, seeds: Self.seeds) { data, path in
            let file = try IDXFile(fileData: data, path: path)
            guard CheckedSize.product(file.shape) == file.bytes.count else {
                return "shape \(file.shape) does not match \(file.bytes.count) bytes"
            }
            return nil
        }
        print(report)
        #expect(report.unclearErrors.isEmpty, "\(report.unclearErrors.prefix(5))")
        #expect(report.invalidResults.isEmpty, "\(report.invalidResults.prefix(5))")
        #expect(report.accepted >= Self.seeds.count && report.rejected > report.cases / 2, "\(report)")
        #expect(report.slowestCaseSeconds < 2, "\(report)")
    }

    /// The sizes of a 4-d IDX header are each below 2^32, their product is not: an error, not
    /// an overflow trap.
    @Test func overflowingShapeIsRefused() throws {
        var header = Data([0, 0, 8, 4])
        for _ in 0..<4 { header.append(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF]) }
        for data in [header, Gzip.compress(header)] {
            #expect {
                try IDXFile(fileData: data, path: "huge.idx")
            } throws: { error in
                "\(error)".contains("huge.idx") && "\(error)".contains("fits in memory")
            }
        }
    }

    /// A header announcing more bytes than memory allows is refused from the header alone.
    @Test func shapeBeyondTheMemoryBudgetIsRefused() throws {
        // 65535 × 65535 × 65535 bytes = 2.8e14: no overflow, far beyond 3/4 of any RAM here.
        let header = Data([0, 0, 8, 3, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF])
        #expect {
            try IDXFile(fileData: Gzip.compress(header + Data(count: 1000)), path: "big.idx.gz")
        } throws: { error in
            "\(error)".contains("big.idx.gz") && "\(error)".contains("limit")
        }
    }

    /// A gzip bomb: 64 MiB of zeros after a header announcing 10 bytes of data compress to
    /// ~64 KiB. Inflating stops at the announced size instead of inflating everything first.
    @Test func gzipBombStopsAtTheAnnouncedSize() throws {
        var raw = IDXFile.encode(shape: [10], bytes: [UInt8](repeating: 1, count: 10))
        raw.append(Data(count: 64 << 20))
        let bomb = Gzip.compress(raw, level: 9)
        #expect(bomb.count < 1 << 20)
        let start = Date()
        #expect {
            try IDXFile(fileData: bomb, path: "bomb.gz")
        } throws: { error in
            "\(error)".contains("bomb.gz") && "\(error)".contains("more than the 18 bytes its header announces")
        }
        // Stopped after the first 64 KiB chunk: far less than the 64 MiB inflate would take.
        #expect(Date().timeIntervalSince(start) < 0.2)
    }

    /// Without a header to go by, the inflated size is bounded by the limit given.
    @Test func gzipWithoutHeaderStopsAtTheLimit() throws {
        let bomb = Gzip.compress(Data(count: 8 << 20), level: 9)
        #expect {
            try Gzip.decompress(bomb, path: "plain.gz", maxBytes: 1 << 20)
        } throws: { error in
            "\(error)".contains("plain.gz") && "\(error)".contains("more than the limit")
        }
        #expect(try Gzip.decompress(bomb, path: "plain.gz", maxBytes: 8 << 20).count == 8 << 20)
    }

    /// `/dev/fd/N` of a pipe (what `<(…)` gives) and a FIFO are read like files; a folder and a
    /// missing file are named with the cause in words, no Foundation error code.
    @Test func specialFilesAreReadAndMessagesNameTheCause() throws {
        let raw = IDXFile.encode(shape: [3, 2, 2], bytes: (0..<12).map(UInt8.init))
        let gz = Gzip.compress(raw)
        let pipe = Pipe()
        let writer = Thread { pipe.fileHandleForWriting.write(gz); try? pipe.fileHandleForWriting.close() }
        writer.start()
        let file = try IDXFile(contentsOf: URL(fileURLWithPath: "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)"))
        #expect(file.shape == [3, 2, 2] && file.bytes == (0..<12).map(UInt8.init))

        let dir = Scratch.directory("idx-special")
        let fifo = dir.appendingPathComponent("fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let fifoWriter = Thread {
            if let h = FileHandle(forWritingAtPath: fifo.path) { h.write(raw); try? h.close() }
        }
        fifoWriter.start()
        #expect(try IDXFile(contentsOf: fifo).shape == [3, 2, 2])

        for (url, cause) in [(dir, "is a directory"), (dir.appendingPathComponent("missing"), "no such file")] {
            #expect {
                try IDXFile(contentsOf: url)
            } throws: { error in
                "\(error)".contains(url.path) && "\(error)".contains(cause) && MutationFuzzer.unclearMessage("\(error)", naming: url.path) == nil
            }
        }
    }
}
