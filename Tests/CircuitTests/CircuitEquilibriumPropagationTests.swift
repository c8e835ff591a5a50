import Circuit
import EqProp
import Foundation
import Numerics
import Testing

/// The DRN learning rule against finite differences of J(G) = ½‖V_out(G) − y‖² at the free
/// fixed point.
@Suite struct CircuitEquilibriumPropagationTests {
    func loss(_ c: ResistiveCircuit, _ cond: CircuitConditions, _ y: [Double], _ model: CircuitSolver.DiodeModel) -> Double {
        var s = c.network.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }
        let stats = CircuitSolver(diodeModel: model, tolerance: 1e-15).relax(c, conditions: cond, state: &s)
        precondition(stats.converged)
        return zip(s.last!.row(0), y).reduce(0) { $0 + 0.5 * ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    /// `ideal-mesh`: 1 Ω wires as an exact mesh, each device learning from its own voltage.
    @Test(arguments: [("ideal", CircuitSolver.DiodeModel.ideal), ("real-diode", .shockley), ("ideal-mesh", .ideal)])
    func centeredUpdateMatchesFiniteDifferences(presetName: String, model: CircuitSolver.DiodeModel) throws {
        let c = try TestSupport.circuit(presetName, [5, 6, 3], seed: 17)
        let cond = TestSupport.conditions(c, pixels: [[0.9, 0.2, 0.6, 0.4, 0.8]])
        let y = [0.0, c.preset.inputGain / 100, 0]
        var free = c.network.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }
        #expect(CircuitSolver(diodeModel: model, tolerance: 1e-15).relax(c, conditions: cond, state: &free).converged)
        let beta = 1e-6
        func nudged(_ b: Double) -> [DoubleMatrix] {
            var conditions = cond
            conditions.nudge = .currents(NudgeCurrents.fromFreeState(free.last!, targets: DoubleMatrix([y]), beta: b, classes: 3, differential: false))
            var s = free
            _ = CircuitSolver(diodeModel: model, tolerance: 1e-15).relax(c, conditions: conditions, state: &s)
            return s
        }
        var updated = c
        // A tiny η keeps every cell inside the window (no clipping): ΔG = −η·(EqProp estimate).
        let eta = 1e-16
        updated.applyEquilibriumPropagation(EquilibriumPropagationStep(learningRates: [eta, eta], biasLearningRates: [eta, eta]),
                                            inputVoltages: cond.inputVoltages, first: nudged(-beta), second: nudged(beta),
                                            betaDifference: 2 * beta)
        var estimate: [Double] = [], finite: [Double] = []
        for l in 0..<2 {
            for (i, j) in [(0, 0), (1, 2), (3, 1), (5, 0), (2, 2)] where i < c.network.conductances[l].rows && j < c.network.conductances[l].columns {
                estimate.append(-(updated.network.conductances[l][i, j] - c.network.conductances[l][i, j]) / eta)
                let g = c.network.conductances[l][i, j], h = g * 1e-4
                var plus = c, minus = c
                plus.updateNetwork { $0.conductances[l][i, j] = g + h }
                minus.updateNetwork { $0.conductances[l][i, j] = g - h }
                finite.append((loss(plus, cond, y, model) - loss(minus, cond, y, model)) / (2 * h))
            }
        }
        print(presetName, estimate, finite)
        let err = zip(estimate, finite).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        let norm = finite.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(err / norm < 1e-3, "relative error \(err / norm)")
    }

    /// On hardware with discrete levels (memristive: 64 levels over 1–100 µS) every updated
    /// conductance is programmed to a level; a step far below half a level changes nothing.
    @Test func updatesAreProgrammedToTheHardwareLevels() throws {
        let c = try TestSupport.circuit("memristive", [5, 6, 3], seed: 4, scale: 5e-5)
        let cond = TestSupport.conditions(c, pixels: [[0.9, 0.2, 0.6, 0.4, 0.8], [0.1, 0.7, 0.3, 0.5, 0.0]])
        var free = c.network.layerSizes.map { DoubleMatrix(rows: 2, columns: $0) }
        #expect(CircuitSolver(diodeModel: .ideal, tolerance: 1e-12).relax(c, conditions: cond, state: &free).converged)
        var nudged = free
        for b in 0..<2 { nudged[1][b, 0] += 0.05 }
        let p = c.preset
        let level = (p.conductanceMax - p.conductanceMin) / Double(p.conductanceLevels - 1)
        func onLevels(_ g: Double) -> Bool {
            let k = (g - p.conductanceMin) / level
            return abs(k - k.rounded()) < 1e-9 && g >= p.conductanceMin && g <= p.conductanceMax
        }
        for (eta, expectChange) in [(1e-6, true), (1e-14, false)] {
            var updated = c
            updated.applyEquilibriumPropagation(EquilibriumPropagationStep(learningRates: [eta, eta], biasLearningRates: [eta, eta]),
                                                inputVoltages: cond.inputVoltages, first: free, second: nudged, betaDifference: 1e-4)
            let all = updated.network.conductances.flatMap(\.elements) + updated.network.biasToPositiveRail.joined()
                + updated.network.biasToNegativeRail.joined()
            #expect(all.allSatisfy(onLevels), "η \(eta): a conductance is off the 64 levels")
            let changed = zip(updated.network.conductances, c.network.conductances).contains { $0.maxAbsDifference($1) > 0 }
            #expect(changed == expectChange, "η \(eta): changed \(changed)")
        }
    }
}
