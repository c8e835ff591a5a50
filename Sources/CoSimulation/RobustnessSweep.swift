import Circuit
import Datasets
import EqProp
import Foundation
import Numerics
import Reporting

/// In-situ vs ex-situ training on imperfect hardware (the question an analog designer asks of a
/// device technology: what does each imperfection cost, and does learning on the chip itself
/// recover it?). For every value of one swept non-ideality:
///
/// - **ex-situ**: the network trained once on the nominal hardware (the base preset with ideal,
///   continuous devices; with ideal wires when wires are swept) is programmed onto the imperfect chip — stuck cells stay stuck, every
///   cell lands in its own window, each write carries the chip's write noise, optionally
///   corrected by write-verify iterations — and evaluated there;
/// - **in-situ**: a fresh network is trained by EqProp on the imperfect chip itself (fixed
///   points measured on it, updates programmed by its update scheme) and evaluated there.
///
/// Both evaluations relax the chip with its read noise. The digital feedforward network of the
/// in-situ run is reported beside it.
///
/// Every training is a run folder under `trainings` (`nominal/`, `in-situ-<value>/`, each like
/// `eqprop train --out`'s, with its chip as `hardware.json`), checkpointed after every epoch; the
/// same sweep started again continues each training from its checkpoint (a finished one is not
/// trained again), so a long sweep survives a kill.
public struct RobustnessSweep {
    /// A non-ideality that can be swept, and how a value is written into a preset.
    public enum Parameter: String, CaseIterable, Sendable, Codable {
        case stepSpread = "step_spread", boundSpread = "bound_spread", writeNoise = "write_noise", readNoise = "read_noise"
        /// Half of the value at G_min, half at G_max.
        case stuckFraction = "stuck_fraction"
        case levels = "conductance_levels"
        /// σ of ln IS of every clamp diode (Shockley presets).
        case diodeSaturationSpread = "diode_saturation_current_spread"
        case wireResistance = "wire_resistance_ohms"
        /// Tiles of v × v cells (0: one tile per crossbar), on the base preset's wires.
        case tileSize = "tile_size"

        /// Whether the value describes the wires (whose nominal, for ex-situ training, is ideal).
        public var isWire: Bool { self == .wireResistance || self == .tileSize }

        public func apply(_ v: Double, to preset: inout HardwarePreset) {
            switch self {
            case .stepSpread: preset.device.stepSpread = v
            case .boundSpread: preset.device.boundSpread = v
            case .writeNoise: preset.device.writeNoise = v
            case .readNoise: preset.device.readNoise = v
            case .stuckFraction: preset.device.stuckAtMinFraction = v / 2; preset.device.stuckAtMaxFraction = v / 2
            // 1e19 is whole but beyond Int; -1 is refused by the preset's validation.
            case .levels: preset.conductanceLevels = CheckedSize.int(v, in: 0...HardwarePreset.maxConductanceLevels) ?? -1
            case .diodeSaturationSpread: preset.device.diodeSaturationSpread = v
            case .wireResistance: preset.wireResistance = v
            // A non-whole or out-of-range size becomes −1, which the preset's validation refuses.
            case .tileSize:
                let size = CheckedSize.int(v, in: 0...10_000_000) ?? -1
                preset.tileRows = size
                preset.tileColumns = size
            }
        }
    }

