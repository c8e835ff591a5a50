import Equilibrium
import Foundation
import Numerics
import Reporting

/// Every hyperparameter of an Init-EqProp run on the layered Hopfield network
/// (O'Connor et al. 2019, Alg. 1). Written to the run folder as `config.json`.
public struct HopfieldTrainingConfig: StoredConfiguration, Sendable, Equatable {
    public static let storedUnits: [String: String] = [:]
    public var preset: String
    /// [inputs, hidden…, outputs].
    public var layerSizes: [Int]
    public var batchSize: Int
    /// Nudging strength β > 0 (Eq. 3).
    public var beta: Float
    public var betaSign: BetaSign
    /// Euler step ε (Alg. 1, line 9).
    public var stepSize: Float
    /// T⁻: Euler steps of the free (negative) phase.
    public var stepsFree: Int
    /// T⁺: Euler steps of each nudged (positive) phase.
    public var stepsNudged: Int
    /// η_l for θ = (W_l, b_l), one per layer (Eq. 5).
    public var learningRates: [Float]
    /// η_l for the feedforward φ = (ω_l, c_l), one per layer (Eq. 8).
    public var feedforwardLearningRates: [Float]
    /// λ of the tether (Eq. 10); 0 turns it off.
    public var lambda: Float
    /// Init-EqProp (true) or plain EqProp (false: the free phase starts from zero, λ = 0).
    public var useInitialization: Bool
    public var epochs: Int
    public var seed: UInt64
    /// How the feedforward network learns: `local` losses (Eq. 8, the default when absent) or
    /// the `global` loss ½‖s^f_L − s⁻_L‖² backpropagated through it (for Fig. 3 only).
    public var feedforwardLoss: FeedforwardLoss?
    /// Every this many batches, the cosine between each layer's local-loss gradient and the
    /// global-loss gradient is measured (Fig. 3); nil or 0: never.
    public var alignmentEvery: Int?

    public enum FeedforwardLoss: String, Codable, Sendable, CaseIterable { case local, global }

    /// 784-500-10, β 0.5 random sign, ε 0.5, T⁻ 20, T⁺ 4, η = 0.1, 0.05, λ 0.1, batch 20, 50
    /// epochs: the small network of O'Connor et al. 2019 (Sec. 4, Fig. 2).
    public static let paperSmall = HopfieldTrainingConfig(
        preset: "paper-small", layerSizes: [784, 500, 10], batchSize: 20, beta: 0.5, betaSign: .random,
        stepSize: 0.5, stepsFree: 20, stepsNudged: 4, learningRates: [0.1, 0.05],
        feedforwardLearningRates: [0.1, 0.05], lambda: 0.1, useInitialization: true, epochs: 50, seed: 1)

    /// 784-500-500-500-10, β 1.0, T⁻ 50, T⁺ 8, η = 0.128, 0.032, 0.008, 0.002, 200 epochs: the
    /// large network of O'Connor et al. 2019.
    public static let paperLarge = HopfieldTrainingConfig(
        preset: "paper-large", layerSizes: [784, 500, 500, 500, 10], batchSize: 20, beta: 1.0, betaSign: .random,
        stepSize: 0.5, stepsFree: 50, stepsNudged: 8, learningRates: [0.128, 0.032, 0.008, 0.002],
        feedforwardLearningRates: [0.128, 0.032, 0.008, 0.002], lambda: 0.1, useInitialization: true,
        epochs: 200, seed: 1)

    public static let presets: [String: HopfieldTrainingConfig] = [
        "paper-small": paperSmall, "paper-large": paperLarge,
    ]

    /// Checks every field; the message names the command-line flag that sets it.
    public func validate() throws {
        func fail(_ m: String) -> TrainingError { .invalidConfiguration(m) }
        do {
            try InputLimits.check(stepsFree, in: 1...InputLimits.relaxationSteps, source: "--steps-free", meaning: "T⁻")
            try InputLimits.check(stepsNudged, in: 1...InputLimits.relaxationSteps, source: "--steps-nudged", meaning: "T⁺")
            try RunLimits.check(layers: layerSizes, batchSize: batchSize, epochs: epochs, estimatedBytes: estimatedBytes,
                                what: "a \(layerSizes.map(String.init).joined(separator: "-")) network")
        } catch let e as InputError {
            throw fail(e.description)
        }
        guard beta.isFinite, beta > 0 else { throw fail("--beta must be a positive number (got \(beta))") }
        guard stepSize.isFinite, stepSize > 0, stepSize <= 1 else { throw fail("--step-size must be in (0, 1] (got \(stepSize))") }
        guard stepsFree > 0 else { throw fail("--steps-free must be positive (got \(stepsFree))") }
        guard stepsNudged > 0 else { throw fail("--steps-nudged must be positive (got \(stepsNudged))") }
        let depth = layerSizes.count - 1
        guard learningRates.count == depth else {
            throw fail("--learning-rates: \(depth) layers need \(depth) rates (got \(learningRates.count))")
        }
        guard feedforwardLearningRates.count == depth else {
            throw fail("--ff-learning-rates: \(depth) layers need \(depth) rates (got \(feedforwardLearningRates.count))")
        }
        guard (learningRates + feedforwardLearningRates).allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw fail("learning rates must be finite and non-negative")
        }
        guard lambda.isFinite, lambda >= 0 else { throw fail("--lambda must be non-negative (got \(lambda))") }
        guard isEulerStable else {
            let limit = (2 / stepSize - 1) / 2 - lambda
            throw fail("--beta \(beta) makes the Euler step unstable: the dynamics need ε(1 + 2β + 2λ) < 2, "
                       + (limit > 0 ? "so β must be in (0, \(String(format: "%.4g", limit))) at --step-size \(stepSize) and --lambda \(lambda)"
                                    : "which no β > 0 meets at --step-size \(stepSize) and --lambda \(lambda): lower one of them"))
        }
    }

    /// Bytes training allocates, roughly: θ and φ with their gradients (4 float32 copies of
    /// the weights) and a dozen float32 state matrices of batch × units; nil on overflow.
    public var estimatedBytes: Int? {
        guard let weights = InputLimits.weightBytes(layerSizes, scalarBytes: 4 * 4),
              let units = CheckedSize.sum(layerSizes),
              let states = CheckedSize.product([batchSize, units, 4 * 12]) else { return nil }
        return CheckedSize.sum(weights, states)
    }

    /// The stability limit of the clipped Euler dynamics: with nudging and tether the decay
    /// factor 1 − ε(1 + 2β + 2λ) must stay above −1.
    public var isEulerStable: Bool { stepSize * (1 + 2 * beta + 2 * lambda) < 2 }
}

extension HopfieldTrainingConfig {
    /// The configuration a checkpoint stores (its `config` metadata, JSON), decoded and
    /// checked like the flags that set it: sizes, counts and rates read from a file are as
    /// untrusted as the command line. `path` names the checkpoint in errors.
    public static func decode(_ json: String, path: String) throws -> HopfieldTrainingConfig {
        let config: HopfieldTrainingConfig
        do { config = try ConfigurationJSON.decode(HopfieldTrainingConfig.self, from: Data(json.utf8)) } catch {
            throw TrainingError.checkpoint(path: path, reason: "its configuration cannot be read (\(error))")
        }
        do { try config.validate() } catch let e as TrainingError {
            throw TrainingError.checkpoint(path: path, reason: "its configuration is out of range: \(e)")
        }
        return config
    }
}
