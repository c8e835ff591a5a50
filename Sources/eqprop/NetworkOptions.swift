import ArgumentParser
import Circuit
import CoSimulation
import Datasets
import EqProp
import Foundation
import Numerics
import Reporting

/// Which deep resistive network a command works on: a fresh seeded one (`--layers`) or a
/// saved one (`--network`), on a hardware preset (`--hardware`), or the trained circuit of a
/// run folder on the preset it was trained on (`--run`).
struct NetworkOptions: ParsableArguments {
    @Option(help: "Architecture of a fresh seeded network: pixels,hidden…,classes (2 input sources per pixel).")
    var layers: String?
    @Option(name: .customLong("network"), help: "A saved network (.drn.safetensors) instead of --layers.")
    var networkPath: String?
    @Option(name: .customLong("run"), help: "A resistive training run folder: its trained circuit on its own hardware preset (and, where a command uses it, its digital network).")
    var runPath: String?
    @Option(help: "Hardware preset: a name in hardware/ or a path to a JSON file (default: see the command).")
    var hardware: String?
    @Option(help: "Seed of a fresh network's conductances.")
    var seed: UInt64 = 1
    @Option(help: "Initial conductance scale of a fresh network, S (cells uniform in [G_min, G_min + scale/√rows]; default: \(ResistiveNetwork.defaultConductanceScale)).")
    var conductanceScale: Double?
    @Flag(help: "Program a saved network onto the preset: clip every conductance to its window and round it to the nearest of its levels.")
    var program = false

    /// The validated network, its preset, and the run it came from (with `--run`).
    func load(defaultHardware: String) throws -> (ResistiveNetwork, HardwarePreset, TrainedResistiveRun?) {
        let preset: HardwarePreset
        var network: ResistiveNetwork
        var run: TrainedResistiveRun?
        if conductanceScale != nil && (runPath != nil || networkPath != nil) {
            throw ValidationError("--conductance-scale sets up a fresh --layers network; \(runPath != nil ? "--run" : "--network") brings its own conductances")
        }
        if let runPath {
            for (flag, given) in [("--layers", layers != nil), ("--network", networkPath != nil), ("--hardware", hardware != nil)] where given {
                throw ValidationError("--run uses the run's own network and hardware preset: leave out \(flag)")
            }
            do { run = try TrainedResistiveRun(folder: RunFolder(URL(fileURLWithPath: runPath))) } catch let e as TrainedResistiveRun.LoadError {
                throw ValidationError("--run: \(e)")
            }
            (network, preset) = (run!.network, run!.preset)
        } else if let path = networkPath {
            preset = try HardwarePreset.load(hardware ?? defaultHardware)
            network = try ResistiveNetwork(contentsOf: URL(fileURLWithPath: path))
            if let layers {
                let arch = try FlagChecks.layers(layers)
                guard arch == network.architecture else {
                    throw ValidationError("--layers \(layers) does not match \(path), whose architecture is \(network.architecture.map(String.init).joined(separator: ","))")
                }
            }
        } else {
            guard let layers else { throw ValidationError("give --layers A,B,C for a fresh network, --network FILE or --run DIR") }
            preset = try HardwarePreset.load(hardware ?? defaultHardware)
            let arch = try FlagChecks.layers(layers)
            var rng = SeededGenerator(seed: seed)
            network = ResistiveNetwork(architecture: arch, preset: preset, conductanceScale: conductanceScale ?? ResistiveNetwork.defaultConductanceScale, rng: &rng)
        }
        if program {
            network = network.programmed(onto: preset)
        } else if preset.conductanceLevels >= 2, case let off = network.unprogrammableCount(on: preset), off > 0 {
            printError("warning: \(off) conductances of the network lie between the \(preset.conductanceLevels) levels of preset '\(preset.name)'; "
                       + "they are used as given (pass --program to round them to the nearest level)")
        }
        do { try network.validate(against: preset) } catch { throw ValidationError("\(error)") }
        return (network, preset, run)
    }
}

/// The first `count` test images resampled to `pixels` inputs, or an error naming the
/// dataset and the input counts it can feed.
func testImages(_ ds: Dataset, count: Int, pixels: Int) throws -> LabeledImages {
    guard let images = ds.test.prefix(count).resampled(toPixels: pixels) else {
        throw ValidationError("the network's \(pixels) inputs cannot be made from the \(ds.test.height)×\(ds.test.width) images of \(ds.name.rawValue) (--data, --dataset); "
                              + "a network for them takes one of \(LabeledImages.reachablePixelCounts(from: ds.test.height).map(String.init).joined(separator: ", ")) inputs (--layers)")
    }
    return images
}
