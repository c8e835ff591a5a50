/// Random numbers addressed by a key and a counter instead of drawn from a stream.
///
/// Programming a crossbar draws one or two random numbers per cell (stochastic rounding, pulse
/// counts, write noise) and read noise draws one per cell per relaxation. The cells are split
/// over the cores by columns, and a run must give the same bits whatever the split and however
/// often it was interrupted and resumed. A value that depends only on (key, cell index) meets
/// both: `key` names the event (seed, minibatch, crossbar, purpose), `index` the cell.
/// SplitMix64's finalizer mixes the pair well enough for simulation (it is the seeding function
/// of xoshiro); it is not cryptographic.
public enum CounterRandom {
    /// 64 random bits for cell `index` of event `key`.
    @inlinable @inline(__always)
    public static func bits(_ key: UInt64, _ index: Int) -> UInt64 {
        var z = key &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits.
    @inlinable @inline(__always)
    public static func unit(_ key: UInt64, _ index: Int) -> Double {
        Double(bits(key, index) >> 11) * 0x1.0p-53
    }

    /// A standard-normal-like sample: the sum of four independent 16-bit uniforms (Irwin–Hall,
    /// n = 4), centred and scaled to unit variance. Its density differs from the Gaussian's by
    /// less than 0.01 in the bulk and its tails stop at ±2√3 ≈ ±3.46σ, which suits device noise
    /// (no conductance is ever pushed 6σ away) and costs one hash instead of a log and a cosine.
    @inlinable @inline(__always)
    public static func normal(_ key: UInt64, _ index: Int) -> Double {
        let r = bits(key, index)
        let s = Double(r & 0xFFFF) + Double((r >> 16) & 0xFFFF) + Double((r >> 32) & 0xFFFF) + Double(r >> 48)
        // Mean 4 · 65535/2, variance 4 · (65536² − 1)/12.
        return (s - 131_070) * (1.7320508075688772 / 65_536)
    }

    /// A key for an event from a seed and up to three counters.
    @inlinable
    public static func key(_ seed: UInt64, _ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0) -> UInt64 {
        bits(bits(bits(seed, Int(truncatingIfNeeded: a)), Int(truncatingIfNeeded: b)), Int(truncatingIfNeeded: c))
    }
}
