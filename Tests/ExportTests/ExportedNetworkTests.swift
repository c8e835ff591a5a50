import EqProp
import Export
import Foundation
import Numerics
import Reporting
import Testing
import TestSupport

/// Writers and readers of the exported network, on small seeded networks.
@Suite struct ExportedNetworkTests {
    static func network(_ sizes: [Int] = [6, 4, 3], activations: [UnitActivation] = [.hardSigmoid, .hardSigmoid],
                        readout: Readout? = nil) throws -> ExportedNetwork {
        var rng = SeededGenerator(seed: 7)
        var ff = FeedforwardNetwork(layerSizes: sizes, activations: activations, rng: &rng)
        for l in 0..<ff.depth { ff.biases[l] = (0..<sizes[l + 1]).map { Float($0) * 0.1 - 0.05 } }
        return try ExportedNetwork(network: ff, readout: readout ?? .single(classes: sizes.last!),
                                   provenance: ["model": "hopfield", "test_error_feedforward": "0.125"])
    }

    let dir: URL = {
        Scratch.directory("export")
    }()

    @Test func plainActivationsAreClipsToTheirBounds() {
        for act in UnitActivation.allCases {
            for j in 0..<6 {
                let (lower, upper) = act.bounds(unit: j, of: 6)
                for v: Float in [-2, -0.5, 0, 0.3, 1, 1.7] {
                    #expect(min(max(v, lower), upper) == act.apply(v, unit: j, of: 6, leaky: false), "\(act) unit \(j) at \(v)")
                }
            }
        }
    }

    @Test func pyTorchLayoutIsTheTranspose() throws {
        let e = try Self.network()
        let tensors = e.namedTensors
        #expect(tensors.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        #expect(tensors[0].shape == [4, 6] && tensors[2].shape == [3, 4])
        let w = e.network.weights[0]  // [in, out]
        #expect(tensors[0].values[2 * 6 + 5] == w[5, 2], "weight[out][in] = ω[in, out]")
    }

    @Test func safeTensorsAndNPZReadBackBitForBit() throws {
        let e = try Self.network([6, 4, 6], activations: [.excitatoryInhibitory, .identity], readout: .differential(classes: 3))
        let safetensors = dir.appendingPathComponent("n.safetensors"), npz = dir.appendingPathComponent("n.npz")
        try e.safeTensors().write(to: safetensors)
        try AtomicFile.write(try e.npz(), to: npz)
        for url in [safetensors, npz] {
            let back = try ExportedNetwork(contentsOf: url)
            #expect(back.network == e.network, "\(url.lastPathComponent)")
            #expect(back.readout == .differential(classes: 3))
            #expect(back.metadata == e.metadata)
        }
        #expect(e.metadata["format"] == "eqprop-export" && e.metadata["eqprop_version"] == "eqprop export format 1")
        #expect(e.metadata["architecture"] == "6,4,6" && e.metadata["activations"] == "excitatory-inhibitory,identity")
        #expect(e.metadata["layers.0.activation"]?.contains("max(v, 0) for units 0..1") == true)
        #expect(e.metadata["test_error_feedforward"] == "0.125")
    }

    @Test func tamperedWeightFilesAreErrorsNamingTheProblem() throws {
        let e = try Self.network()
        let url = dir.appendingPathComponent("t.safetensors")
        func rejects(_ data: Data, _ fragment: String) {
            try? data.write(to: url)
            do {
                _ = try ExportedNetwork(contentsOf: url)
                Issue.record("accepted a tampered file (\(fragment))")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
                #expect("\(error)".contains(url.path))
            }
        }
        let good = e.safeTensors().encoded()
        rejects(good.prefix(good.count / 2), "safetensors")
        var transposed = good  // the header's shape of layers.0.weight, swapped (same length)
        let shape = try #require(good.range(of: Data("[4,6]".utf8)))
        transposed.replaceSubrange(shape, with: Data("[6,4]".utf8))
        rejects(transposed, "layers.0.weight")
        var other = e.safeTensors()
        other.metadata["format"] = "eqprop-checkpoint"
        rejects(other.encoded(), "not an eqprop export")
        var wrongReadout = e.safeTensors()
        wrongReadout.metadata["readout"] = "differential"  // 3 outputs cannot be split in two
        rejects(wrongReadout.encoded(), "readout")
        let npz = try e.npz()
        var flipped = npz
        flipped[200] ^= 0x10
        rejects(flipped, "CRC-32")
        rejects(npz.prefix(npz.count - 30), "zip")
    }

