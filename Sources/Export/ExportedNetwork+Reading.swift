import EqProp
import Foundation
import Numerics
import Reporting

extension ExportedNetwork {
    /// Reads a safetensors or npz export (told apart by the first bytes: a zip starts with
    /// "PK\u{3}\u{4}"). Every tensor's dtype and shape is checked against the metadata's
    /// `architecture`, so a truncated or tampered file is an error naming what is wrong.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let data: Data
        do { data = try FileInput.read(url) } catch let e as InputError {
            throw ExportError.invalidExport(path: path, reason: "cannot read the file: \(e.reason)")
        }
        try self.init(data: data, path: path)
    }

    /// Reads the bytes of a safetensors or npz export; `path` names it in errors.
    public init(data: Data, path: String) throws {
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let contents = try Self.npzContents(data, path: path)
            try self.init(tensors: contents.tensors, metadata: contents.metadata, path: path)
        } else {
            let file: SafeTensors
            do { file = try SafeTensors(data: data, path: path) } catch let e as SafeTensors.FormatError {
                // An ONNX model is a protobuf that opens with ir_version (tag 0x08, a one-byte
                // varint for the versions in use) and then, as most writers order the fields,
                // producer_name (tag 0x12).
                if path.lowercased().hasSuffix(".onnx") || (data.count > 2 && data[data.startIndex] == 0x08 && data[data.startIndex + 2] == 0x12) {
                    throw ExportError.invalidExport(path: path, reason: "an ONNX model, which only an ONNX runtime reads: eqprop infer reads "
                                                    + "the safetensors and npz exports (eqprop export --format safetensors)")
                }
                throw ExportError.invalidExport(path: path, reason: "neither an npz archive nor a valid safetensors file (\(e.reason)); "
                                                + "eqprop reads the safetensors and npz files of eqprop export")
            }
            try self.init(tensors: Dictionary(file.tensors, uniquingKeysWith: { a, _ in a }), metadata: file.metadata, path: path)
        }
    }

    /// Rebuilds the network from `namedTensors`-style tensors and `metadata`.
    init(tensors: [String: SafeTensors.Tensor], metadata: [String: String], path: String) throws {
        func fail(_ reason: String) -> ExportError { .invalidExport(path: path, reason: reason) }
        guard metadata["format"] == ExportMetadata.format else {
            throw fail("not an eqprop export (metadata 'format' is \(metadata["format"].map { "'\($0)'" } ?? "missing"), "
                       + "expected '\(ExportMetadata.format)'); write one with `eqprop export`")
        }
        guard let architecture = metadata["architecture"], let activationNames = metadata["activations"],
              let readoutName = metadata["readout"] else {
            throw fail("metadata lacks architecture, activations or readout")
        }
        let sizes: [Int]
        do { sizes = try InputLimits.parseLayers(architecture, source: "metadata 'architecture'") } catch let e as InputError {
            throw fail(e.description)
        }
        let activations = activationNames.split(separator: ",").compactMap { UnitActivation(rawValue: String($0)) }
        guard activations.count == sizes.count - 1 else {
            throw fail("malformed metadata: architecture '\(architecture.prefix(200))', activations '\(activationNames.prefix(200))'")
        }
        guard let readout = Readout(name: readoutName, outputs: sizes.last!) else {
            throw fail("readout '\(readoutName)' does not fit a last layer of \(sizes.last!) units")
        }
        var weights: [FloatMatrix] = [], biases: [[Float]] = []
        for l in 0..<(sizes.count - 1) {
            let (n, m) = (sizes[l], sizes[l + 1])
            guard let w = tensors["layers.\(l).weight"], w.dtype == .f32, w.shape == [m, n] else {
                throw fail("tensor 'layers.\(l).weight' is missing or not float32 of shape [\(m), \(n)] "
                           + "(found \(tensors["layers.\(l).weight"].map { "\($0.dtype.rawValue) \($0.shape)" } ?? "nothing"))")
            }
            guard let b = tensors["layers.\(l).bias"], b.dtype == .f32, b.shape == [m] else {
                throw fail("tensor 'layers.\(l).bias' is missing or not float32 of shape [\(m)]")
            }
            weights.append(FloatMatrix(rows: m, columns: n, elements: w.floats).transposed)
            biases.append(b.floats)
        }
        let network = FeedforwardNetwork(layerSizes: sizes, weights: weights, biases: biases, activations: activations)
        guard network.isFinite else { throw fail("the weights hold NaN or infinite values") }
        try self.init(network: network, readout: readout, provenance: metadata)
    }
}
