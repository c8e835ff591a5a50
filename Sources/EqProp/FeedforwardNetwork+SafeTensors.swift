import Foundation
import Numerics
import Reporting

extension FeedforwardNetwork {
    /// The tensors of φ under `prefix`: `<prefix>.weight.<l>` (n_{l−1} × n_l, the row-vector
    /// layout used here) and `<prefix>.bias.<l>`, l = 0…L−1; activations go to metadata.
    public func tensors(prefix: String) -> [(name: String, tensor: SafeTensors.Tensor)] {
        var out: [(String, SafeTensors.Tensor)] = []
        for l in 0..<depth {
            out.append(("\(prefix).weight.\(l)", .init(weights[l].elements, shape: [weights[l].rows, weights[l].columns])))
            out.append(("\(prefix).bias.\(l)", .init(biases[l], shape: [biases[l].count])))
        }
        return out
    }

    public func metadata(prefix: String) -> [String: String] {
        ["\(prefix).layers": layerSizes.map(String.init).joined(separator: ","),
         "\(prefix).activations": activations.map(\.rawValue).joined(separator: ",")]
    }

    /// Reads a network written by `tensors(prefix:)` and `metadata(prefix:)`.
    public init(from file: SafeTensors, prefix: String, path: String) throws {
        func fail(_ m: String) -> TrainingError { .checkpoint(path: path, reason: m) }
        guard let layersText = file.metadata["\(prefix).layers"],
              let actText = file.metadata["\(prefix).activations"] else {
            throw fail("no feedforward network ('\(prefix)') in this file")
        }
        let sizes = layersText.split(separator: ",").compactMap { Int($0) }
        let acts = actText.split(separator: ",").compactMap { UnitActivation(rawValue: String($0)) }
        guard sizes.count >= 2, acts.count == sizes.count - 1 else { throw fail("malformed '\(prefix)' metadata") }
        var weights: [FloatMatrix] = [], biases: [[Float]] = []
        for l in 0..<(sizes.count - 1) {
            guard let w = file["\(prefix).weight.\(l)"], w.dtype == .f32, w.shape == [sizes[l], sizes[l + 1]],
                  let b = file["\(prefix).bias.\(l)"], b.dtype == .f32, b.shape == [sizes[l + 1]] else {
                throw fail("tensor '\(prefix).weight.\(l)' or '\(prefix).bias.\(l)' is missing or has the wrong shape")
            }
            weights.append(FloatMatrix(rows: sizes[l], columns: sizes[l + 1], elements: w.floats))
            biases.append(b.floats)
        }
        self.init(layerSizes: sizes, weights: weights, biases: biases, activations: acts)
    }
}

extension LayeredHopfieldNetwork {
    public func tensors(prefix: String) -> [(name: String, tensor: SafeTensors.Tensor)] {
        var out: [(String, SafeTensors.Tensor)] = []
        for l in 0..<depth {
            out.append(("\(prefix).weight.\(l)", .init(weights[l].elements, shape: [weights[l].rows, weights[l].columns])))
            out.append(("\(prefix).bias.\(l)", .init(biases[l], shape: [biases[l].count])))
        }
        return out
    }

    public init(from file: SafeTensors, prefix: String, layerSizes sizes: [Int], path: String) throws {
        var weights: [FloatMatrix] = [], biases: [[Float]] = []
        for l in 0..<(sizes.count - 1) {
            guard let w = file["\(prefix).weight.\(l)"], w.dtype == .f32, w.shape == [sizes[l], sizes[l + 1]],
                  let b = file["\(prefix).bias.\(l)"], b.dtype == .f32, b.shape == [sizes[l + 1]] else {
                throw TrainingError.checkpoint(path: path, reason: "tensor '\(prefix).weight.\(l)' or '\(prefix).bias.\(l)' is missing or has the wrong shape")
            }
            weights.append(FloatMatrix(rows: sizes[l], columns: sizes[l + 1], elements: w.floats))
            biases.append(b.floats)
        }
        self.init(layerSizes: sizes, weights: weights, biases: biases)
    }
}
