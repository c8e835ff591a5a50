import Foundation

extension HopfieldTrainer {
    /// The Hopfield run in `folder` continued from its checkpoint: the saved configuration
    /// bit for bit, with `epochs` as the new total when given. Refuses a folder without a
    /// checkpoint, one of another model, and a `config.json` edited since.
    public static func resume(_ folder: RunFolder, epochs: Int?) throws -> (trainer: HopfieldTrainer, epochsDone: Int) {
        guard folder.hasCheckpoint else {
            throw TrainingError.invalidConfiguration("--resume: no checkpoint.safetensors in \(folder.url.path)")
        }
        let saved = try folder.readCheckpoint()
        guard saved.model == "hopfield" else {
            throw TrainingError.invalidConfiguration("--resume: \(folder.checkpoint.path) holds a '\(saved.model)' model, not a Hopfield network")
        }
        try folder.checkConfigNotEdited(checkpointConfig: saved.config, runtimeKeys: ["epochs"])
        var config = try HopfieldTrainingConfig.decode(saved.config, path: folder.checkpoint.path)
        if let epochs { config.epochs = epochs }
        try config.validate()
        let network = try LayeredHopfieldNetwork(from: saved.file, prefix: "theta", layerSizes: config.layerSizes, path: folder.checkpoint.path)
        let feedforward = try FeedforwardNetwork(from: saved.file, prefix: "phi", path: folder.checkpoint.path)
        return (try HopfieldTrainer(config: config, network: network, feedforward: feedforward), saved.epochs)
    }

    /// The learning curve's note: what was trained on what.
    public func curveNote(dataset: String, trainSamples: Int, testSamples: Int) -> String {
        "\(config.preset) \(config.layerSizes.map(String.init).joined(separator: "-")), \(dataset): "
            + "\(trainSamples) train / \(testSamples) test samples, β \(config.beta) \(config.betaSign.rawValue), "
            + "T⁻ \(config.stepsFree), T⁺ \(config.stepsNudged), λ \(config.useInitialization ? config.lambda : 0), seed \(config.seed)"
    }
}
