import ArgumentParser
import Circuit
import CoSimulation
import EqProp
import Foundation
import Gradients
import Reporting

extension EqPropCommand.GradCheck {
    /// The network under test: seeded, or the trained one of a run.
    func subject() throws -> GradientCheckSubject {
        guard let runPath else {
            guard let layers else { throw ValidationError("give --layers A,B,C for a seeded network or --run DIR for a trained one") }
            let arch = try FlagChecks.layers(layers)
            switch model {
            case .hopfield: return .seededHopfield(layerSizes: arch, seed: seed)
            case .resistive: return .seededResistive(layerSizes: arch, preset: try HardwarePreset.load(hardware), seed: seed)
            }
        }
        guard layers == nil else { throw ValidationError("--run checks the run's own network: leave out --layers") }
        let folder = RunFolder(URL(fileURLWithPath: runPath))
        guard folder.hasCheckpoint else { throw ValidationError("--run: no checkpoint.safetensors in \(folder.url.path)") }
        let saved = try folder.readCheckpoint()
        if saved.model == "resistive" {
            let run = try TrainedResistiveRun(folder: folder, checkpoint: saved)
            return .resistive(run.network, run.preset, targetVolts: run.config.targetVolts(inputGain: run.preset.inputGain),
                              conductanceUnit: run.config.conductanceUnit)
        }
        let config = try HopfieldTrainingConfig.decode(saved.config, path: folder.checkpoint.path)
        return .hopfield(try LayeredHopfieldNetwork(from: saved.file, prefix: "theta", layerSizes: config.layerSizes,
                                                    path: folder.checkpoint.path))
    }
}
