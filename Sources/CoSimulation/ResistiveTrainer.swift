import Circuit
import Datasets
import EqProp
import Equilibrium
import Foundation
import MessagePassing
import Ngspice
import Numerics
import Reporting

/// EqProp training of a deep resistive network whose phases are relaxed by the Swift solver
/// or by ngspice, with a digital feedforward network trained from the measured fixed points
/// (Init-EqProp on the circuit, DESIGN §2.2).
///
/// Per minibatch: the feedforward network predicts every node voltage, s^f; the free phase
/// relaxes from s^f (from 0 V without initialization), optionally tethered to it by λ; the
/// nudged phases (centered ±β by default) inject β(y − V⁰) at the outputs and relax from V⁰;
/// every conductance moves by its own voltage drops (`applyEquilibriumPropagation`) and is
/// clipped to the preset's window; the feedforward network takes a step on its local losses
/// toward V⁰. A batch whose phase does not converge is skipped (never learned from).
public final class ResistiveTrainer {
    public let config: ResistiveTrainingConfig
    public let preset: HardwarePreset
    public private(set) var circuit: ResistiveCircuit
    public private(set) var feedforward: FeedforwardNetwork
    /// The solver of the nudged phases and of evaluation (the Swift solver or ngspice; under
    /// MPI, this rank's solver behind a `DataParallelRelaxer`).
    private let relaxer: any EquilibriumRelaxer<ResistiveCircuit, Double>
    /// The solver of training's free phases: `relaxer`, or with ngspice the cross-check.
    private let freeRelaxer: any EquilibriumRelaxer<ResistiveCircuit, Double>
    /// ngspice checked by its Swift twin (the preset's diode equations) every
    /// `crosscheckEvery` free phases of training; nil with the Swift solver.
    private let crossCheck: CrossCheckingRelaxer<ResistiveCircuit, Double>?
    /// The MPI job this run is one rank of (nil: a single process).
    public let world: Communicator?
    private let ngspice: NgspiceRelaxer?
    private let ffWorkspace = FeedforwardWorkspace()
    /// The loaded batch: pixels (as floats for the feedforward network and as doubles for the
    /// circuit), one-hot labels, labels; its free phase and per-batch device-read key.
    private var x = FloatMatrix(rows: 0, columns: 0)
    private var y = FloatMatrix(rows: 0, columns: 0)
    private var pixels = DoubleMatrix(rows: 0, columns: 0)
    private var labels: [Int] = []
    private var free = Relaxation<Double>(states: [], statistics: RelaxationStatistics(iterations: 0, residual: 0, converged: false))
    private var freePhase = Phase<Double>.free
    private var batchKey: UInt64 = 0
    /// This epoch's learning step and tallies.
    private var step: EquilibriumPropagationStep?
    private var programming = ProgrammingTally()
    private var engineStart: Double?
    private var restartsStart: Int?

    public var log: ((String) -> Void)? {
        didSet {
            // Worker restarts are reported through the same channel (the pool logs from its lanes).
            let sink = LogSink(log)
            ngspice?.pool.log = { sink.send($0) }
            crossCheck?.log = { sink.send($0) }
        }
    }

    /// ngspice: seconds a worker may take for one job (nil: the pool's adaptive timeout).
    public var workerTimeout: Double? {
        get { ngspice?.pool.timeout }
        set { ngspice?.pool.timeout = newValue }
    }

