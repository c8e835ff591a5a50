import Foundation
import Numerics
import Reporting

/// Layer parameters as tensors `<prefix>.weight.<l>` (n_{l−1} × n_l, the row-vector layout
/// used here) and `<prefix>.bias.<l>`, l = 0…L−1, and back.
enum LayerTensors {
    static func write(prefix: String, weights: [FloatMatrix], biases: [[Float]]) -> [(name: String, tensor: SafeTensors.Tensor)] {
        zip(weights, biases).enumerated().flatMap { l, layer -> [(name: String, tensor: SafeTensors.Tensor)] in
            [("\(prefix).weight.\(l)", .init(layer.0.elements, shape: [layer.0.rows, layer.0.columns])),
             ("\(prefix).bias.\(l)", .init(layer.1, shape: [layer.1.count]))]
        }
    }

    static func read(_ file: SafeTensors, prefix: String, sizes: [Int], path: String) throws -> ([FloatMatrix], [[Float]]) {
        do { try InputLimits.checkLayers(sizes, source: "layer sizes of '\(prefix)'") } catch let e as InputError {
            throw TrainingError.checkpoint(path: path, reason: e.description)
        }
        var weights: [FloatMatrix] = [], biases: [[Float]] = []
        for l in 0..<(sizes.count - 1) {
            guard let w = file["\(prefix).weight.\(l)"], w.dtype == .f32, w.shape == [sizes[l], sizes[l + 1]],
                  let b = file["\(prefix).bias.\(l)"], b.dtype == .f32, b.shape == [sizes[l + 1]] else {
                throw TrainingError.checkpoint(path: path, reason: "tensor '\(prefix).weight.\(l)' or '\(prefix).bias.\(l)' is missing or has the wrong shape")
            }
            weights.append(FloatMatrix(rows: sizes[l], columns: sizes[l + 1], elements: w.floats))
            biases.append(b.floats)
        }
        return (weights, biases)
    }
}

extension FeedforwardNetwork {
    /// The tensors of φ under `prefix` (see `LayerTensors`); activations go to metadata.
    public func tensors(prefix: String) -> [(name: String, tensor: SafeTensors.Tensor)] {
        LayerTensors.write(prefix: prefix, weights: weights, biases: biases)
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
        let sizes: [Int]
        do { sizes = try InputLimits.parseLayers(layersText, source: "metadata '\(prefix).layers'") } catch let e as InputError {
            throw fail(e.description)
        }
        let acts = actText.split(separator: ",").compactMap { UnitActivation(rawValue: String($0)) }
        guard acts.count == sizes.count - 1 else { throw fail("malformed '\(prefix)' metadata: \(sizes.count) layer sizes need \(sizes.count - 1) activations") }
        let (weights, biases) = try LayerTensors.read(file, prefix: prefix, sizes: sizes, path: path)
        self.init(layerSizes: sizes, weights: weights, biases: biases, activations: acts)
    }
}

extension LayeredHopfieldNetwork {
    /// The tensors of θ under `prefix` (see `LayerTensors`).
    public func tensors(prefix: String) -> [(name: String, tensor: SafeTensors.Tensor)] {
        LayerTensors.write(prefix: prefix, weights: weights, biases: biases)
    }

    public init(from file: SafeTensors, prefix: String, layerSizes sizes: [Int], path: String) throws {
        let (weights, biases) = try LayerTensors.read(file, prefix: prefix, sizes: sizes, path: path)
        self.init(layerSizes: sizes, weights: weights, biases: biases)
    }
}
