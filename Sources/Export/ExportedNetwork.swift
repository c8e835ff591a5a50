import EqProp
import Foundation
import Numerics

/// A trained digital feedforward network ready to leave eqprop: the network f_φ (Eq. 6) run
/// with its plain activations as in Alg. 2, the readout that turns its last layer into class
/// scores, and the metadata every export format carries.
///
/// Input: one row of pixels in [0, 1] per image (byte / 255, row-major), as training saw them.
/// Every format stores the same numbers; `eqprop infer` reads the safetensors and npz ones back.
public struct ExportedNetwork: Sendable {
    public let network: FeedforwardNetwork
    public let readout: Readout
    /// String pairs, see `ExportMetadata`.
    public let metadata: [String: String]

    /// `provenance` adds keys (see `ExportMetadata`); the keys that describe the network
    /// itself always come from `network` and `readout`.
    public init(network: FeedforwardNetwork, readout: Readout, provenance: [String: String] = [:]) throws {
        guard network.layerSizes.last == readout.outputs else {
            throw ExportError.invalidNetwork("the \(readout.name) readout of \(readout.classes) classes needs "
                                             + "\(readout.outputs) outputs, the network has \(network.layerSizes.last ?? 0)")
        }
        guard network.isFinite else { throw ExportError.invalidNetwork("the network holds NaN or infinite weights") }
        self.network = network
        self.readout = readout
        self.metadata = provenance.merging(ExportMetadata.describing(network, readout)) { _, structural in structural }
    }

    public var inputs: Int { network.layerSizes[0] }
    public var classes: Int { readout.classes }
    public var depth: Int { network.depth }

    /// Layer `l`'s weights in the PyTorch layout [out, in]: the transpose of φ's ω_l.
    public func weightRows(_ l: Int) -> FloatMatrix { network.weights[l].transposed }

    /// The tensors of the safetensors and npz exports, PyTorch style: `layers.<l>.weight`
    /// [out, in] and `layers.<l>.bias` [out], F32, l = 0…L−1.
    public var namedTensors: [(name: String, shape: [Int], values: [Float])] {
        (0..<depth).flatMap { l -> [(name: String, shape: [Int], values: [Float])] in
            let w = weightRows(l)
            return [("layers.\(l).weight", [w.rows, w.columns], w.elements),
                    ("layers.\(l).bias", [network.biases[l].count], network.biases[l])]
        }
    }

    /// Class scores of a batch of pixel rows: `forward(leaky: false)`, then the readout.
    public func scores(_ pixels: FloatMatrix, workspace: FeedforwardWorkspace = FeedforwardWorkspace()) -> FloatMatrix {
        readout.scores(network.predict(pixels, workspace: workspace))
    }
}
