/// The activation of a feedforward layer, matched to how the equilibrating network bounds
/// the corresponding layer, so that the feedforward prediction s^f lands where the fixed
/// point can be (DESIGN §2.2, "act_l matching the clamp").
public enum UnitActivation: String, Codable, Sendable, CaseIterable {
    /// ρ(v) = clip(v, 0, 1): the Hopfield units of Eq. 1.
    case hardSigmoid = "hard-sigmoid"
    /// First half of the units max(v, 0) (excitatory, clamped ≥ 0 by a diode), second half
    /// min(v, 0) (inhibitory, clamped ≤ 0): a hidden layer of a deep resistive network.
    case excitatoryInhibitory = "excitatory-inhibitory"
    /// v: linear units (the output nodes of a resistive network).
    case identity

    /// The activation of unit `j` of `n` at pre-activation `v`, with the training leak
    /// (+0.01·v, ρ_mod of O'Connor et al. 2019) when `leaky`.
    @inline(__always)
    public func apply(_ v: Float, unit j: Int, of n: Int, leaky: Bool) -> Float {
        let base: Float
        switch self {
        case .hardSigmoid: base = min(max(v, 0), 1)
        case .excitatoryInhibitory: base = j < n / 2 ? max(v, 0) : min(v, 0)
        case .identity: return v
        }
        return leaky ? base + HardSigmoid.leak * v : base
    }

    /// The derivative of the leaky activation (the one that is trained).
    @inline(__always)
    public func leakyDerivative(_ v: Float, unit j: Int, of n: Int) -> Float {
        switch self {
        case .hardSigmoid: return (v > 0 && v < 1 ? 1 : 0) + HardSigmoid.leak
        case .excitatoryInhibitory: return ((j < n / 2) ? (v > 0 ? 1 : 0) : (v < 0 ? 1 : 0)) + HardSigmoid.leak
        case .identity: return 1
        }
    }
}
