import Equilibrium

/// Hyperparameters set over a preset (the flags of `eqprop train`); nil keeps the preset's.
/// Strengths and rates are in the model's units: dimensionless for the Hopfield network, the
/// reference units of `ResistiveTrainingConfig` for circuits.
public struct TrainingOverrides: Sendable, Equatable {
    /// [inputs, hidden…, outputs]; learning rates missing for new layers repeat the last one.
    public var layers: [Int]?
    public var batchSize: Int?
    /// β (> 0; its sign is `betaSign`'s).
    public var beta: Double?
    public var betaSign: BetaSign?
    /// Hopfield only: Euler step ε and steps T⁻, T⁺.
    public var stepSize: Float?
    public var stepsFree: Int?
    public var stepsNudged: Int?
    /// η of θ per layer; also φ's unless `feedforwardLearningRates` is given.
    public var learningRates: [Double]?
    public var feedforwardLearningRates: [Double]?
    /// λ of the tether (Eq. 10).
    public var lambda: Double?
    /// Plain EqProp: the free phase starts from zero and λ = 0.
    public var noInitialization = false
    public var epochs: Int?
    public var seed: UInt64?

    public init() {}

    /// The settings of a fresh run that a resume may not change, by flag name.
    public var flagsSet: [String] {
        [("--seed", seed != nil), ("--layers", layers != nil), ("--batch-size", batchSize != nil), ("--beta", beta != nil),
         ("--beta-sign", betaSign != nil), ("--step-size", stepSize != nil), ("--steps-free", stepsFree != nil),
         ("--steps-nudged", stepsNudged != nil), ("--learning-rates", learningRates != nil),
         ("--ff-learning-rates", feedforwardLearningRates != nil), ("--lambda", lambda != nil), ("--no-init", noInitialization)]
            .filter(\.1).map(\.0)
    }

    /// `rates` for `depth` layers: the given ones, the last repeated for new layers.
    public static func extend<T>(_ rates: [T], to depth: Int) -> [T] { (0..<depth).map { rates[min($0, rates.count - 1)] } }
}

extension HopfieldTrainingConfig {
    /// The preset named `preset` with `overrides` applied, validated.
    public static func resolved(preset: String, _ overrides: TrainingOverrides) throws -> HopfieldTrainingConfig {
        guard let c = presets[preset] else {
            throw TrainingError.invalidConfiguration("--preset: unknown preset '\(preset)'; choose one of \(presets.keys.sorted().joined(separator: ", "))")
        }
        return try c.applying(overrides)
    }

    /// This configuration with `overrides` applied, validated.
    public func applying(_ overrides: TrainingOverrides) throws -> HopfieldTrainingConfig {
        var c = self
        let o = overrides
        if let layers = o.layers {
            c.layerSizes = layers
            if c.learningRates.count != layers.count - 1 && o.learningRates == nil {
                c.learningRates = TrainingOverrides.extend(c.learningRates, to: layers.count - 1)
                c.feedforwardLearningRates = c.learningRates
            }
        }
        if let v = o.batchSize { c.batchSize = v }
        if let v = o.beta { c.beta = Float(v) }
        if let v = o.betaSign { c.betaSign = v }
        if let v = o.stepSize { c.stepSize = v }
        if let v = o.stepsFree { c.stepsFree = v }
        if let v = o.stepsNudged { c.stepsNudged = v }
        if let v = o.learningRates {
            c.learningRates = v.map(Float.init)
            c.feedforwardLearningRates = c.learningRates
        }
        if let v = o.feedforwardLearningRates { c.feedforwardLearningRates = v.map(Float.init) }
        if let v = o.lambda { c.lambda = Float(v) }
        if o.noInitialization { c.useInitialization = false; c.lambda = 0 }
        if let v = o.epochs { c.epochs = v }
        if let v = o.seed { c.seed = v }
        try c.validate()
        return c
    }
}
