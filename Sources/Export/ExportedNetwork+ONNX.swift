import EqProp
import Foundation

extension ExportedNetwork {
    public static let onnxOpset = 13
    public static let onnxIRVersion = 7

    /// The whole inference graph as an ONNX model (IR version 7, opset 13), activations and
    /// readout included:
    ///
    /// - input `pixels`: float [N, inputs], N symbolic, raw pixels in [0, 1];
    /// - per layer l: `MatMul` with the initializer `layers.<l>.matmul_weight` [in, out] (the
    ///   transpose of the PyTorch-layout `layers.<l>.weight`), `Add` of `layers.<l>.bias`,
    ///   then the activation: `Clip` between the scalar initializers `clip.zero` and `clip.one`
    ///   (hard-sigmoid), `Max` with `layers.<l>.lower` and `Min` with `layers.<l>.upper`, the
    ///   per-unit bounds of `UnitActivation.bounds` (excitatory-inhibitory), nothing (identity);
    /// - readout: `Identity` (single), or two `Slice`s of the last layer and `Sub` (differential);
    /// - outputs: `scores` float [N, classes] first, then `class` int64 [N] (`ArgMax`, axis 1,
    ///   the first index on ties).
    ///
    /// `metadata` goes to the model's `metadata_props`.
    public func onnx() -> Data {
        var nodes: [ProtobufMessage] = []
        var initializers: [ProtobufMessage] = []
        var current = "pixels"
        if network.activations.contains(.hardSigmoid) {
            initializers.append(ONNXProto.tensor(name: "clip.zero", dims: [], floats: [0]))
            initializers.append(ONNXProto.tensor(name: "clip.one", dims: [], floats: [1]))
        }
        for l in 0..<depth {
            let (n, m) = (network.layerSizes[l], network.layerSizes[l + 1])
            let p = "layers.\(l)"
            initializers.append(ONNXProto.tensor(name: "\(p).matmul_weight", dims: [n, m], floats: network.weights[l].elements))
            initializers.append(ONNXProto.tensor(name: "\(p).bias", dims: [m], floats: network.biases[l]))
            nodes.append(ONNXProto.node("MatMul", inputs: [current, "\(p).matmul_weight"], outputs: ["\(p).product"], name: "\(p).matmul"))
            nodes.append(ONNXProto.node("Add", inputs: ["\(p).product", "\(p).bias"], outputs: ["\(p).preactivation"], name: "\(p).add"))
            current = "\(p).preactivation"
            switch network.activations[l] {
            case .hardSigmoid:
                nodes.append(ONNXProto.node("Clip", inputs: [current, "clip.zero", "clip.one"], outputs: ["\(p).output"],
                                            name: "\(p).hard_sigmoid"))
                current = "\(p).output"
            case .excitatoryInhibitory:
                let bounds = (0..<m).map { network.activations[l].bounds(unit: $0, of: m) }
                initializers.append(ONNXProto.tensor(name: "\(p).lower", dims: [m], floats: bounds.map(\.lower)))
                initializers.append(ONNXProto.tensor(name: "\(p).upper", dims: [m], floats: bounds.map(\.upper)))
                nodes.append(ONNXProto.node("Max", inputs: [current, "\(p).lower"], outputs: ["\(p).above_lower"], name: "\(p).max"))
                nodes.append(ONNXProto.node("Min", inputs: ["\(p).above_lower", "\(p).upper"], outputs: ["\(p).output"], name: "\(p).min"))
                current = "\(p).output"
            case .identity:
                break
            }
        }
        switch readout {
        case .single:
            nodes.append(ONNXProto.node("Identity", inputs: [current], outputs: ["scores"], name: "readout"))
        case .differential(let k):
            initializers += [
                ONNXProto.tensor(name: "readout.axes", dims: [1], int64s: [1]),
                ONNXProto.tensor(name: "readout.positive_start", dims: [1], int64s: [0]),
                ONNXProto.tensor(name: "readout.negative_start", dims: [1], int64s: [Int64(k)]),
                ONNXProto.tensor(name: "readout.negative_end", dims: [1], int64s: [Int64(2 * k)]),
            ]
            nodes.append(ONNXProto.node("Slice", inputs: [current, "readout.positive_start", "readout.negative_start", "readout.axes"],
                                        outputs: ["readout.positive"], name: "readout.slice_positive"))
            nodes.append(ONNXProto.node("Slice", inputs: [current, "readout.negative_start", "readout.negative_end", "readout.axes"],
                                        outputs: ["readout.negative"], name: "readout.slice_negative"))
            nodes.append(ONNXProto.node("Sub", inputs: ["readout.positive", "readout.negative"], outputs: ["scores"], name: "readout"))
        }
        nodes.append(ONNXProto.node("ArgMax", inputs: ["scores"], outputs: ["class"], name: "prediction",
                                    attributes: [ONNXProto.intAttribute("axis", 1), ONNXProto.intAttribute("keepdims", 0)]))
        let batch = ONNXProto.Dimension.parameter("N")
        let graph = ONNXProto.graph(
            name: "eqprop_feedforward", nodes: nodes, initializers: initializers,
            inputs: [ONNXProto.valueInfo(name: "pixels", type: .float, shape: [batch, .value(inputs)],
                                         doc: metadata["input"] ?? "")],
            outputs: [ONNXProto.valueInfo(name: "scores", type: .float, shape: [batch, .value(classes)],
                                          doc: "class scores: \(readout.formula)" + (metadata["score_unit"].map { "; unit: \($0)" } ?? "")),
                      ONNXProto.valueInfo(name: "class", type: .int64, shape: [batch], doc: metadata["prediction"] ?? "")],
            doc: "The digital feedforward network of an eqprop run (Alg. 2 of O'Connor et al. 2019): "
                + "architecture \(metadata["architecture"] ?? ""), activations \(metadata["activations"] ?? "").")
        return ONNXProto.model(graph: graph, irVersion: Self.onnxIRVersion, opset: Self.onnxOpset, producer: "eqprop",
                               producerVersion: ExportMetadata.version, doc: "Exported by `eqprop export`.",
                               metadata: metadata).encoded
    }
}
