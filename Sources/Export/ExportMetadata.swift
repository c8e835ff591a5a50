import EqProp

/// The metadata every export carries, as string pairs: safetensors `__metadata__`, ONNX
/// `metadata_props`, the npz `metadata` entry (JSON), the JSON file's `metadata` object, the
/// C header's opening comment.
///
/// Describing the network (always present, rebuilt from the network on export):
///
/// | key | example |
/// |---|---|
/// | `format` | `eqprop-export` |
/// | `eqprop_version` | `eqprop export format 1` |
/// | `architecture` | `784,500,10` (units per layer, inputs first) |
/// | `activations` | `hard-sigmoid,hard-sigmoid` (one per layer, `UnitActivation` names) |
/// | `layers.<l>.activation` | `clip(v, 0, 1)`: the formula with its clip range |
/// | `input` | pixels in [0, 1], byte / 255, row-major |
/// | `readout`, `classes` | `single` or `differential`; the class count |
/// | `readout_formula`, `prediction` | how the last layer becomes scores; argmax, first on ties |
///
/// Provenance (from the run, see `ExportedNetwork(run:inputGainVolts:)`): `model`
/// (`hopfield` or `resistive`), `preset`, `epochs`, `test_error_feedforward` and
/// `test_samples` (as the run reported them), `source_run`, `score_unit`; for resistive runs
/// also `hardware`, `target_ratio`, `input_gain_volts`, `score_unit_volts` and
/// `circuit_input_encoding`.
public enum ExportMetadata {
    public static let format = "eqprop-export"
    public static let version = "eqprop export format 1"

    /// The keys that describe `network` and `readout`.
    public static func describing(_ network: FeedforwardNetwork, _ readout: Readout) -> [String: String] {
        let inputs = network.layerSizes[0]
        let side = Int(Double(inputs).squareRoot().rounded())
        let shape = side * side == inputs ? "\(side)x\(side) image, " : ""
        var m: [String: String] = [
            "format": format,
            "eqprop_version": version,
            "architecture": network.layerSizes.map(String.init).joined(separator: ","),
            "activations": network.activations.map(\.rawValue).joined(separator: ","),
            "input": "\(inputs) float32 values: pixels in [0, 1] (pixel byte / 255), \(shape)row-major, as in the MNIST IDX files",
            "readout": readout.name,
            "classes": String(readout.classes),
            "readout_formula": readout.formula,
            "prediction": "argmax of the \(readout.classes) scores (the first index on ties)",
        ]
        for l in 0..<network.depth {
            m["layers.\(l).activation"] = "\(network.activations[l].rawValue): "
                + network.activations[l].formula(units: network.layerSizes[l + 1])
        }
        return m
    }
}
