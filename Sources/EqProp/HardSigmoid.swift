/// The activation of O'Connor et al. 2019: ρ(v) = clip(v, 0, 1) (Eq. 1), and its leaky
/// variant ρ_mod(v) = ρ(v) + 0.01·v used by the feedforward network while training (Sec. 2.3),
/// so that a unit pushed outside [0, 1] still receives a gradient.
public enum HardSigmoid {
    /// The slope of ρ_mod outside [0, 1].
    public static let leak: Float = 0.01

    @inline(__always) public static func rho(_ v: Float) -> Float { min(max(v, 0), 1) }

    /// ρ'(v): 1 on the closed interval [0, 1], 0 outside. Closed, so that a unit sitting at a
    /// bound (where the clipped Euler dynamics keep it) still feels its drive (Eq. 2).
    @inline(__always) public static func rhoPrime(_ v: Float) -> Float { (v >= 0 && v <= 1) ? 1 : 0 }

    @inline(__always) public static func rhoMod(_ v: Float) -> Float { rho(v) + leak * v }

    @inline(__always) public static func rhoModPrime(_ v: Float) -> Float { (v > 0 && v < 1 ? 1 : 0) + leak }

    @inline(__always) public static func rho(_ v: Double) -> Double { min(max(v, 0), 1) }
    @inline(__always) public static func rhoPrime(_ v: Double) -> Double { (v >= 0 && v <= 1) ? 1 : 0 }
}
