import Circuit
import EqProp
import Foundation
import Reporting

/// A resistive training run read back from its folder, for the commands that use a trained
/// circuit (`settle`, `gradcheck --run`, `netlist --run`, `crosscheck --run`, `train --resume`): its configuration,
/// the hardware preset it was trained on, the trained network (conductances, S) and the digital
/// network of the last completed epoch.
///
/// The preset is the folder's own copy (`hardware.json`), so a run reads the same wherever it
/// is opened from and whatever became of the preset file it started from; folders written
/// before that copy existed fall back to the saved preset name or path.
public struct TrainedResistiveRun {
    public let folder: RunFolder
    public let config: ResistiveTrainingConfig
    /// Where the preset was read from.
    public let presetFile: URL
    public let preset: HardwarePreset
    public let network: ResistiveNetwork
    public let feedforward: FeedforwardNetwork
    /// Mixed-precision accumulators of the last completed epoch (nil for other schemes).
    public let accumulators: DeviceAccumulators?
    /// Momentum velocities of the last completed epoch (nil without momentum).
    public let velocities: MomentumBuffers?
    /// Completed epochs.
    public let epochs: Int

    public enum LoadError: Error, CustomStringConvertible {
        case noCheckpoint(String)
        case otherModel(path: String, model: String)

        public var description: String {
            switch self {
            case .noCheckpoint(let folder): return "no checkpoint.safetensors in \(folder)"
            case let .otherModel(path, model): return "\(path) holds a '\(model)' model, not a resistive network"
            }
        }
    }

    /// Reads the folder's checkpoint, or uses `checkpoint` when the caller has read it already.
    public init(folder: RunFolder, checkpoint: (file: SafeTensors, epochs: Int, model: String, config: String)? = nil) throws {
        guard folder.hasCheckpoint else { throw LoadError.noCheckpoint(folder.url.path) }
        let saved = try checkpoint ?? folder.readCheckpoint()
        guard saved.model == "resistive" else { throw LoadError.otherModel(path: folder.checkpoint.path, model: saved.model) }
        self.folder = folder
        do {
            config = try ConfigurationJSON.decode(ResistiveTrainingConfig.self, from: Data(saved.config.utf8))
        } catch {
            throw TrainingError.checkpoint(path: folder.checkpoint.path, reason: "its configuration cannot be read (\(error))")
        }
        // Sizes and counts from a file are checked like the flags that set them.
        do { try config.validate() } catch let e as TrainingError {
            throw TrainingError.checkpoint(path: folder.checkpoint.path, reason: "its configuration is out of range: \(e)")
        }
        presetFile = FileManager.default.fileExists(atPath: folder.hardware.path) ? folder.hardware : try HardwarePreset.file(config.hardware)
        preset = try config.hardware(from: try HardwarePreset(contentsOf: presetFile))
        (network, feedforward) = try ResistiveTrainer.networks(from: saved.file, path: folder.checkpoint.path)
        accumulators = try ResistiveCircuit.accumulators(from: saved.file, path: folder.checkpoint.path)
        velocities = try ResistiveCircuit.velocities(from: saved.file, path: folder.checkpoint.path)
        epochs = saved.epochs
    }

    /// A trainer holding the run's networks that relaxes with the Swift solver: for
    /// predictions (s^f) and fixed points of the trained circuit.
    public func swiftTrainer() throws -> ResistiveTrainer {
        var c = config
        c.solver = .swift
        return try ResistiveTrainer(config: c, preset: preset, network: network, feedforward: feedforward, accumulators: accumulators,
                                   velocities: velocities)
    }
}
