/// How the programmable cells of a hardware preset respond to programming and to reading: the
/// optional `device` section of a preset (`hardware/README.md` lists every field and the
/// published values the shipped presets take). All spreads and noises are fractions; a preset
/// without the section has ideal, deterministic devices with `round` programming.
///
/// One chip is one `chipSeed`: the per-cell values it fixes (`DeviceChip`) are drawn from it
/// alone, so the same seed always gives the same devices, in Swift and in the decks written
/// from them.
public struct DeviceModel: Sendable, Equatable, Codable {
    public var updateScheme: UpdateScheme = .round
    /// Nominal pulse step Δp as a fraction of the window G_max − G_min (0: one level, which
    /// needs `conductance_levels` ≥ 2).
    public var pulseStepFraction: Double = 0
    /// Soft bounds: an up pulse moves G by Δp·(G_max − G)/(G_max − G_min), a down pulse by
    /// Δp·(G − G_min)/(G_max − G_min) (aihwkit's SoftBounds); false: steps of Δp, clipped.
    public var softBounds: Bool = false
    /// a: up steps are scaled by (1 + a), down steps by (1 − a); |a| < 1.
    public var upDownAsymmetry: Double = 0
    /// Device-to-device spread of the step size: each cell's steps are scaled by
    /// max(0, 1 + σ·z), z fixed per cell.
    public var stepSpread: Double = 0
    /// Device-to-device spread of each cell's own G_min and G_max: G_min·(1 + σ·z₁),
    /// G_max·(1 + σ·z₂), kept positive and ordered.
    public var boundSpread: Double = 0
    /// Write noise: every programming event adds σ_w·Δp·√n·z for n pulses (σ_w in units of Δp;
    /// aihwkit's `write_noise_std`); for `round`/`stochastic`, σ_w·Δℓ once per changed cell.
    public var writeNoise: Double = 0
    /// Read noise: every relaxation sees each conductance as G·(1 + σ_r·z), z fresh per phase
    /// (cycle-to-cycle), so the free and nudged phases of one sample see different circuits.
    public var readNoise: Double = 0
    /// Fractions of cells stuck at their G_min and at their G_max (never programmed).
    public var stuckAtMinFraction: Double = 0
    public var stuckAtMaxFraction: Double = 0
    /// Diode mismatch (Shockley presets): each clamp diode's saturation current is
    /// IS·exp(σ_IS·z) (a log-normal spread: IS varies over decades between devices) and its
    /// emission coefficient N·max(0.05, 1 + σ_N·z), z fixed per diode. Decks carry one model card
    /// per diode.
    public var diodeSaturationSpread: Double = 0
    public var diodeEmissionSpread: Double = 0
    /// The chip: seed of every per-cell and per-diode value above.
    public var chipSeed: UInt64 = 1
    /// Program-and-verify for `mixed-precision`: after each programming event the digital side
    /// reads the cell back (with the read noise σ_r) and keeps in the accumulator what is still
    /// missing to the full-precision target, χ ← clip(G + χ + ΔG) − G_read, instead of
    /// subtracting the nominal n·Δp. The device's response (soft bounds, up/down asymmetry,
    /// per-cell step spread, write noise) then no longer biases the weights it holds: the loop
    /// corrects it at the next event. Ignored by the other schemes.
    public var programVerify = false

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case updateScheme = "update_scheme", pulseStepFraction = "pulse_step_fraction", softBounds = "soft_bounds"
        case upDownAsymmetry = "up_down_asymmetry", stepSpread = "step_spread", boundSpread = "bound_spread"
        case writeNoise = "write_noise", readNoise = "read_noise"
        case stuckAtMinFraction = "stuck_at_min_fraction", stuckAtMaxFraction = "stuck_at_max_fraction"
        case diodeSaturationSpread = "diode_saturation_current_spread", diodeEmissionSpread = "diode_emission_coefficient_spread"
        case chipSeed = "chip_seed", programVerify = "program_verify"
    }

    /// Whether cells differ from each other.
    public var hasCellVariation: Bool {
        stepSpread > 0 || boundSpread > 0 || stuckAtMinFraction > 0 || stuckAtMaxFraction > 0
    }

    /// Whether the clamp diodes differ from each other.
    public var hasDiodeMismatch: Bool { diodeSaturationSpread > 0 || diodeEmissionSpread > 0 }

    /// Whether cells or diodes differ from each other (a `DeviceChip` is needed).
    public var hasVariation: Bool { hasCellVariation || hasDiodeMismatch }

    /// Whether programming goes through the per-pulse device response rather than plain
    /// clip-and-round.
    public var usesPulses: Bool { updateScheme == .pulsed || updateScheme == .mixedPrecision }

    /// Whether programming or reading draws random numbers.
    public var isStochastic: Bool {
        updateScheme == .stochastic || updateScheme == .pulsed || writeNoise > 0 || readNoise > 0
    }

    /// Whether this model is today's ideal device (plain clip, or clip and round to levels).
    public var isIdealRounding: Bool {
        updateScheme == .round && !hasCellVariation && writeNoise == 0 && readNoise == 0
    }

    /// Checks ranges; `fail` names the field (`device.` + key).
    func validate(levels: Int, fail: (String) -> Error) throws {
        func finite(_ v: Double, _ key: CodingKeys, _ range: ClosedRange<Double>, _ what: String) throws {
            guard v.isFinite, range.contains(v) else {
                throw fail("field 'device.\(key.rawValue)' must be \(what) (got \(v))")
            }
        }
        try finite(pulseStepFraction, .pulseStepFraction, 0...1, "in [0, 1]")
        try finite(upDownAsymmetry, .upDownAsymmetry, -0.99...0.99, "in [-0.99, 0.99]")
        try finite(stepSpread, .stepSpread, 0...10, "in [0, 10]")
        try finite(boundSpread, .boundSpread, 0...0.9, "in [0, 0.9]")
        try finite(writeNoise, .writeNoise, 0...1000, "in [0, 1000] (units of one pulse step)")
        try finite(readNoise, .readNoise, 0...0.25, "in [0, 0.25] (a fraction of G; the noise reaches ±3.46σ, so G stays positive)")
        try finite(stuckAtMinFraction, .stuckAtMinFraction, 0...1, "a fraction in [0, 1]")
        try finite(stuckAtMaxFraction, .stuckAtMaxFraction, 0...1, "a fraction in [0, 1]")
        try finite(diodeSaturationSpread, .diodeSaturationSpread, 0...5, "in [0, 5] (σ of ln IS)")
        try finite(diodeEmissionSpread, .diodeEmissionSpread, 0...1, "in [0, 1] (a fraction of N)")
        guard stuckAtMinFraction + stuckAtMaxFraction <= 1 else {
            throw fail("fields 'device.stuck_at_min_fraction' + 'device.stuck_at_max_fraction' must not exceed 1")
        }
        if usesPulses && pulseStepFraction == 0 && levels < 2 {
            throw fail("update scheme '\(updateScheme.rawValue)' on a continuous device needs 'device.pulse_step_fraction' > 0 (or conductance_levels ≥ 2)")
        }
    }
}