    /// A fresh run (seeded conductances and feedforward weights) or a resumed one.
    ///
    /// `preset` is the hardware as its file describes it; the configuration's device overrides
    /// (`--update-scheme`, `--chip-seed`) are applied here. `accumulators` are the
    /// mixed-precision accumulators of a resumed run (`ResistiveCircuit.accumulators(from:path:)`), `velocities`
    /// its momentum's (`MomentumBuffers`).
    ///
    /// `world`: the MPI job to train data-parallel in. Each rank relaxes its share of every
    /// batch (the Swift solver in its batch-invariant mode, so that any number of ranks gives
    /// the same bits) and every rank applies the same update; the global batch must be a
    /// multiple of the rank count.
    public init(config: ResistiveTrainingConfig, preset filePreset: HardwarePreset, network: ResistiveNetwork? = nil,
                feedforward: FeedforwardNetwork? = nil, accumulators: DeviceAccumulators? = nil,
                velocities: MomentumBuffers? = nil, workerExecutable: URL? = nil, world: Communicator? = nil) throws {
        try config.validate()
        let preset = try config.hardware(from: filePreset)
        self.config = config
        self.preset = preset
        let root = SeededGenerator(seed: config.seed)
        var netRNG = root.stream(1), ffRNG = root.stream(2)
        let net = network ?? ResistiveNetwork(architecture: config.architecture, preset: preset,
                                              conductanceScale: config.initialConductanceScale,
                                              initialization: config.initialConductances ?? .uniform, rng: &netRNG)
        guard net.architecture == config.architecture else {
            throw TrainingError.invalidConfiguration("the saved network's architecture \(net.architecture) does not match \(config.architecture)")
        }
        do { try net.validate(against: preset) } catch { throw TrainingError.invalidConfiguration("\(error)") }
        circuit = ResistiveCircuit(network: net, preset: preset)
        if let accumulators { try circuit.restoreAccumulators(accumulators) }
        if let velocities {
            guard (config.momentum ?? 0) > 0 else {
                throw TrainingError.invalidConfiguration("the checkpoint holds momentum velocities but the configuration has no momentum")
            }
            try circuit.restoreVelocities(velocities)
        }
        let sizes = [config.architecture[0]] + net.layerSizes
        let activations: [UnitActivation] = net.layerSizes.indices.map { $0 == net.layerSizes.count - 1 ? .identity : .excitatoryInhibitory }
        guard preset.clamp == .oneSided else {
            throw TrainingError.invalidConfiguration("training supports one-sided clamps (preset '\(preset.name)' is two-sided)")
        }
        self.feedforward = feedforward ?? FeedforwardNetwork(layerSizes: sizes, activations: activations, rng: &ffRNG)
        guard self.feedforward.layerSizes == sizes else {
            throw TrainingError.invalidConfiguration("the saved feedforward network's layers do not match the circuit")
        }
        if let world { try DataParallelTraining.checkBatch(config.batchSize, ranks: world.size) }
        self.world = world
        let local: any EquilibriumRelaxer<ResistiveCircuit, Double>
        switch config.solver {
        case .swift:
            let solver = CircuitSolver(diodeModel: config.diodeModel ?? CircuitSolver.trainingModel(for: preset), tolerance: config.tolerance,
                                       maxSweeps: config.maxSweeps)
            solver.batchInvariant = world != nil
            local = SwiftCircuitRelaxer(solver: solver, nudgeKind: config.nudge)
            crossCheck = nil
            ngspice = nil
        case .ngspice:
            guard let workerExecutable else {
                throw TrainingError.invalidConfiguration("--solver ngspice needs the eqprop executable for its worker processes")
            }
            let pool = NgspiceWorkerPool(executable: workerExecutable, size: config.workers)
            let ng = NgspiceRelaxer(pool: pool, form: .nortonInputs)
            ngspice = ng
            local = NgspiceCircuitRelaxer(relaxer: ng, nudgeKind: config.nudge)
            let twin = SwiftCircuitRelaxer(solver: CircuitSolver(diodeModel: .shockley, tolerance: 1e-11), nudgeKind: config.nudge)
            crossCheck = CrossCheckingRelaxer(primary: local, twin: twin, every: config.crosscheckEvery)
        }
        if let world {
            relaxer = DataParallelRelaxer(local: local, world: world)
            freeRelaxer = crossCheck.map { DataParallelRelaxer(local: $0, world: world) } ?? relaxer
        } else {
            relaxer = local
            freeRelaxer = crossCheck ?? local
        }
    }

    deinit { ngspice?.pool.shutdown() }

    public var targetVolts: Double { config.targetVolts(inputGain: preset.inputGain) }
    private var classes: Int { circuit.network.classes }

    /// How output states become class scores: node voltages, or V⁺ − V⁻ per class.
    var readout: Readout {
        circuit.network.isDifferential ? .differential(classes: classes) : .single(classes: classes)
    }

    private func errors<S: BLASScalar>(_ output: Matrix<S>) -> Int {
        zip(readout.scores(output).argmaxPerRow(), labels).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
    }

