import ArgumentParser
import Circuit
import CoSimulation
import EqProp
import Equilibrium

/// The hyperparameter flags of `eqprop train`, over the preset's values.
struct HyperparameterFlags: ParsableArguments {
    @Option(help: "Layer sizes, e.g. 784,500,10.")
    var layers: String?
    @Option(help: "Minibatch size.")
    var batchSize: Int?
    @Option(help: "Nudging strength β (Hopfield: dimensionless; circuits: in units of G_u, see the README).")
    var beta: Double?
    @Option(help: "β sign: positive, random or centered.")
    var betaSign: BetaSign?
    @Option(help: "Hopfield: Euler step ε.")
    var stepSize: Float?
    @Option(help: "Hopfield: T⁻, steps of the free phase.")
    var stepsFree: Int?
    @Option(help: "Hopfield: T⁺, steps of each nudged phase.")
    var stepsNudged: Int?
    @Option(help: "Learning rates of θ, one per layer, e.g. 0.1,0.05.")
    var learningRates: String?
    @Option(help: "Learning rates of the feedforward network φ (default: those of θ).")
    var ffLearningRates: String?
    @Option(help: "λ: tether strength toward the feedforward prediction (Eq. 10).")
    var lambda: Double?
    @Flag(help: "Plain EqProp: free phase from zero, λ = 0.")
    var noInit = false
    @Option(help: "Epochs to train in total (including resumed ones).")
    var epochs: Int?
    @Option(help: "Random seed: weights, data order, β signs.")
    var seed: UInt64?

    func overrides() throws -> TrainingOverrides {
        var o = TrainingOverrides()
        o.layers = try layers.map { try FlagChecks.layers($0) }
        (o.batchSize, o.beta, o.betaSign, o.lambda, o.epochs, o.seed) = (batchSize, beta, betaSign, lambda, epochs, seed)
        (o.stepSize, o.stepsFree, o.stepsNudged) = (stepSize, stepsFree, stepsNudged)
        o.learningRates = try learningRates.map { try parseList($0, flag: "--learning-rates") }
        o.feedforwardLearningRates = try ffLearningRates.map { try parseList($0, flag: "--ff-learning-rates") }
        o.noInitialization = noInit
        return o
    }
}

/// The flags of deep resistive networks.
struct CircuitTrainingFlags: ParsableArguments {
    @Option(help: "Resistive: hardware preset (name in hardware/ or path).")
    var hardware: String?
    @Option(help: "Resistive: relax the circuit with swift or ngspice.")
    var solver: ResistiveTrainingConfig.Solver?
    @Option(help: "Resistive: ngspice worker processes.")
    var workers: Int?
    @Option(help: "Resistive with ngspice: compare with the Swift twin every N batches (0: never).")
    var crosscheckEvery: Int?
    @Option(help: FlagChecks.workerTimeoutHelp)
    var workerTimeout: Double?
    @Option(help: "Resistive: nudge by current (β(y − V⁰)) or conductance.")
    var nudge: NudgeKind?
    @Option(help: "Resistive: Swift solver tolerance, V.")
    var tolerance: Double?
    @Option(help: "Resistive: multiply the learning rates by this after every epoch.")
    var lrDecay: Double?
    @Option(help: "Resistive: the reference's input gain, input swing over the correct class's target voltage V_u (default: the preset's: drn-1h 480; the reference's Fashion-MNIST runs use 300 for DRN-1H, 1250 for DRN-2H).")
    var targetRatio: Double?
    @Option(help: "Resistive: learning rates of each layer's bias conductances (default: the preset's, or --learning-rates when given).")
    var biasLearningRates: String?
    @Option(help: "Resistive: sweep limit of the Swift solver per phase (a phase that does not converge within it is skipped).")
    var maxSweeps: Int?
    @Option(help: "Resistive: momentum μ in [0, 1) on the learning step (v ← μ·v + g, G ← G + η·v, as the reference's SGD; default: none). The reference's runs use 0.9 at --batch-size 32.")
    var momentum: Double?
    @Option(help: "Resistive: how fresh crossbar cells are drawn at the scale s = G_u/√rows: uniform (G_min + U(0, s)) or clipped (G_min + max(0, U(−s, s)), the reference DRN code's; default: the preset's).")
    var initialConductances: ConductanceInitialization?
    @Option(help: "Resistive, Swift solver: ideal or shockley diodes (default: the preset's; shockley solves exactly the circuit ngspice simulates).")
    var diodeModel: CircuitSolver.DiodeModel?
    @Option(help: "Resistive: how updates are programmed into the cells: round, stochastic, pulsed or mixed-precision (default: the hardware preset's device.update_scheme; see hardware/README.md).")
    var updateScheme: UpdateScheme?
    @Option(help: "Resistive: another chip of the same hardware (seed of the device-to-device variation; default: the preset's device.chip_seed).")
    var chipSeed: UInt64?

    func validate() throws {
        try FlagChecks.workerTimeout(workerTimeout)
    }

    func overrides() throws -> ResistiveOverrides {
        var r = ResistiveOverrides()
        r.biasLearningRates = try biasLearningRates.map { try parseList($0, flag: "--bias-learning-rates") }
        (r.hardware, r.solver, r.workers, r.crosscheckEvery, r.workerTimeout) = (hardware, solver, workers, crosscheckEvery, workerTimeout)
        (r.nudge, r.tolerance, r.learningRateDecay, r.maxSweeps, r.targetRatio) = (nudge, tolerance, lrDecay, maxSweeps, targetRatio)
        (r.diodeModel, r.updateScheme, r.chipSeed, r.initialConductances) = (diodeModel, updateScheme, chipSeed, initialConductances)
        r.momentum = momentum
        return r
    }
}

extension BetaSign: ExpressibleByArgument {}
extension ResistiveTrainingConfig.Solver: ExpressibleByArgument {}
extension NudgeKind: ExpressibleByArgument {}
extension CircuitSolver.DiodeModel: ExpressibleByArgument {}
extension UpdateScheme: ExpressibleByArgument {}
extension ConductanceInitialization: ExpressibleByArgument {}
