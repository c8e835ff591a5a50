import Circuit
import EqProp
import Foundation
import Ngspice
import Numerics

/// Initialization measured on test samples after training, from the feedforward prediction s^f
/// and from 0 V: the Swift solver's sweeps (exact layer solves: few from any start), the
/// forward-Euler steps of the node dynamics (Algorithm 1's relaxation for a circuit), ngspice's
/// Newton iterations for the operating point (`.nodeset` at s^f, none from 0 V) and the circuit's
/// transient settling in ngspice.
public struct SettlingReport: Codable, Sendable {
    public struct Side: Codable, Sendable {
        /// Mean sweeps of the Swift solver to its tolerance.
        public var sweepsToTolerance: Double
        /// Mean sweeps until every node is within the band of its fixed point.
        public var sweepsToBand: Double
        /// Mean forward-Euler steps of the node dynamics (ideal clamps, `EulerRelaxation`)
        /// until every node is within the band of the ideal-clamp fixed point.
        public var eulerStepsToBand: Double
        /// Median transient settling time, s.
        public var medianSettlingSeconds: Double?
        public var meanSettlingSeconds: Double?
        /// Median energy delivered by the sources until settled, J.
        public var medianSettlingJoules: Double?
        /// Mean largest initial distance from the fixed point, V.
        public var meanInitialErrorVolts: Double
        /// Samples that did not settle within the simulated window.
        public var unsettled: Int
        /// Mean Newton iterations of ngspice's `op`: `.nodeset` at s^f, or none (its own 0 V start).
        public var ngspiceNewtonIterations: Double?

        enum CodingKeys: String, CodingKey {
            case sweepsToTolerance = "sweeps_to_tolerance", sweepsToBand = "sweeps_to_band", eulerStepsToBand = "euler_steps_to_band"
            case medianSettlingSeconds = "median_settling_seconds", meanSettlingSeconds = "mean_settling_seconds"
            case medianSettlingJoules = "median_settling_joules", meanInitialErrorVolts = "mean_initial_error_volts"
            case unsettled, ngspiceNewtonIterations = "ngspice_newton_iterations"
        }
    }

    public var samples: Int
    public var bandVolts: Double
    public var toleranceVolts: Double
    public var fromPrediction: Side
    public var fromZero: Side
    /// fromZero / fromPrediction.
    public var sweepRatio: Double
    public var eulerStepRatio: Double
    /// κ of the Euler steps: Δt = κ·C / max a_i.
    public var eulerStepFraction: Double
    public var settlingRatio: Double?
    public var energyRatio: Double?
    public var newtonIterationRatio: Double?
    public var steadyStatePowerWatts: Double
    public var nodeCapacitanceFarads: Double

    enum CodingKeys: String, CodingKey {
        case samples, bandVolts = "band_volts", toleranceVolts = "tolerance_volts"
        case fromPrediction = "from_prediction", fromZero = "from_zero"
        case sweepRatio = "sweep_ratio", eulerStepRatio = "euler_step_ratio", eulerStepFraction = "euler_step_fraction"
        case settlingRatio = "settling_ratio", energyRatio = "energy_ratio", newtonIterationRatio = "newton_iteration_ratio"
        case steadyStatePowerWatts = "steady_state_power_watts", nodeCapacitanceFarads = "node_capacitance_farads"
    }

