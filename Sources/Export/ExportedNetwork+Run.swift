import EqProp
import Foundation

extension ExportedNetwork {
    /// The digital feedforward network of a training run folder (`eqprop train --out DIR`),
    /// with the readout and units of the run's own evaluation:
    ///
    /// - Hopfield runs (`model` = `hopfield`): scores are the last layer's activations.
    /// - Resistive runs (`model` = `resistive`): the network predicts node voltages in units
    ///   of V_u = input gain / `targetRatio` (config.json); scores are the output voltages, or
    ///   V⁺ − V⁻ per class with a differential readout (checkpoint metadata `drn.readout`), in V_u.
    ///
    /// `inputGainVolts` turns the run's hardware preset name into its input gain in volts, or
    /// nil when the preset cannot be found (the V_u value is then left out of the metadata;
    /// the scores do not depend on it).
    public init(run folder: RunFolder, inputGainVolts: (String) -> Double?) throws {
        guard folder.hasCheckpoint else { throw ExportError.noCheckpoint(run: folder.url.path) }
        let path = folder.checkpoint.path
        let saved = try folder.readCheckpoint()
        func fail(_ reason: String) -> ExportError { .notExportable(path: path, reason: reason) }
        guard saved.file.metadata["phi.layers"] != nil else {
            throw fail("the checkpoint holds no digital feedforward network (no 'phi' tensors)")
        }
        let network = try FeedforwardNetwork(from: saved.file, prefix: "phi", path: path)
        let config = (try? JSONSerialization.jsonObject(with: Data(saved.config.utf8))) as? [String: Any] ?? [:]
        let outputs = network.layerSizes.last!

        var provenance: [String: String] = [
            "model": saved.model,
            "epochs": String(saved.epochs),
            "source_run": folder.url.standardizedFileURL.path,
        ]
        provenance["preset"] = config["preset"] as? String
        provenance["test_error_feedforward"] = saved.file.metadata["test_error_feedforward"]
        provenance["test_samples"] = saved.file.metadata["test_samples"]

        let readout: Readout
        switch saved.model {
        case "hopfield":
            readout = .single(classes: outputs)
            provenance["score_unit"] = "activation of the output units (dimensionless, in [0, 1])"
        case "resistive":
            let name = saved.file.metadata["drn.readout"] ?? "single"
            guard let r = Readout(name: name, outputs: outputs) else {
                throw fail("readout '\(name)' does not fit a last layer of \(outputs) units")
            }
            readout = r
            // target_ratio, or targetRatio in folders written before the snake_case keys.
            guard let ratio = (config["target_ratio"] ?? config["targetRatio"]) as? Double, let hardware = config["hardware"] as? String else {
                throw fail("config (checkpoint metadata) lacks target_ratio or hardware")
            }
            provenance["hardware"] = hardware
            provenance["target_ratio"] = String(ratio)
            var unit = "V_u = input_gain_volts / target_ratio"
            var gainText = "g = input_gain_volts of hardware preset '\(hardware)'"
            if let gain = inputGainVolts(hardware) {
                provenance["input_gain_volts"] = String(gain)
                provenance["score_unit_volts"] = String(gain / ratio)
                unit += " = \(gain / ratio) V"
                gainText += " = \(gain) V"
            }
            provenance["score_unit"] = "\(unit): output node voltages divided by V_u "
                + "(the correct class's target is 1 V_u)"
            provenance["circuit_input_encoding"] = "the analog circuit drives each pixel x as two sources, "
                + "+g*x and -g*x volts (\(gainText)); the digital network takes the pixels x themselves"
        default:
            throw fail("unknown model '\(saved.model)' (expected hopfield or resistive)")
        }
        try self.init(network: network, readout: readout, provenance: provenance)
    }
}