    /// The unit (V) of each layer of the feedforward network, so that every layer predicts
    /// values of order 1 whatever the preset's scales: the output layer in units of V_u (the
    /// correct class's target is 1), hidden layers in units of g/20 (`hiddenUnitFraction`) or
    /// the configuration's `hiddenUnitFractions` of g: a first hidden node sits at a weighted
    /// average of ±g·x, a few percent of g for MNIST digits (mean pixel ≈ 0.13), and each
    /// further layer about 20× lower. Values of order 1 also keep the bias term from dominating
    /// the normalized step (see `applyLocalLossUpdate`).
    var feedforwardUnits: [Double] {
        circuit.network.layerSizes.indices.map { l in
            l == circuit.depth - 1 ? targetVolts : preset.inputGain * (config.hiddenUnitFractions?[l] ?? Self.hiddenUnitFraction)
        }
    }

    /// Hidden layers of the feedforward network are expressed in units of this fraction of g.
    public static let hiddenUnitFraction = 0.05

    /// Feedforward activations (per layer, in units) as node voltages, V.
    private func volts(_ activations: [FloatMatrix]) -> [DoubleMatrix] {
        zip(activations, feedforwardUnits).map { m, unit in
            var d = m.converted(to: Double.self)
            d.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= unit } }
            return d
        }
    }

    /// The prediction of the current batch as a starting state in volts, after `forward`.
    private func prediction() -> [DoubleMatrix] { volts(ffWorkspace.activations) }

    /// The feedforward prediction s^f (V) of pixel rows `x`, as the trainer uses it.
    public func predictedState(_ x: FloatMatrix) -> [DoubleMatrix] {
        let ws = FeedforwardWorkspace()
        feedforward.forward(x, leaky: false, workspace: ws)
        return volts(ws.activations)
    }

    /// The free phase of the loaded batch: its start (s^f, or 0 V without initialization) and
    /// the λ tether toward s^f.
    private func freeRequest() -> RelaxationRequest<Double> {
        let start = config.useInitialization
            ? prediction()
            : circuit.network.layerSizes.map { DoubleMatrix(rows: pixels.rows, columns: $0) }
        var request = RelaxationRequest(inputs: pixels, start: start)
        if config.useInitialization && config.lambda > 0 {
            request.phase.tether = .init(strength: config.lambdaSiemens, anchors: start)
        }
        return request
    }

    /// The circuit as phase `phase` of the loaded training batch reads it: each phase reads the
    /// chip afresh (read noise; the circuit itself without it).
    private func reading(_ phase: UInt64) -> ResistiveCircuit {
        circuit.read(key: CounterRandom.key(batchKey, 0x5EAD, phase))
    }

    /// The free state in the digital network's units, projected into the range its units can
    /// output (each plain activation is that projection: clip, max(·, 0) or min(·, 0)): the
    /// local-loss targets. A soft diode lets a clamped node sit a few mV past its rail; a local
    /// loss toward such a target could only be met through the 0.01 training leak, by
    /// pre-activations 100× the target that deployment (no leak) then clips.
    private func feedforwardTargets() -> [FloatMatrix] {
        zip(zip(free.states, feedforwardUnits), feedforward.activations).map { mu, act -> FloatMatrix in
            let (m, unit) = mu, n = m.columns
            var f = m.converted(to: Float.self)
            f.withUnsafeMutableBufferPointer { p in
                for i in p.indices { p[i] = act.apply(p[i] / Float(unit), unit: i % n, of: n, leaky: false) }
            }
            return f
        }
    }

    /// Why a relaxation is not a usable fixed point, or nil when it is.
    private static func failure(_ r: Relaxation<Double>) -> String? {
        guard r.statistics.converged, r.states.allSatisfy(\.isFinite) else {
            return r.statistics.failure ?? "residual \(r.statistics.residual) V"
        }
        return nil
    }
}

extension ResistiveTrainer: InitEqPropModel {
    public var loopSettings: InitEqPropSettings {
        InitEqPropSettings(seed: config.seed, batchSize: config.batchSize, betaSign: config.betaSign, beta: config.betaSiemens,
                           evaluationBatchSize: EvaluationBatch.resistive, maxSkippedFraction: config.maxSkippedFraction,
                           skipAdvice: config.solver == .ngspice
                               ? "check the hardware preset's spice_options (reltol, vntol, abstol, itl1, itl2), or try a smaller --beta"
                               : "try a larger --tolerance or sweep limit, or a smaller --beta")
    }