    @Test func differentialReadoutSubtractsTheSecondHalf() {
        let out = FloatMatrix([[1, 5, 2, 0.5, 1, 3]])
        #expect(Readout.differential(classes: 3).scores(out) == FloatMatrix([[0.5, 4, -1]]))
        #expect(Readout.single(classes: 6).scores(out) == out)
        #expect(Readout(name: "differential", outputs: 5) == nil)
    }

    @Test func int8WeightsAreSymmetricPerLayer() {
        let q = Int8Weights([0.5, -1.27, 0.01, 0, 1.0])
        #expect(q.scale == Float(1.27) / 127)
        #expect(q.values == [50, -127, 1, 0, 100])
        #expect(Int8Weights([0, 0]).scale == 1)
    }

    @Test func cSourceHasExactLiteralsAndBothEntryPoints() throws {
        let e = try Self.network()
        let code = e.cSource(headerName: "net.h")
        #expect(code.header.contains("int eqprop_predict(const float *pixels, float *scores);"))
        #expect(code.header.contains("int eqprop_predict_int8(const float *pixels, float *scores);"))
        #expect(code.header.contains("#define EQPROP_INPUTS 6") && code.header.contains("#define EQPROP_CLASSES 3"))
        #expect(code.source.contains("#include \"net.h\""))
        let w = e.weightRows(0)
        #expect(code.source.contains("\n  " + w.row(0).map { "\($0)f" }.joined(separator: ", ") + ",\n"),
                "weights are written as their shortest round-trip decimals")
        #expect(code.source.contains("0.05f") && code.source.contains("-0.05f"))
    }

    @Test func pgmImagesReadWithComments() throws {
        let image = try PGMImage(data: Data("P5\n# a comment\n3 2\n255\n".utf8) + Data([0, 255, 51, 1, 2, 3]), path: "x.pgm")
        #expect(image.width == 3 && image.height == 2)
        #expect(image.pixels == [0, 1, 0.2, Float(1) / 255, Float(2) / 255, Float(3) / 255])
        #expect(try PGMImage(data: PGMImage.encode(width: 2, height: 1, bytes: [9, 8]), path: "y").pixels == [Float(9) / 255, Float(8) / 255])
        for bad in [Data("P2\n1 1\n255\n1".utf8), Data("P5\n2 2\n255\n".utf8) + Data([1, 2, 3]),
                    Data("P5\n1 1\n65535\n".utf8) + Data([0, 1]), Data("P5\n1".utf8)] {
            #expect(throws: ExportError.self) { try PGMImage(data: bad, path: "bad.pgm") }
        }
    }

    @Test func onnxModelStartsWithItsIRVersion() throws {
        let model = try Self.network().onnx()
        #expect(Array(model.prefix(2)) == [0x08, UInt8(ExportedNetwork.onnxIRVersion)], "field 1 (ir_version), varint")
        #expect(String(decoding: model, as: UTF8.self).contains("pixels"))
    }

    @Test func groupsOfFilesAreWrittenAllOrNothing() throws {
        let a = dir.appendingPathComponent("m.c"), b = dir.appendingPathComponent("m.h")
        let files = try ExportFormat.c.files(for: try Self.network(), out: a)
        #expect(files.map(\.url) == [a, b])
        try OutputFiles.write(files, overwrite: false)
        #expect(throws: ExportError.outputExists(path: a.path)) { try OutputFiles.write(files, overwrite: false) }
        try OutputFiles.write(files, overwrite: true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["m.c", "m.h"])
        #expect(throws: ExportError.self) { try ExportFormat.c.files(for: try Self.network(), out: dir.appendingPathComponent("m")) }
    }
}
