/// How a requested conductance change ΔG (the EqProp step) becomes a programmed one on a
/// device with finite resolution. Equations in `hardware/README.md`; Δℓ is the level spacing
/// (G_max − G_min)/(levels − 1), Δp the nominal pulse step.
public enum UpdateScheme: String, Sendable, Codable, CaseIterable {
    /// G ← nearest level of clip(G + ΔG): deterministic. Steps below Δℓ/2 are lost, so at 64
    /// levels EqProp's steps are rounded away (the baseline that fails).
    case round
    /// G ← one of the two levels around clip(G + ΔG), the upper with probability equal to the
    /// distance from the lower in units of Δℓ: unbiased in expectation.
    case stochastic
    /// The device receives n pulses of nominal size Δp, n = ⌊|ΔG|/Δp⌋ plus one more with
    /// probability frac(|ΔG|/Δp), so that E[n]·Δp = |ΔG| (aihwkit's pulsed devices); each pulse
    /// moves G by the device's own response (step spread, soft bounds, asymmetry, write noise).
    case pulsed
    /// The digital side keeps a full-precision accumulator A per cell (next to the digital copy
    /// of the paper's hybrid design): A ← A + ΔG; when |A| ≥ Δq (one level, or one pulse on a
    /// continuous device) the cell receives n = trunc(A/Δq) pulses and A ← A − n·Δq.
    case mixedPrecision = "mixed-precision"
}