    public func checkFits(_ data: LabeledImages) throws {
        try TrainingError.checkFits(data, layers: config.architecture, classes: classes)
    }

    public func beginEpoch(_ epoch: Int) {
        step = config.step(epoch: epoch, inputGain: preset.inputGain, biasVolts: preset.biasVolts)
        programming = ProgrammingTally()
        crossCheck?.reset()
        engineStart = ngspice?.pool.engineSeconds
        restartsStart = ngspice?.pool.restarts
    }

    public func load(_ indices: ArraySlice<Int>, of data: LabeledImages, for use: BatchUse) {
        if x.columns != data.pixels { x = FloatMatrix(rows: 0, columns: data.pixels) }
        if y.columns != data.classes { y = FloatMatrix(rows: 0, columns: data.classes) }
        data.gather(indices, into: &x, targets: &y)
        labels = indices.map { data.labels[$0] }
        pixels = x.converted(to: Double.self)
        feedforward.forward(x, leaky: use == .training, workspace: ffWorkspace)
    }

    /// Training phases go through the cross-check (with ngspice) and read the chip with the
    /// batch's noise; evaluation reads it once per test batch.
    public func relaxFreePhase(_ batch: BatchPosition) throws -> FreePhaseOutcome {
        let request = freeRequest()
        freePhase = request.phase
        switch batch.use {
        case .training:
            batchKey = CounterRandom.key(config.seed, UInt64(batch.epoch), UInt64(batch.index))
            free = try freeRelaxer.relax(reading(0), request)
        case .evaluation:
            free = try relaxer.relax(circuit.read(key: CounterRandom.key(config.seed ^ 0xE7A1, UInt64(batch.firstSample))), request)
        }
        if let why = Self.failure(free) { return .failed(why) }
        return .relaxed(free.statistics)
    }

    public func errors() -> (feedforward: Int, relaxed: Int) {
        (errors(ffWorkspace.activations.last!), errors(free.states.last!))
    }

    /// The nudged phases inject β(y − V⁻) at the outputs and relax from V⁻; every conductance
    /// then moves by its own voltage drops (`applyEquilibriumPropagation`, clipped to the
    /// preset's window) and the feedforward network takes a normalized step on its local
    /// losses toward V⁻.
    public func learn(_ phases: NudgedPhases, _ batch: BatchPosition, next: ArraySlice<Int>?,
                      of data: LabeledImages) throws -> PhaseOutcome {
        defer { if let next { load(next, of: data, for: .training) } }
        let targets = DoubleMatrix.oneHot(labels: labels, classes: classes, value: targetVolts)
        var nudged: [Relaxation<Double>] = []
        for beta in phases.betas {
            // Centered EqProp's second phase: s(−β) = 2·s(0) − s(β) + O(β²), a closer start than
            // s(0) (the fixed point does not depend on the start; the sweeps to reach it do).
            let start = nudged.first.map { Self.mirrored($0.states, about: free.states) } ?? free.states
            let relaxed = try relaxer.relax(reading(beta > 0 ? 1 : 2), RelaxationRequest(
                inputs: pixels, start: start, phase: freePhase.nudged(beta: beta, targets: targets, freeState: free.states)))
            if let why = Self.failure(relaxed) { return .failed(why) }
            nudged.append(relaxed)
        }
        let (first, second) = phases.pair(free: free.states, nudged: nudged.map(\.states))
        let inputVoltages = CircuitConditions.inputVoltages(pixels: pixels, gain: preset.inputGain)
        programming.add(circuit.applyEquilibriumPropagation(step!, inputVoltages: inputVoltages, first: first, second: second,
                                                            betaDifference: phases.betaDifference, programmingKey: batchKey))
        let loss = feedforward.applyLocalLossUpdate(input: x, targets: feedforwardTargets(),
                                                    learningRates: config.feedforwardLearningRates, normalized: true,
                                                    workspace: ffWorkspace)
        guard loss.isFinite else {
            throw TrainingError.diverged(epoch: batch.epoch, batch: batch.index + 1, what: "the feedforward network's local loss")
        }
        return .relaxed
    }

    /// 2·center − s per layer, V.
    static func mirrored(_ s: [DoubleMatrix], about center: [DoubleMatrix]) -> [DoubleMatrix] {
        zip(s, center).map { s, c in
            var m = c
            m.withUnsafeMutableBufferPointer { pm in
                s.withUnsafeBufferPointer { ps in for i in pm.indices { pm[i] = 2 * pm[i] - ps[i] } }
            }
            return m
        }
    }

