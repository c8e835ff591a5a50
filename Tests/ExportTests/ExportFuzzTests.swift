import EqProp
import Export
import Foundation
import Numerics
import Reporting
import Testing
import TestSupport

/// Hostile weight files and images (issue 13): seeded mutation fuzzing of safetensors, npy,
/// npz and PGM readers and of the export reader on top of them, and the crafted cases that
/// trapped before (size products, an npy `descr` width, `architecture` entries).
@Suite struct ExportFuzzTests {
    static func export() throws -> ExportedNetwork { try ExportedNetworkTests.network([6, 4, 3]) }

    static func expectClean(_ report: FuzzReport, seeds: Int) {
        print(report)
        #expect(report.unclearErrors.isEmpty, "\(report.unclearErrors.prefix(5))")
        #expect(report.invalidResults.isEmpty, "\(report.invalidResults.prefix(5))")
        #expect(report.accepted >= seeds && report.rejected > 0, "\(report)")
        #expect(report.slowestCaseSeconds < 2, "\(report)")
    }

    /// safetensors: every tensor's byte count must match its shape and dtype.
    @Test(.timeLimit(.minutes(5))) func fuzzSafeTensors() throws {
        let seeds = [try Self.export().safeTensors().encoded(),
                     SafeTensors(tensors: [("x", .init([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3]))], metadata: ["k": "v"]).encoded()]
        let report = MutationFuzzer.run("safetensors", seed: 21, cases: 700, seeds: seeds) { data, path in
            let file = try SafeTensors(data: data, path: path)
            for (name, t) in file.tensors {
                guard let n = CheckedSize.product(t.shape), n * t.dtype.size == t.bytes.count else {
                    return "tensor \(name) of shape \(t.shape) holds \(t.bytes.count) bytes"
                }
            }
            return nil
        }
        Self.expectClean(report, seeds: seeds.count)
    }

    /// Exports as `eqprop infer --weights` reads them (safetensors and npz): a network whose
    /// layers match the metadata, or an error naming the file.
    @Test(.timeLimit(.minutes(5))) func fuzzExportReader() throws {
        let net = try Self.export()
        let npz = try net.npz()
        let seeds = [net.safeTensors().encoded(), npz]
        func check(_ data: Data, _ path: String) throws -> String? {
            let read = try ExportedNetwork(data: data, path: path)
            guard read.network.layerSizes.count >= 2, read.network.weights.count == read.network.layerSizes.count - 1 else {
                return "inconsistent network \(read.network.layerSizes)"
            }
            return nil
        }
        Self.expectClean(MutationFuzzer.run("export", seed: 22, cases: 500, seeds: seeds, read: check), seeds: seeds.count)

        // npz entries carry CRC-32s, so most raw mutations stop there: mutate one entry and
        // re-zip it with a valid CRC, to reach the npy and metadata parsers.
        let entries = try StoredZip.entries(of: npz)
        var fuzzer = MutationFuzzer(seed: 5)
        let rezipped: [Data] = (0..<300).map { _ in
            var e = entries
            let i = fuzzer.below(e.count)
            e[i].data = fuzzer.mutate(e[i].data)
            return StoredZip.encode(e)
        }
        let report = MutationFuzzer.run("npz-entries", seed: 23, cases: rezipped.count, seeds: rezipped, read: check)
        print(report)
        #expect(report.unclearErrors.isEmpty, "\(report.unclearErrors.prefix(5))")
        #expect(report.invalidResults.isEmpty, "\(report.invalidResults.prefix(5))")
        #expect(report.rejected > 0 && report.slowestCaseSeconds < 2, "\(report)")
    }

