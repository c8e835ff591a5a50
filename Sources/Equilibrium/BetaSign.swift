/// How the nudged phases of Equilibrium Propagation choose the sign of β.
public enum BetaSign: String, Codable, Sendable, CaseIterable {
    /// One nudged phase at +β; gradient from (free, +β). Bias O(β).
    case positive
    /// One nudged phase at ±β, the sign drawn afresh for each minibatch; the update divides by
    /// the same signed β (O'Connor et al. 2019, Sec. 4): the O(β) bias averages out.
    case random
    /// Two nudged phases, +β and −β, both started from the free state; gradient from their
    /// difference / 2β. Bias O(β²) (Scellier et al. 2023; beyond the paper).
    case centered
}