    /// Measures `pixels` (B × n₀) on `circuit` with predictions `prediction` (one B × n_l
    /// matrix per free layer, V). `pool` runs the transients (nil: solver sweeps only).
    public static func measure(circuit: ResistiveCircuit, pixels: DoubleMatrix, prediction: [DoubleMatrix],
                               tolerance: Double, band: Double = 1e-3, pool: NgspiceWorkerPool?,
                               progress: ((Int) -> Void)? = nil,
                               keep: ((_ sample: Int, _ fromPrediction: Bool, SettlingMeasurement.Run) throws -> Void)? = nil) throws -> SettlingReport {
        let batch = pixels.rows
        let conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: pixels, gain: circuit.preset.inputGain))
        // The fixed point of the physical circuit (the preset's diode card), tight.
        var fixed = circuit.network.layerSizes.map { DoubleMatrix(rows: batch, columns: $0) }
        let reference = CircuitSolver(diodeModel: .shockley, tolerance: 1e-12)
        guard reference.relax(circuit, conditions: conditions, state: &fixed).converged else {
            throw CircuitError("the circuit did not converge on these samples")
        }
        let zero = circuit.network.layerSizes.map { DoubleMatrix(rows: batch, columns: $0) }
        func sweeps(from start: [DoubleMatrix]) -> (tolerance: Double, band: Double) {
            var total = 0.0, toBand = 0.0
            for b in 0..<batch {
                let one = conditions.rows(b..<(b + 1))
                let s0 = start.map { m -> DoubleMatrix in var r = DoubleMatrix(rows: 0, columns: m.columns); r.assignRows(b..<(b + 1), of: m); return r }
                var s = s0
                let stats = CircuitSolver(diodeModel: .shockley, tolerance: tolerance).relax(circuit, conditions: one, state: &s)
                total += Double(stats.iterations)
                // Sweeps until within the band: the first k whose state is.
                var k = 0
                while k < stats.iterations {
                    var t = s0
                    let solver = CircuitSolver(diodeModel: .shockley, tolerance: tolerance, maxSweeps: k)
                    if k > 0 { _ = solver.relax(circuit, conditions: one, state: &t) }
                    let err = zip(t, fixed).map { pair -> Double in
                        var worst = 0.0
                        for j in 0..<pair.0.columns { worst = max(worst, abs(pair.0[0, j] - pair.1[b, j])) }
                        return worst
                    }.max() ?? 0
                    if err <= band { break }
                    k += 1
                }
                toBand += Double(k)
            }
            return (total / Double(batch), toBand / Double(batch))
        }
        let fromPrediction = sweeps(from: prediction), fromZero = sweeps(from: zero)
        // Steps of the physical dynamics, toward the ideal-clamp fixed point they converge to.
        var idealFixed = fixed
        guard CircuitSolver(diodeModel: .ideal, tolerance: 1e-12).relax(circuit, conditions: conditions, state: &idealFixed).converged else {
            throw CircuitError("the ideal-clamp circuit did not converge on these samples")
        }
        let euler = EulerRelaxation(circuit: circuit)
        func eulerSteps(from start: [DoubleMatrix]) throws -> Double {
            let steps = euler.stepsToBand(conditions, start: start, fixedPoint: idealFixed, band: band)
            guard steps.allSatisfy({ $0 != nil }) else {
                throw CircuitError("the Euler dynamics did not reach the \(band) V band within 100,000 steps")
            }
            return Double(steps.reduce(0) { $0 + $1! }) / Double(batch)
        }
        let eulerFromPrediction = try eulerSteps(from: prediction), eulerFromZero = try eulerSteps(from: zero)
        var settle = SettlingMeasurement(circuit: circuit)
        settle.band = band
        var predicted: [SettlingMeasurement.Sample] = [], zeros: [SettlingMeasurement.Sample] = []
        var newtonPredicted = 0, newtonZero = 0
        if let pool {
            for b in 0..<batch {
                let target = fixed.flatMap { $0.row(b) }, start = prediction.flatMap { $0.row(b) }
                let fromPrediction = try settle.measureRun(pixels: pixels.row(b), start: start, fixedPoint: target, pool: pool)
                let fromZero = try settle.measureRun(pixels: pixels.row(b), start: nil, fixedPoint: target, pool: pool)
                predicted.append(fromPrediction.sample)
                zeros.append(fromZero.sample)
                try keep?(b, true, fromPrediction.run)
                try keep?(b, false, fromZero.run)
                newtonPredicted += try settle.newtonIterations(pixels: pixels.row(b), start: start, pool: pool)
                newtonZero += try settle.newtonIterations(pixels: pixels.row(b), start: nil, pool: pool)
                progress?(b + 1)
            }
        }
        func side(_ s: [SettlingMeasurement.Sample], _ sweeps: (tolerance: Double, band: Double), euler: Double, start: [DoubleMatrix],
                  newton: Int) -> Side {
            let seconds = s.compactMap(\.seconds).sorted(), joules = s.compactMap(\.joules).sorted()
            var initial = 0.0
            for b in 0..<batch {
                var worst = 0.0
                for l in 0..<fixed.count { for j in 0..<fixed[l].columns { worst = max(worst, abs(start[l][b, j] - fixed[l][b, j])) } }
                initial += worst
            }
            return Side(sweepsToTolerance: sweeps.tolerance, sweepsToBand: sweeps.band, eulerStepsToBand: euler,
                        medianSettlingSeconds: seconds.isEmpty ? nil : seconds[seconds.count / 2],
                        meanSettlingSeconds: seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count),
                        medianSettlingJoules: joules.isEmpty ? nil : joules[joules.count / 2],
                        meanInitialErrorVolts: initial / Double(batch), unsettled: s.count - seconds.count,
                        ngspiceNewtonIterations: pool == nil ? nil : Double(newton) / Double(batch))
        }
        let p = side(predicted, fromPrediction, euler: eulerFromPrediction, start: prediction, newton: newtonPredicted)
        let z = side(zeros, fromZero, euler: eulerFromZero, start: zero, newton: newtonZero)
        var power = 0.0
        for b in 0..<batch {
            let state: [Double] = fixed.flatMap { m -> [Double] in m.row(b) }
            power += settle.power(conditions.inputVoltages.row(b), state: state)
        }
        var settlingRatio: Double?, energyRatio: Double?
        if let zs = z.meanSettlingSeconds, let ps = p.meanSettlingSeconds { settlingRatio = zs / ps }
        if let zj = z.medianSettlingJoules, let pj = p.medianSettlingJoules { energyRatio = zj / pj }
        return SettlingReport(
            samples: batch, bandVolts: band, toleranceVolts: tolerance, fromPrediction: p, fromZero: z,
            sweepRatio: z.sweepsToTolerance / max(p.sweepsToTolerance, 1e-12),
            eulerStepRatio: z.eulerStepsToBand / max(p.eulerStepsToBand, 1), eulerStepFraction: euler.stepFraction,
            settlingRatio: settlingRatio,
            energyRatio: energyRatio,
            newtonIterationRatio: pool == nil ? nil : Double(newtonZero) / Double(max(newtonPredicted, 1)),
            steadyStatePowerWatts: power / Double(batch),
            nodeCapacitanceFarads: circuit.preset.nodeCapacitance)
    }
}