    /// npy arrays on their own (float32 of any rank, 0-d unicode).
    @Test(.timeLimit(.minutes(5))) func fuzzNPY() {
        let seeds = [NPY.encode(.float32(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])), NPY.encode(.unicode("{\"format\":\"x\"}")),
                     NPY.encode(.float32(shape: [], values: [7]))]
        let report = MutationFuzzer.run("npy", seed: 24, cases: 600, seeds: seeds) { data, name in
            if case let .float32(shape, values) = try NPY.decode(data, name: name), CheckedSize.product(shape) != values.count {
                return "shape \(shape) with \(values.count) values"
            }
            return nil
        }
        Self.expectClean(report, seeds: seeds.count)
    }

    /// Binary PGM images.
    @Test(.timeLimit(.minutes(5))) func fuzzPGM() {
        let seeds = [PGMImage.encode(width: 4, height: 3, bytes: (0..<12).map { UInt8($0 * 20) }),
                     Data("P5\n# a comment\n2 2\n15\n".utf8) + Data([0, 5, 10, 15])]
        let report = MutationFuzzer.run("pgm", seed: 25, cases: 500, seeds: seeds) { data, path in
            let image = try PGMImage(data: data, path: path)
            guard image.pixels.count == image.width * image.height, image.pixels.allSatisfy({ (0...1).contains($0) }) else {
                return "\(image.width)x\(image.height) with \(image.pixels.count) pixels"
            }
            return nil
        }
        Self.expectClean(report, seeds: seeds.count)
    }

    // MARK: crafted cases (each crashed before issue 13)

    /// A safetensors header whose dimensions are each below 2^32 but whose product overflows.
    @Test func safeTensorsShapeProductOverflow() throws {
        for shape in ["[4294967295,4294967295,4294967295]", "[2147483648,2147483648,4]", "[65536,65536,65536,65536,65536]"] {
            var json = Data("{\"t\":{\"dtype\":\"F64\",\"shape\":\(shape),\"data_offsets\":[0,8]}}".utf8)
            while json.count % 8 != 0 { json.append(0x20) }
            var data = Data()
            withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
            data += json + Data(count: 8)
            #expect {
                try SafeTensors(data: data, path: "overflow.safetensors")
            } throws: { error in
                "\(error)".contains("overflow.safetensors") && "\(error)".contains("more bytes than can be addressed")
            }
        }
    }

    /// A safetensors header nested 100,000 deep: refused, not a stack overflow.
    @Test func deeplyNestedSafeTensorsHeader() throws {
        var json = Data("{\"__metadata__\":".utf8) + Data(repeating: UInt8(ascii: "["), count: 100_000)
            + Data(repeating: UInt8(ascii: "]"), count: 100_000) + Data("}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        #expect {
            try ExportedNetwork(data: data + json, path: "deep.safetensors")
        } throws: { error in
            "\(error)".hasPrefix("--weights deep.safetensors: neither an npz archive nor a valid safetensors file (the header is not a JSON object)")
        }
    }

    /// An npy header whose shape product overflows, and `descr` widths that overflow 4·n.
    @Test func npyShapeAndDescrWidth() throws {
        func npy(_ header: String, payload: Data = Data(count: 8)) -> Data {
            var h = header
            while (10 + h.utf8.count + 1) % 64 != 0 { h += " " }
            h += "\n"
            var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
            out.append(contentsOf: [UInt8(h.utf8.count & 0xFF), UInt8(h.utf8.count >> 8)])
            return out + Data(h.utf8) + payload
        }
        let cases = [
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967295, 4294967295, 4294967295), }",
            "{'descr': '<U4611686018427387904', 'fortran_order': False, 'shape': (), }",
            "{'descr': '<U9223372036854775807', 'fortran_order': False, 'shape': (), }",
            "{'descr': '<U-2', 'fortran_order': False, 'shape': (), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2), }",
        ]
        for header in cases {
            #expect(throws: NPY.FormatError.self, "\(header)") { try NPY.decode(npy(header), name: "crafted.npy") }
        }
    }

    /// `architecture` entries beyond any layer size, negative or not numbers.
    @Test func exportArchitectureEntries() throws {
        let good = try Self.export().safeTensors()
        for arch in ["6,9223372036854775807,3", "6,-4,3", "6,4,3,", "6", "1e19,4,3", String(repeating: "6,", count: 2000) + "3"] {
            var file = good
            file.metadata["architecture"] = arch
            #expect {
                try ExportedNetwork(data: file.encoded(), path: "arch.safetensors")
            } throws: { error in
                "\(error)".contains("arch.safetensors") && MutationFuzzer.unclearMessage("\(error)", naming: "arch.safetensors") == nil
            }
        }
    }

    /// `eqprop infer --weights` reads a pipe (`/dev/fd/N`) and names a folder as one.
    @Test func exportThroughAPipeAndFromAFolder() throws {
        let bytes = try Self.export().safeTensors().encoded()
        let pipe = Pipe()
        let writer = Thread { pipe.fileHandleForWriting.write(bytes); try? pipe.fileHandleForWriting.close() }
        writer.start()
        let read = try ExportedNetwork(contentsOf: URL(fileURLWithPath: "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)"))
        #expect(read.network.layerSizes == [6, 4, 3])
        let dir = Scratch.directory("export-dir")
        #expect {
            try ExportedNetwork(contentsOf: dir)
        } throws: { error in
            "\(error)" == "--weights \(dir.path): cannot read the file: is a directory, not a file"
        }
    }
}