    /// One row of the result (one JSON line).
    public struct Point: Codable, Sendable {
        public var parameter: Parameter
        public var value: Double
        public var exSituTestError: Double
        public var inSituTestError: Double
        public var inSituDigitalTestError: Double
        public var inSituLostUpdateFraction: Double?
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case parameter, value, seconds
            case exSituTestError = "ex_situ_test_error", inSituTestError = "in_situ_test_error"
            case inSituDigitalTestError = "in_situ_digital_test_error", inSituLostUpdateFraction = "in_situ_lost_update_fraction"
        }
    }

    public var config: ResistiveTrainingConfig
    public var preset: HardwarePreset
    public var parameter: Parameter
    public var values: [Double]
    /// Write-verify iterations of ex-situ programming: each re-writes (with fresh write noise)
    /// every cell further than half a pulse step from its target.
    public var writeVerifyIterations = 0
    /// Where the trainings keep their run folders, the data they train on (`data.json`) and
    /// the command line recorded in each folder's lock; `run` needs it.
    public var trainings: (folder: URL, data: RunDataSource, command: String)?
    /// Notes and warnings about the trainings' run folders, one line each, with their prefix.
    public var notify: (String) -> Void = { _ in }

    public init(config: ResistiveTrainingConfig, preset: HardwarePreset, parameter: Parameter, values: [Double]) {
        var config = config
        config.adoptConductanceUnit(of: preset)
        self.config = config
        self.preset = preset
        self.parameter = parameter
        self.values = values
    }

    /// The base preset with ideal continuous devices, and ideal wires when the wires are swept:
    /// the hardware ex-situ training assumes.
    public var nominalPreset: HardwarePreset {
        var p = preset
        p.device = DeviceModel()
        p.conductanceLevels = 0
        if parameter.isWire { p.wireResistance = 0 }
        return p
    }

    /// The chip for one swept value (checked like a preset file).
    public func chip(_ value: Double) throws -> HardwarePreset {
        var p = preset
        parameter.apply(value, to: &p)
        do { try p.validate() } catch { throw TrainingError.invalidConfiguration("--values \(value) for \(parameter.rawValue): \(error)") }
        if parameter == .tileSize && !p.usesMesh {
            throw TrainingError.invalidConfiguration("--sweep tile_size tiles a wire mesh, and preset '\(preset.name)' has none (wire_resistance_ohms > 0 and wire_model \"mesh\" needed): every point would be the same")
        }
        return p
    }

    /// Training samples the whole sweep relaxes: the nominal network and one per swept value,
    /// `epochs` epochs each (what `run`'s `progress` counts up to).
    public func totalTrainingSamples(_ data: Dataset) -> Int { (values.count + 1) * config.epochs * data.train.count }

    /// The run folder of the training on the nominal hardware (`nil`) or of the in-situ
    /// training at `value`, when the sweep keeps its trainings.
    public func trainingFolder(value: Double?) -> RunFolder? {
        trainings.map { RunFolder($0.folder.appendingPathComponent(value.map { "in-situ-\($0)" } ?? "nominal")) }
    }

    /// Trains `epochs` epochs on `hardware` in the run folder of `value` (`trainingFolder`),
    /// continued from its checkpoint, and returns the trainer, the run's own test errors of its
    /// last epoch (which the sweep does not measure again) and that epoch's lost update
    /// fraction; `progress` sees the samples done in this training.
    func train(on hardware: HardwarePreset, value: Double?, _ data: Dataset, log: ((String) -> Void)?,
               progress: ((Int) -> Void)? = nil) throws -> (trainer: ResistiveTrainer, result: TrainingRunResult, lost: Double?) {
        var c = config
        c.updateScheme = nil
        c.chipSeed = nil
        guard let store = trainings, let folder = trainingFolder(value: value) else {
            preconditionFailure("RobustnessSweep.run needs `trainings`: where its trainings keep their run folders")
        }
        let trainer: ResistiveTrainer
        var done = 0
        if folder.hasCheckpoint {
            let run = try TrainedResistiveRun(folder: folder)
            var saved = run.config
            saved.epochs = c.epochs
            let which = value.map { "the in-situ training at \(parameter.rawValue) \($0)" } ?? "the nominal training"
            guard saved == c, run.preset == hardware else {
                throw TrainingError.invalidConfiguration("\(folder.url.path) holds \(which) of another sweep (other settings or hardware): "
                                                         + "continue it with that sweep's flags, or choose another --out")
            }
            guard run.epochs <= c.epochs else {
                throw TrainingError.invalidConfiguration("\(folder.url.path) holds \(run.epochs) epochs of \(which), more than --epochs \(c.epochs): "
                                                         + "pass --epochs \(run.epochs) or more, or choose another --out")
            }
            guard try folder.readDataSource() == store.data else {
                throw TrainingError.invalidConfiguration("\(folder.url.path) trained \(which) on other data (its data.json): "
                                                         + "use the same --dataset, --data and limits, or choose another --out")
            }
            trainer = try ResistiveTrainer(config: c, preset: hardware, network: run.network, feedforward: run.feedforward,
                                           accumulators: run.accumulators, velocities: run.velocities)
            done = run.epochs
        } else {
            trainer = try ResistiveTrainer(config: c, preset: hardware)
        }
        trainer.log = log
        var session = TrainingSession(folder: folder, lock: nil, command: store.command, dataRecord: store.data)
        session.epochsDone = done
        session.files = [folder.hardware: try hardware.jsonData()]
        session.showProgress = false
        session.notify = notify
        session.progress = progress.map { p in { p(done * data.train.count + $0) } }
        session.curveNote = "\(c.preset) on '\(hardware.name)' (robustness sweep of \(parameter.rawValue)), \(data.name.rawValue), seed \(c.seed)"
        let result = try session.run(trainer, epochs: c.epochs, on: data)
        let last = try? String(contentsOf: folder.metrics, encoding: .utf8).split(separator: "\n").last
            .flatMap { try? JSONDecoder().decode(EpochMetrics.self, from: Data($0.utf8)) }
        return (trainer, result, last?.lostUpdateFraction)
    }

    /// Runs the sweep; `onPoint` sees each row as it is measured, `progress` the training
    /// samples done so far (of `totalTrainingSamples`).
    public func run(_ data: Dataset, log: ((String) -> Void)? = nil, progress: ((Int) -> Void)? = nil,
                    onPoint: (Point) throws -> Void = { _ in }) throws -> [Point] {
        for v in values { _ = try chip(v) }
        let perTraining = config.epochs * data.train.count
        var finished = 0
        func counted(_ done: Int) { progress?(finished * perTraining + done) }
        let nominal = try train(on: nominalPreset, value: nil, data, log: log, progress: counted).trainer
        finished += 1
        var points: [Point] = []
        for v in values {
            let start = Date()
            let hardware = try chip(v)
            // Ex-situ: the nominal network programmed onto this chip.
            let programmed = ExSituProgramming(preset: hardware, writeVerifyIterations: writeVerifyIterations)
                .program(nominal.circuit.network, key: CounterRandom.key(config.seed, 0xE7, UInt64(v.bitPattern)))
            var exConfig = config
            exConfig.updateScheme = nil
            exConfig.chipSeed = nil
            let exSitu = try ResistiveTrainer(config: exConfig, preset: hardware, network: programmed, feedforward: nominal.feedforward)
            let exError = try exSitu.evaluate(data.test).errorRelaxed
            // In-situ: trained on the chip.
            let inSitu = try train(on: hardware, value: v, data, log: log, progress: counted)
            finished += 1
            let point = Point(parameter: parameter, value: v, exSituTestError: exError, inSituTestError: inSitu.result.testErrorRelaxed,
                              inSituDigitalTestError: inSitu.result.testErrorFeedforward, inSituLostUpdateFraction: inSitu.lost,
                              seconds: Date().timeIntervalSince(start))
            points.append(point)
            try onPoint(point)
        }
        return points
    }

    /// Test error (%) against the swept value, one curve per approach; points in increasing
    /// order of the value, whatever the order of `--values`.
    public static func plot(_ points: [Point], note: String) -> LinePlot {
        let parameter = points.first?.parameter
        let points = points.sorted { $0.value < $1.value }
        var plot = LinePlot(title: "In-situ vs ex-situ training",
                            xLabel: parameter == .tileSize ? "tile_size (cells; 0 = untiled)" : parameter?.rawValue ?? "value",
                            yLabel: "test error (%)")
        plot.notes = [note]
        let colors = LinePlot.palette
        plot.series = [
            .init(name: "ex-situ (trained on nominal hardware, programmed onto the chip)",
                  points: points.map { ($0.value, 100 * $0.exSituTestError) }, color: colors[0], markers: true),
            .init(name: "in-situ (EqProp on the chip), analog", points: points.map { ($0.value, 100 * $0.inSituTestError) },
                  color: colors[1], markers: true),
            .init(name: "in-situ, digital copy", points: points.map { ($0.value, 100 * $0.inSituDigitalTestError) },
                  color: colors[1], dashed: true),
        ]
        return plot
    }
}

