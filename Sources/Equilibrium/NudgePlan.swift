import Numerics

/// The nudged phases of one minibatch and the pair of states the EqProp update compares
/// (O'Connor et al. 2019, Eq. 5: Δθ ∝ −(∂E/∂θ(second) − ∂E/∂θ(first)) / betaDifference).
public enum NudgedPhases: Equatable, Sendable {
    /// One phase at β (either sign): the pair is (s⁻, s^β), the difference β. Bias O(β).
    case oneSided(beta: Double)
    /// Two phases, +β then −β, both from s⁻: the pair is (s^−β, s^+β), the difference 2β.
    /// Bias O(β²) (Scellier et al. 2023).
    case centered(beta: Double)

    /// β of each nudged phase, in the order they are relaxed.
    public var betas: [Double] {
        switch self {
        case .oneSided(let beta): return [beta]
        case .centered(let beta): return [beta, -beta]
        }
    }

    /// The β separating the pair's two states (second minus first).
    public var betaDifference: Double {
        switch self {
        case .oneSided(let beta): return beta
        case .centered(let beta): return 2 * beta
        }
    }

    /// The two states the update compares, from the free state and the nudged ones (in
    /// `betas` order).
    public func pair<State>(free: State, nudged: [State]) -> (first: State, second: State) {
        switch self {
        case .oneSided: return (free, nudged[0])
        case .centered: return (nudged[1], nudged[0])
        }
    }
}

/// The β-sign policy of an epoch: which nudged phases each minibatch relaxes. Random signs
/// come from stream 2000 + epoch of the run's seed, one draw per minibatch, so a resumed epoch
/// replays them.
public struct NudgePlan {
    public let sign: BetaSign
    /// |β| (the model's units).
    public let beta: Double
    private var signs: SeededGenerator

    public init(sign: BetaSign, beta: Double, seed: UInt64, epoch: Int) {
        self.sign = sign
        self.beta = beta
        signs = SeededGenerator(seed: seed).stream(2000 + UInt64(epoch))
    }

    /// The next minibatch's phases.
    public mutating func next() -> NudgedPhases {
        switch sign {
        case .positive: return .oneSided(beta: beta)
        case .random: return .oneSided(beta: signs.next() & 1 == 1 ? -beta : beta)
        case .centered: return .centered(beta: beta)
        }
    }
}
