import Numerics

/// One transient of the circuit toward its fixed point: how long until it stays settled, and
/// the energy the sources deliver until then (DESIGN §2.2, "Init-EqProp on the DRN").
public struct TransientSettling: Sendable, Codable, Equatable {
    /// Time until every free node stays within the band of its fixed point, s (nil: not
    /// within the simulated window).
    public var seconds: Double?
    /// Energy delivered by all sources from t = 0 until settled (trapezoid rule over the
    /// simulated points of `ResistiveCircuit.sourcePower`), J.
    public var joules: Double?
    /// Largest distance from the fixed point at t = 0, V.
    public var initialError: Double

    enum CodingKeys: String, CodingKey {
        case seconds = "settling_seconds", joules = "settling_energy_joules", initialError = "initial_error_volts"
    }
}

extension ResistiveCircuit {
    /// Settling of a simulated transient: `time` (s) and `trajectory` (free node × time point,
    /// V, nodes layer by layer) toward `fixedPoint` (V), within `band` (V), for sample row 0 of
    /// `conditions`.
    public func settling(time: [Double], trajectory: [[Double]], fixedPoint: [Double], conditions: CircuitConditions,
                         band: Double) -> TransientSettling {
        let nodes = trajectory.count
        precondition(nodes == fixedPoint.count && trajectory.allSatisfy { $0.count == time.count })
        var settledIndex: Int?
        for t in stride(from: time.count - 1, through: 0, by: -1) {
            let inside = (0..<nodes).allSatisfy { abs(trajectory[$0][t] - fixedPoint[$0]) <= band }
            if inside { settledIndex = t } else { break }
        }
        let initialError = time.isEmpty ? 0 : (0..<nodes).map { abs(trajectory[$0][0] - fixedPoint[$0]) }.max() ?? 0
        guard let settled = settledIndex else { return TransientSettling(seconds: nil, joules: nil, initialError: initialError) }
        func power(_ t: Int) -> Double { sourcePower(conditions, state: (0..<nodes).map { trajectory[$0][t] }).total }
        var energy = 0.0
        var previous = power(0)
        if settled > 0 {
            for t in 1...settled {
                let p = power(t)
                energy += 0.5 * (p + previous) * (time[t] - time[t - 1])
                previous = p
            }
        }
        return TransientSettling(seconds: time[settled], joules: energy, initialError: initialError)
    }

    /// Node time constants C / a_i (a_i: total conductance at node i), s.
    public func nodeTimeConstants() -> (fastest: Double, slowest: Double) {
        let c = preset.nodeCapacitance
        let a = nodeConductances().joined()
        return (c / a.max()!, c / a.min()!)
    }

    /// The transient analysis a settling deck runs: a print step (and TMAX) of `stepTimeConstants`
    /// fastest node time constants and a window of `windowTimeConstants` slowest ones, s.
    public func settlingTransient(stepTimeConstants: Double = 0.2, windowTimeConstants: Double = 60) -> NetlistOptions.Analysis {
        let (fast, slow) = nodeTimeConstants()
        return .transient(step: fast * stepTimeConstants, stop: slow * windowTimeConstants)
    }
}