/// Programming a network trained elsewhere onto a chip (ex-situ): each cell is written toward
/// its target once, with the chip's write noise σ_w·max(Δℓ, Δp) per write and rounded to a
/// level on devices with levels; write-verify iterations re-write every cell further than half a
/// step from its target. Stuck cells stay stuck and every cell stays inside its own window
/// (`ResistiveCircuit` imposes the chip).
public struct ExSituProgramming {
    public var preset: HardwarePreset
    public var writeVerifyIterations: Int

    public init(preset: HardwarePreset, writeVerifyIterations: Int) {
        self.preset = preset
        self.writeVerifyIterations = writeVerifyIterations
    }

    public func program(_ network: ResistiveNetwork, key: UInt64) -> ResistiveNetwork {
        var n = network.programmed(onto: preset)
        let noise = preset.device.writeNoise * max(preset.levelStep, preset.pulseStep)
        guard noise > 0 else { return n }
        let tolerance = 0.5 * max(preset.levelStep, preset.pulseStep)
        for l in 0..<n.depth {
            let target = n.conductances[l].elements
            for iteration in 0...writeVerifyIterations {
                let k = CounterRandom.key(key, UInt64(l), UInt64(iteration))
                n.conductances[l].withUnsafeMutableBufferPointer { g in
                    for c in g.indices where iteration == 0 || abs(g[c] - target[c]) > tolerance {
                        g[c] = preset.programmable(target[c] + noise * CounterRandom.normal(k, c))
                    }
                }
            }
        }
        return n
    }
}
