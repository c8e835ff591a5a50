import Circuit
import Datasets
import EqProp
import Foundation
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
    private let relaxer: any EquilibriumRelaxer<ResistiveCircuit, Double>
    /// The Swift twin used for cross-checks of an ngspice run (the preset's diode equations).
    private let twin: SwiftCircuitRelaxer?
    private let ngspice: NgspiceRelaxer?
    private let ffWorkspace = FeedforwardWorkspace()
    private var x = FloatMatrix(rows: 0, columns: 0)
    private var y = FloatMatrix(rows: 0, columns: 0)
    /// Largest Swift-vs-ngspice node difference seen this epoch, V.
    private var crosscheckMax: Double?
    public var log: ((String) -> Void)? {
        didSet {
            // Worker restarts are reported through the same channel (the pool logs from its lanes).
            let sink = LogSink(log)
            ngspice?.pool.log = { sink.send($0) }
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
    /// mixed-precision accumulators of a resumed run (`deviceAccumulators(from:)`).
    public init(config: ResistiveTrainingConfig, preset filePreset: HardwarePreset, network: ResistiveNetwork? = nil,
                feedforward: FeedforwardNetwork? = nil, accumulators: DeviceAccumulators? = nil,
                workerExecutable: URL? = nil) throws {
        try config.validate()
        let preset = try config.hardware(from: filePreset)
        self.config = config
        self.preset = preset
        let root = SeededGenerator(seed: config.seed)
        var netRNG = root.stream(1), ffRNG = root.stream(2)
        let net = network ?? ResistiveNetwork(architecture: config.architecture, preset: preset,
                                              conductanceScale: config.initialConductanceScale, rng: &netRNG)
        guard net.architecture == config.architecture else {
            throw TrainingError.invalidConfiguration("the saved network's architecture \(net.architecture) does not match \(config.architecture)")
        }
        do { try net.validate(against: preset) } catch { throw TrainingError.invalidConfiguration("\(error)") }
        circuit = ResistiveCircuit(network: net, preset: preset)
        if let accumulators { try circuit.restoreAccumulators(accumulators) }
        let sizes = [config.architecture[0]] + net.layerSizes
        let activations: [UnitActivation] = net.layerSizes.indices.map { $0 == net.layerSizes.count - 1 ? .identity : .excitatoryInhibitory }
        guard preset.clamp == .oneSided else {
            throw TrainingError.invalidConfiguration("training supports one-sided clamps (preset '\(preset.name)' is two-sided)")
        }
        self.feedforward = feedforward ?? FeedforwardNetwork(layerSizes: sizes, activations: activations, rng: &ffRNG)
        guard self.feedforward.layerSizes == sizes else {
            throw TrainingError.invalidConfiguration("the saved feedforward network's layers do not match the circuit")
        }
        switch config.solver {
        case .swift:
            let solver = CircuitSolver(diodeModel: config.diodeModel ?? CircuitSolver.trainingModel(for: preset), tolerance: config.tolerance,
                                       maxSweeps: config.maxSweeps)
            relaxer = SwiftCircuitRelaxer(solver: solver, nudgeKind: config.nudge)
            twin = nil
            ngspice = nil
        case .ngspice:
            guard let workerExecutable else {
                throw TrainingError.invalidConfiguration("--solver ngspice needs the eqprop executable for its worker processes")
            }
            let pool = NgspiceWorkerPool(executable: workerExecutable, size: config.workers)
            let ng = NgspiceRelaxer(pool: pool, form: .nortonInputs)
            ngspice = ng
            relaxer = NgspiceCircuitRelaxer(relaxer: ng, nudgeKind: config.nudge)
            twin = SwiftCircuitRelaxer(solver: CircuitSolver(diodeModel: .shockley, tolerance: 1e-11), nudgeKind: config.nudge)
        }
    }

    deinit { ngspice?.pool.shutdown() }

    public var targetVolts: Double { config.targetVolts(inputGain: preset.inputGain) }
    private var classes: Int { circuit.network.classes }

    /// How output states become class scores: node voltages, or V⁺ − V⁻ per class.
    var readout: Readout {
        circuit.network.isDifferential ? .differential(classes: classes) : .single(classes: classes)
    }

    private func errors<S: BLASScalar>(_ output: Matrix<S>, _ labels: [Int]) -> Int {
        zip(readout.scores(output).argmaxPerRow(), labels).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
    }

    /// The unit (V) of each layer of the feedforward network, so that every layer predicts
    /// values of order 1 whatever the preset's scales: the output layer in units of V_u (the
    /// correct class's target is 1), hidden layers in units of g/20 (`hiddenUnitFraction`): a
    /// hidden node sits at a weighted average of ±g·x, a few percent of g for MNIST digits
    /// (mean pixel ≈ 0.13). Values of order 1 also keep the bias term from dominating the
    /// normalized step (see `applyLocalLossUpdate`).
    var feedforwardUnits: [Double] {
        circuit.network.layerSizes.indices.map { $0 == circuit.depth - 1 ? targetVolts : preset.inputGain * Self.hiddenUnitFraction }
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

    private func freeRequest(pixels: DoubleMatrix) -> RelaxationRequest<Double> {
        let start = config.useInitialization
            ? prediction()
            : circuit.network.layerSizes.map { DoubleMatrix(rows: pixels.rows, columns: $0) }
        var request = RelaxationRequest(inputs: pixels, start: start)
        if config.useInitialization && config.lambda > 0 {
            request.tether = .init(strength: config.lambdaSiemens, targets: start)
        }
        return request
    }

    /// Batch buffers shaped for `data`.
    private func shapeBuffers(for data: LabeledImages) {
        if x.columns != data.pixels { x = FloatMatrix(rows: 0, columns: data.pixels) }
        if y.columns != data.classes { y = FloatMatrix(rows: 0, columns: data.classes) }
    }

    private func targets(_ labels: [Int]) -> DoubleMatrix {
        var t = DoubleMatrix(rows: labels.count, columns: classes)
        for (b, k) in labels.enumerated() { t[b, k] = targetVolts }
        return t
    }

    public func checkFits(_ data: LabeledImages) throws {
        guard data.pixels == config.architecture[0], data.classes == classes else {
            throw TrainingError.dataMismatch(
                "--layers \(config.architecture.map(String.init).joined(separator: ",")) does not fit the data: "
                + "\(data.pixels) pixels and \(data.classes) classes per sample")
        }
    }

    /// One pass over `data` in the seeded order of `epoch`.
    public func trainEpoch(_ epoch: Int, on data: LabeledImages, progress: ((Int) -> Void)?) throws -> EpochTraining {
        try checkFits(data)
        shapeBuffers(for: data)
        let start = Date()
        let savedThreads = BLASThreads.count
        BLASThreads.set(1)
        defer { BLASThreads.set(savedThreads) }
        let root = SeededGenerator(seed: config.seed)
        var orderRNG = root.stream(1000 + UInt64(epoch)), signRNG = root.stream(2000 + UInt64(epoch))
        let order = orderRNG.permutation(data.count)
        let step = config.step(epoch: epoch, inputGain: preset.inputGain, biasVolts: preset.biasVolts)
        let beta = config.betaSiemens
        var ffErrors = 0, relaxedErrors = 0, batches = 0, skipped = 0, counted = 0
        var residualSum = 0.0, sweepSum = 0.0
        var programming = ProgrammingTally()
        crosscheckMax = nil
        let engineStart = ngspice?.pool.engineSeconds
        let restartsStart = ngspice?.pool.restarts
        var done = 0
        while done < data.count {
            let indices = order[done..<min(done + config.batchSize, data.count)]
            data.gather(indices, into: &x, targets: &y)
            let labels = indices.map { data.labels[$0] }
            let pixels = x.converted(to: Double.self)
            feedforward.forward(x, leaky: true, workspace: ffWorkspace)
            let request = freeRequest(pixels: pixels)
            // Each phase reads the chip afresh (read noise; the circuit itself without it).
            let batchKey = CounterRandom.key(config.seed, UInt64(epoch), UInt64(batches))
            func reading(_ phase: UInt64) -> ResistiveCircuit { circuit.read(key: CounterRandom.key(batchKey, 0x5EAD, phase)) }
            let free = try relaxer.relax(reading(0), request)
            batches += 1
            done += indices.count
            defer { progress?(done) }
            guard free.statistics.converged, free.states.allSatisfy(\.isFinite) else {
                skipped += 1
                let why = free.statistics.failure ?? "residual \(free.statistics.residual) V"
                log?("epoch \(epoch), batch \(batches): the free phase did not converge (\(why)); batch skipped")
                try checkSkipped(skipped, of: batches, epoch: epoch)
                continue
            }
            if let twin, config.crosscheckEvery > 0, (batches - 1) % config.crosscheckEvery == 0 {
                let reference = try twin.relax(circuit, request)
                let diff = zip(reference.states, free.states).map { $0.maxAbsDifference($1) }.max() ?? 0
                crosscheckMax = max(crosscheckMax ?? 0, diff)
                if diff > 1e-6 { log?("epoch \(epoch), batch \(batches): ngspice and the Swift twin differ by \(diff) V") }
            }
            ffErrors += errors(ffWorkspace.activations.last!, labels)
            relaxedErrors += errors(free.states.last!, labels)
            residualSum += free.statistics.residual
            sweepSum += Double(free.statistics.iterations)
            counted += indices.count

            // Nudged phases from the free state.
            let y = targets(labels)
            func nudged(_ b: Double) throws -> Relaxation<Double> {
                try relaxer.relax(reading(b > 0 ? 1 : 2), RelaxationRequest(inputs: pixels, start: free.states,
                                                             nudge: .init(beta: b, targets: y, freeState: free.states),
                                                             tether: request.tether))
            }
            let first: Relaxation<Double>, second: Relaxation<Double>, difference: Double
            switch config.betaSign {
            case .centered:
                second = try nudged(beta); first = try nudged(-beta); difference = 2 * beta
            case .positive:
                second = try nudged(beta); first = free; difference = beta
            case .random:
                let b = signRNG.next() & 1 == 1 ? -beta : beta
                second = try nudged(b); first = free; difference = b
            }
            guard first.statistics.converged, second.statistics.converged,
                  first.states.allSatisfy(\.isFinite), second.states.allSatisfy(\.isFinite) else {
                skipped += 1
                let why = [first, second].compactMap(\.statistics.failure).first.map { " (\($0))" } ?? ""
                log?("epoch \(epoch), batch \(batches): a nudged phase did not converge\(why); batch skipped")
                try checkSkipped(skipped, of: batches, epoch: epoch)
                continue
            }
            let inputVoltages = CircuitConditions.inputVoltages(pixels: pixels, gain: preset.inputGain)
            // The free state in the digital network's units, projected into the range its units can
            // output (each plain activation is that projection: clip, max(·, 0) or min(·, 0)). A soft
            // diode lets a clamped node sit a few mV past its rail; a local loss toward such a target
            // could only be met through the 0.01 training leak, by pre-activations 100× the target
            // that deployment (no leak) then clips.
            let ffTargets = zip(zip(free.states, feedforwardUnits), feedforward.activations).map { mu, act -> FloatMatrix in
                let (m, unit) = mu, n = m.columns
                var f = m.converted(to: Float.self)
                f.withUnsafeMutableBufferPointer { p in
                    for i in p.indices { p[i] = act.apply(p[i] / Float(unit), unit: i % n, of: n, leaky: false) }
                }
                return f
            }
            programming.add(circuit.applyEquilibriumPropagation(step, inputVoltages: inputVoltages, first: first.states,
                                                                second: second.states, betaDifference: difference,
                                                                programmingKey: batchKey))
            let loss = feedforward.applyLocalLossUpdate(input: x, targets: ffTargets,
                                                        learningRates: config.feedforwardLearningRates, normalized: true,
                                                        workspace: ffWorkspace)
            guard loss.isFinite else {
                throw TrainingError.diverged(epoch: epoch, batch: batches, what: "the feedforward network's local loss")
            }
        }
        guard feedforward.isFinite else { throw TrainingError.diverged(epoch: epoch, batch: batches, what: "a feedforward weight") }
        try checkSkipped(skipped, of: batches, epoch: epoch, endOfEpoch: true)
        let n = Double(max(counted, 1))
        var t = EpochTraining(samples: data.count, errorFeedforward: Double(ffErrors) / n, errorRelaxed: Double(relaxedErrors) / n,
                              seconds: Date().timeIntervalSince(start), meanFreeResidual: residualSum / Double(max(batches - skipped, 1)),
                              meanFreeIterations: sweepSum / Double(max(batches - skipped, 1)))
        t.skippedBatches = skipped
        t.maxCrosscheckDifference = crosscheckMax
        if DeviceState.needsProgrammer(preset) {
            t.lostUpdateFraction = programming.lostFraction
            if programming.lostFraction > 0.5 {
                let others = UpdateScheme.allCases.filter { $0 != .round && $0 != preset.device.updateScheme }.map(\.rawValue)
                log?(String(format: "epoch %d: %.1f%% of the requested conductance updates were lost (rounded away, stuck cells or at a bound) "
                            + "on '%@' with update scheme '%@'%@",
                            epoch, 100 * programming.lostFraction, preset.name, preset.device.updateScheme.rawValue,
                            preset.device.updateScheme == .round ? "; try --update-scheme " + others.joined(separator: ", ") : ""))
            }
        }
        if let engineStart, let pool = ngspice?.pool { t.engineSeconds = pool.engineSeconds - engineStart }
        if let restartsStart, let pool = ngspice?.pool { t.workerRestarts = pool.restarts - restartsStart }
        return t
    }

    /// Stops training once more than `maxSkippedFraction` of the batches were skipped: within
    /// an epoch from its 20th batch on (a single early failure does not stop it), and at the
    /// end of every epoch, however short, so that no checkpoint follows an epoch that did not train.
    private func checkSkipped(_ skipped: Int, of batches: Int, epoch: Int, endOfEpoch: Bool = false) throws {
        if (batches >= 20 || endOfEpoch) && Double(skipped) > config.maxSkippedFraction * Double(batches) {
            throw TrainingError.invalidConfiguration(
                "stopping in epoch \(epoch): \(skipped) of \(batches) batches did not converge (limit \(config.maxSkippedFraction)); "
                + (config.solver == .ngspice
                   ? "check the hardware preset's spice_options (reltol, vntol, abstol, itl1, itl2), or try a smaller --beta"
                   : "try a larger --tolerance or sweep limit, or a smaller --beta"))
        }
    }

    /// Test error of the feedforward network alone and of the relaxed circuit (from s^f, or
    /// from 0 V without initialization), and the mean number of solver sweeps.
    public func evaluate(_ data: LabeledImages) throws -> Evaluation {
        shapeBuffers(for: data)
        let start = Date()
        var ffErrors = 0, relaxedErrors = 0, sweeps = 0.0, batches = 0
        var done = 0
        let batchSize = EvaluationBatch.resistive
        while done < data.count {
            let indices = Array(done..<min(done + batchSize, data.count))
            data.gather(indices[...], into: &x, targets: &y)
            let labels = indices.map { data.labels[$0] }
            feedforward.forward(x, leaky: false, workspace: ffWorkspace)
            ffErrors += errors(ffWorkspace.activations.last!, labels)
            let key = CounterRandom.key(config.seed ^ 0xE7A1, UInt64(done))
            let free = try relaxer.relax(circuit.read(key: key), freeRequest(pixels: x.converted(to: Double.self)))
            guard free.statistics.converged else {
                throw TrainingError.invalidConfiguration("the circuit did not converge on test samples \(done)..<\(done + indices.count) (residual \(free.statistics.residual) V)")
            }
            relaxedErrors += errors(free.states.last!, labels)
            sweeps += Double(free.statistics.iterations)
            batches += 1
            done += indices.count
        }
        let n = Double(max(data.count, 1))
        return Evaluation(samples: data.count, errorFeedforward: Double(ffErrors) / n, errorRelaxed: Double(relaxedErrors) / n,
                          seconds: Date().timeIntervalSince(start), meanIterations: sweeps / Double(max(batches, 1)))
    }
}

extension ResistiveTrainer: EpochTrainer {
    public var modelKind: String { "resistive" }
    public func configurationJSON() throws -> String { try JSONOutput.pretty(config) }

    public func checkpointTensors() -> SafeTensors {
        var drn = circuit.network.safeTensors()
        for (k, v) in chipMetadata { drn.metadata[k] = v }
        var file = SafeTensors(tensors: drn.tensors.map { ("drn." + $0.name, $0.tensor) } + feedforward.tensors(prefix: "phi")
                                   + circuit.accumulatorTensors())
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
