import Foundation

/// The level-1 junction diode exactly as ngspice 39 evaluates it in a DC analysis
/// (src/spicelib/devices/dio/dioload.c, diotemp.c, const.h), at TEMP = TNOM = 27 °C, with the
/// default parameters other than IS, N and RS (no breakdown, sidewall or recombination
/// currents, area = m = 1):
///
///     V_t   = (k/q)·300.15 K,  k = 1.38064852e-23 J/K, q = 1.6021766208e-19 C (CODATA 2014)
///     vte   = N·V_t
///     j(vd) = IS·(exp(vd/vte) − 1)                    vd ≥ −3·vte
///           = −IS·(1 + (3·vte/(e·vd))³)               vd < −3·vte
///     i(vd) = j(vd) + GMIN·vd                         (junction, A)
///
/// GMIN is the deck's `.options gmin` (ngspice's default 1e-12 S when the preset sets none).
///
/// With RS > 0 the junction sits behind an internal node: the terminal voltage is
/// v = vd + RS·i(vd). The Swift circuit solver uses these functions for every diode so that its
/// operating point is ngspice's to within ngspice's own convergence tolerance.
public struct JunctionDiode: Sendable, Equatable {
    public static let boltzmann = 1.38064852e-23
    public static let electronCharge = 1.6021766208e-19
    /// CONSTKoverQ of ngspice, V/K.
    public static let kOverQ = boltzmann / electronCharge
    /// V_t at 300.15 K, computed as ngspice does (CONSTKoverQ · T), V.
    public static let thermalVoltage = kOverQ * 300.15
    /// ngspice's default GMIN across every junction, S.
    public static let defaultGmin = 1e-12
    static let e = exp(1.0)

    /// IS, A.
    public let saturationCurrent: Double
    /// N·V_t, V.
    public let vte: Double
    /// RS, Ω.
    public let seriesResistance: Double
    /// The conductance ngspice puts across every junction, S.
    public let gmin: Double

    public init(_ card: DiodeModelCard, gmin: Double = defaultGmin) {
        self.gmin = gmin
        saturationCurrent = max(card.saturationCurrent, 1e-28)  // ngspice clamps IS at CKTepsmin
        vte = card.emissionCoefficient * Self.thermalVoltage
        seriesResistance = card.seriesResistance
    }

    /// Junction current (A) and its derivative (S) at junction voltage `vd`. The exponent is
    /// capped at 700 so that far-off Newton iterates stay finite (the converged points of any
    /// realistic circuit lie far below).
    @inline(__always)
    public func junction(_ vd: Double) -> (current: Double, conductance: Double) {
        let csat = saturationCurrent
        if vd >= -3 * vte {
            let evd = exp(min(vd / vte, 700))
            return (csat * (evd - 1) + gmin * vd, csat * evd / vte + gmin)
        }
        var arg = 3 * vte / (vd * Self.e)
        arg = arg * arg * arg
        return (-csat * (1 + arg) + gmin * vd, csat * 3 * arg / vd + gmin)
    }

    /// Terminal current (A, anode to cathode) and dI/dV (S) for the voltage `v` across the
    /// diode's terminals, solving v = vd + RS·i(vd) for the junction voltage when RS > 0.
    ///
    /// Newton on φ(vd) = vd + RS·i(vd) − v (increasing, root between 0 and v since i(0) = 0).
    /// Once a step is below 1e-9·vte the error after it is of order step² (1e-18·vte): the
    /// current is then taken from the Newton linearisation i + g·step instead of another
    /// exponential.
    @inline(__always)
    public func terminal(_ v: Double) -> (current: Double, conductance: Double) {
        let rs = seriesResistance
        guard rs > 0 else { return junction(v) }
        var lo = min(0, v), hi = max(0, v)
        // Start at v (the junction takes nearly all of a small voltage), but never above the
        // junction voltage that alone would carry v/RS (strong forward bias).
        var vd = v > 0 ? min(v, vte * log1p(v / (rs * saturationCurrent))) : v
        var (i, g) = junction(vd)
        for _ in 0..<100 {
            let phi = vd + rs * i - v
            if phi > 0 { hi = vd } else { lo = vd }
            let step = -phi / (1 + rs * g)
            let next = vd + step
            if abs(step) <= 1e-9 * vte && next >= lo && next <= hi {
                i += g * step
                break
            }
            vd = (next > lo && next < hi) ? next : 0.5 * (lo + hi)
            (i, g) = junction(vd)
        }
        return (i, g / (1 + rs * g))
    }
}