    public func finishEpoch(_ report: inout EpochTraining, epoch: Int, batches: Int) throws {
        guard feedforward.isFinite else { throw TrainingError.diverged(epoch: epoch, batch: batches, what: "a feedforward weight") }
        report.maxCrosscheckDifference = crossCheck?.largest?.maxAbs
        if DeviceState.needsProgrammer(preset) {
            report.lostUpdateFraction = programming.lostFraction
            if programming.lostFraction > 0.5 {
                let others = UpdateScheme.allCases.filter { $0 != .round && $0 != preset.device.updateScheme }.map(\.rawValue)
                log?(String(format: "epoch %d: %.1f%% of the requested conductance updates were lost (rounded away, stuck cells or at a bound) "
                            + "on '%@' with update scheme '%@'%@",
                            epoch, 100 * programming.lostFraction, preset.name, preset.device.updateScheme.rawValue,
                            preset.device.updateScheme == .round ? "; try --update-scheme " + others.joined(separator: ", ") : ""))
            }
        }
        if let engineStart, let pool = ngspice?.pool { report.engineSeconds = pool.engineSeconds - engineStart }
        if let restartsStart, let pool = ngspice?.pool { report.workerRestarts = pool.restarts - restartsStart }
        if let world { try DataParallelTraining.finishEpoch(&report, epoch: epoch, state: checkpointTensors().encoded(), world: world) }
    }
}

extension ResistiveTrainer: EpochTrainer {
    public var modelKind: String { "resistive" }
    public func configurationJSON() throws -> String { try ConfigurationJSON.encode(config) }

    public func checkpointTensors() -> SafeTensors {
        var drn = circuit.network.safeTensors()
        for (k, v) in chipMetadata { drn.metadata[k] = v }
        var file = SafeTensors(tensors: drn.tensors.map { ("drn." + $0.name, $0.tensor) } + feedforward.tensors(prefix: "phi")
                                   + circuit.accumulatorTensors() + circuit.velocityTensors())
        file.metadata = feedforward.metadata(prefix: "phi")
        for (k, v) in drn.metadata { file.metadata["drn." + k] = v }
        return file
    }

    /// The trained circuit as a network file, with the chip it was trained on.
    func networkFile() -> SafeTensors {
        var file = circuit.network.safeTensors(description: "trained by eqprop (\(config.preset), \(config.solver.rawValue) solver)")
        for (k, v) in chipMetadata { file.metadata[k] = v }
        return file
    }

    /// The update scheme and chip seed of non-ideal devices (nothing for ideal ones, whose
    /// files stay as they were).
    var chipMetadata: [String: String] {
        guard preset.device != DeviceModel() else { return [:] }
        return ["update_scheme": preset.device.updateScheme.rawValue, "chip_seed": String(preset.device.chipSeed)]
    }

    public var curveLabels: (feedforward: String, relaxed: String) {
        ("digital feedforward network", "analog circuit (\(config.solver.rawValue)), relaxed")
    }

    /// `network.drn.safetensors`: the trained circuit, readable by `eqprop netlist --network`.
    public func artifactFiles() throws -> [(name: String, data: Data)] {
        [("network.drn.safetensors", networkFile().encoded())]
    }

    /// The DRN and feedforward network stored in a checkpoint.
    public static func networks(from file: SafeTensors, path: String) throws -> (ResistiveNetwork, FeedforwardNetwork) {
        var drn = SafeTensors()
        drn.tensors = file.tensors.filter { $0.name.hasPrefix("drn.") }.map { (String($0.name.dropFirst(4)), $0.tensor) }
        for (k, v) in file.metadata where k.hasPrefix("drn.") { drn.metadata[String(k.dropFirst(4))] = v }
        return (try ResistiveNetwork(drn, path: path), try FeedforwardNetwork(from: file, prefix: "phi", path: path))
    }
}

/// A log closure callable from the worker pool's concurrent lanes, one line at a time.
private final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private let log: ((String) -> Void)?
    init(_ log: ((String) -> Void)?) { self.log = log }
    func send(_ line: String) { lock.lock(); log?(line); lock.unlock() }
}
