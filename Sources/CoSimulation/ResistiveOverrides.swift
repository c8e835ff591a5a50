import Circuit
import Foundation
import EqProp

/// Settings of a deep resistive network's training set over its preset (the circuit flags of
/// `eqprop train`); nil keeps the preset's. See `ResistiveTrainingConfig` for units.
public struct ResistiveOverrides: Sendable, Equatable {
    /// Hardware preset: a name in hardware/ or a path.
    public var hardware: String?
    public var solver: ResistiveTrainingConfig.Solver?
    public var workers: Int?
    public var crosscheckEvery: Int?
    public var nudge: NudgeKind?
    /// Swift solver tolerance, V.
    public var tolerance: Double?
    public var learningRateDecay: Double?
    /// The reference's input gain: input swing over the target voltage V_u (its Fashion-MNIST
    /// runs use 5/8 of its MNIST gains: 300 for DRN-1H, 1250 for DRN-2H).
    public var targetRatio: Double?
    /// η̂ of each layer's bias conductances (default: the preset's, or `--learning-rates` when
    /// that is given). DRN-3H's reference uses a tenth of the cells' rates.
    public var biasLearningRates: [Double]?
    public var maxSweeps: Int?
    /// μ of momentum on the learning step.
    public var momentum: Double?
    /// How fresh crossbar cells are drawn (a new run only).
    public var initialConductances: ConductanceInitialization?
    public var diodeModel: CircuitSolver.DiodeModel?
    public var updateScheme: UpdateScheme?
    public var chipSeed: UInt64?
    /// Seconds an ngspice worker may take for one job (not part of the configuration).
    public var workerTimeout: Double?

    public init() {}

    /// The flags set, by name.
    public var flagsSet: [String] {
        [("--hardware", hardware != nil), ("--solver", solver != nil), ("--workers", workers != nil),
         ("--crosscheck-every", crosscheckEvery != nil), ("--worker-timeout", workerTimeout != nil), ("--nudge", nudge != nil),
         ("--tolerance", tolerance != nil), ("--lr-decay", learningRateDecay != nil), ("--target-ratio", targetRatio != nil),
         ("--bias-learning-rates", biasLearningRates != nil), ("--max-sweeps", maxSweeps != nil), ("--momentum", momentum != nil), ("--initial-conductances", initialConductances != nil), ("--diode-model", diodeModel != nil), ("--update-scheme", updateScheme != nil), ("--chip-seed", chipSeed != nil)]
            .filter(\.1).map(\.0)
    }

    /// Those a resume may change: how the run continues, not what it trains.
    public static let runtimeFlags: Set<String> = ["--solver", "--workers", "--crosscheck-every", "--worker-timeout"]
}

extension ResistiveTrainingConfig {
    /// The preset named `preset` (`paper-small` with `--model resistive` means `drn-xs`) with
    /// the overrides applied, validated.
    public static func resolved(preset: String, _ o: TrainingOverrides, _ r: ResistiveOverrides) throws -> ResistiveTrainingConfig {
        guard let c = presets[preset == "paper-small" ? "drn-xs" : preset] else {
            throw TrainingError.invalidConfiguration("--preset: unknown resistive preset '\(preset)'; choose one of \(presets.keys.sorted().joined(separator: ", "))")
        }
        return try c.applying(o, r)
    }

    /// This configuration with the overrides applied, validated (a resume checks with it that
    /// flags repeated from the run's first command change nothing).
    public func applying(_ o: TrainingOverrides, _ r: ResistiveOverrides) throws -> ResistiveTrainingConfig {
        var c = self
        if o.stepsFree != nil || o.stepsNudged != nil || o.stepSize != nil {
            throw TrainingError.invalidConfiguration(
                "--steps-free, --steps-nudged and --step-size apply to Hopfield networks; circuits relax to convergence (see --tolerance)")
        }
        if let layers = o.layers {
            let depth = layers.count - 1
            if depth != architecture.count - 1 && o.learningRates == nil {
                throw TrainingError.invalidConfiguration(Self.depthMismatch(layers, preset: self))
            }
            c.architecture = layers
            c.learningRates = TrainingOverrides.extend(c.learningRates, to: depth)
            c.biasLearningRates = TrainingOverrides.extend(c.biasLearningRates, to: depth)
            c.feedforwardLearningRates = TrainingOverrides.extend(c.feedforwardLearningRates, to: depth)
            // Extra hidden layers continue the ~20× decay per layer (ResistiveTrainingConfig.hiddenUnitFractions).
            if let f = c.hiddenUnitFractions {
                c.hiddenUnitFractions = depth > 1 ? (0..<(depth - 1)).map { i in i < f.count ? f[i] : f.last! * pow(0.05, Double(i - f.count + 1)) } : nil
            }
        }
        if let v = r.hardware { c.hardware = v }
        if let v = r.solver { c.solver = v }
        if let v = r.workers { c.workers = v }
        if let v = r.crosscheckEvery { c.crosscheckEvery = v }
        if let v = r.nudge { c.nudge = v }
        if let v = r.tolerance { c.tolerance = v }
        if let v = r.diodeModel { c.diodeModel = v }
        if let v = r.updateScheme { c.updateScheme = v }
        if let v = r.chipSeed { c.chipSeed = v }
        if let v = r.learningRateDecay { c.learningRateDecay = v }
        if let v = r.targetRatio { c.targetRatio = v }
        if let v = r.maxSweeps { c.maxSweeps = v }
        if let v = r.momentum { c.momentum = v == 0 ? nil : v }  // μ = 0 is no momentum: the same configuration
        if let v = r.initialConductances { c.initialConductances = v }
        if let v = o.batchSize { c.batchSize = v }
        if let v = o.beta { c.beta = v }
        if let v = o.betaSign { c.betaSign = v }
        if let v = o.learningRates {
            c.learningRates = v
            c.biasLearningRates = v
        }
        if let v = r.biasLearningRates { c.biasLearningRates = v }
        if let v = o.feedforwardLearningRates { c.feedforwardLearningRates = v.map(Float.init) }
        if let v = o.lambda { c.lambda = v }
        if o.noInitialization { c.useInitialization = false; c.lambda = 0 }
        if let v = o.epochs { c.epochs = v }
        if let v = o.seed { c.seed = v }
        try c.validate()
        return c
    }

    /// Why `--layers` with another number of hidden layers than `preset` is refused: the
    /// preset's input gain, per-crossbar rates and digital hidden units are tuned for its own
    /// depth: drn-2h's settings on 784-100-10 ended 50 epochs at 59% test error (drn-xs: 3.3%).
    static func depthMismatch(_ layers: [Int], preset: ResistiveTrainingConfig) -> String {
        func hidden(_ n: Int) -> String { n == 1 ? "1 hidden layer" : "\(n) hidden layers" }
        let wanted = layers.count - 2, own = preset.architecture.count - 2
        let matching = presets.filter { $0.value.architecture.count == layers.count }.keys.sorted()
        let choose = matching.isEmpty ? "" : "choose a preset with \(hidden(wanted)) (\(matching.joined(separator: ", "))), "
        return "--layers \(layers.map(String.init).joined(separator: ",")) has \(hidden(wanted)), but preset '\(preset.preset)' is tuned for "
            + "\(hidden(own)) (\(preset.architecture.map(String.init).joined(separator: "-")): input gain, learning rate per crossbar, "
            + "the digital network's hidden units); \(choose)keep \(hidden(own)), or give --learning-rates with one rate per crossbar (\(layers.count - 1))"
    }
}
