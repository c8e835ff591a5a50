import Circuit
import EqProp
import Foundation
import Numerics
import Testing
import TestSupport

@Suite struct CircuitSolverTests {
    /// Solved by hand: one pixel x = 0.5 (sources +0.5 V and −0.5 V, g = 1 V), an excitatory
    /// node h (2e-4 S to +0.5 V, 1e-4 S to −0.5 V, 1e-4 S to the output o), an inhibitory node i
    /// tied to everything by G_min = 1e-9 S, every free node with G_min to each ±1 V bias rail.
    ///
    /// i's unclamped value is V_o/5 > 0, so its diode clamps it at 0 V. Then, with b = G_min:
    ///     h: (4e-4 + 2b)·V_h − 1e-4·V_o = 0.5e-4
    ///     o: −1e-4·V_h + (1e-4 + 3b)·V_o = 0
    /// and by Cramer's rule V_h = 0.5e-4·(1e-4 + 3b)/D, V_o = 0.5e-4·1e-4/D with
    /// D = (4e-4 + 2b)(1e-4 + 3b) − 1e-8: V_h ≈ V_o ≈ 1/6 V.
    @Test func tinyCircuitMatchesHandSolution() throws {
        let p = try TestSupport.preset("ideal")
        let b = p.conductanceMin
        let net = ResistiveNetwork(
            inputs: 1, layerSizes: [2, 1], classes: 1,
            conductances: [DoubleMatrix([[2e-4, b], [1e-4, b]]), DoubleMatrix([[1e-4], [b]])],
            biasToPositiveRail: [[b, b], [b]], biasToNegativeRail: [[b, b], [b]], presetName: "ideal")
        let c = ResistiveCircuit(network: net, preset: p)
        var state = [DoubleMatrix(rows: 1, columns: 2), DoubleMatrix(rows: 1, columns: 1)]
        let stats = CircuitSolver(diodeModel: .ideal, tolerance: 1e-14).relax(c, conditions: TestSupport.conditions(c, pixels: [[0.5]]), state: &state)
        #expect(stats.converged)
        let d = (4e-4 + 2 * b) * (1e-4 + 3 * b) - 1e-8
        let vh = 0.5e-4 * (1e-4 + 3 * b) / d, vo = 0.5e-4 * 1e-4 / d
        #expect(abs(state[0][0, 0] - vh) < 1e-13)
        #expect(state[0][0, 1] == 0)
        #expect(abs(state[1][0, 0] - vo) < 1e-13)
        #expect(abs(vh - 1.0 / 6) < 1e-5 && abs(vo - 1.0 / 6) < 1e-5)
    }

    @Test func finalStateSatisfiesKirchhoffWithShockleyDiodes() throws {
        let c = try TestSupport.circuit("real-diode", [6, 8, 3])
        var rng = SeededGenerator(seed: 4)
        let pixels = (0..<5).map { _ in (0..<6).map { _ in rng.nextUnit() } }
        let conditions = TestSupport.conditions(c, pixels: pixels)
        var state = c.network.layerSizes.map { DoubleMatrix(rows: 5, columns: $0) }
        let stats = CircuitSolver(diodeModel: .shockley, tolerance: 1e-12).relax(c, conditions: conditions, state: &state)
        #expect(stats.converged && stats.residual <= 1e-12)
        // Independent KCL check at every hidden node with the diode law written out here.
        let d = c.preset.junctionDiode
        let g0 = c.crossbar(0), g1 = c.crossbar(1)
        for b in 0..<5 {
            for j in 0..<8 {
                let v = state[0][b, j]
                var current = 0.0
                for k in 0..<12 { current += g0[k, j] * (conditions.inputVoltages[b, k] - v) }
                for o in 0..<3 { current += g1[j, o] * (state[1][b, o] - v) }
                current += c.network.biasToPositiveRail[0][j] * (c.preset.biasVolts - v)
                current += c.network.biasToNegativeRail[0][j] * (-c.preset.biasVolts - v)
                if j < 4 { current += d.terminal(c.preset.diodeOffset - v).current } else { current -= d.terminal(v + c.preset.diodeOffset).current }
                #expect(abs(current) < 1e-15, "KCL at h1_\(j) of sample \(b): \(current) A")
            }
        }
    }

    @Test func neverCallsAnUnconvergedStateAFixedPoint() throws {
        let c = try TestSupport.circuit("real-diode", [6, 8, 3])
        var state = c.network.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }
        let solver = CircuitSolver(diodeModel: .shockley, tolerance: 1e-12, maxSweeps: 1)
        let stats = solver.relax(c, conditions: TestSupport.conditions(c, pixels: [[1, 1, 1, 0, 0, 0]]), state: &state)
        #expect(!stats.converged && stats.residual > 1e-12)
    }

    @Test func idealSolutionIsTheConstrainedMinimumOfTheCoContent() throws {
        // Perturbing any free node (within its clamp) must not lower the power dissipation.
        let c = try TestSupport.circuit("ideal", [5, 6, 3], seed: 8)
        let conditions = TestSupport.conditions(c, pixels: [[0.9, 0.1, 0.5, 0.7, 0.3]])
        var state = c.network.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }
        #expect(CircuitSolver(diodeModel: .ideal, tolerance: 1e-14).relax(c, conditions: conditions, state: &state).converged)
        func power(_ s: [DoubleMatrix]) -> Double {
            var e = 0.0
            let u = conditions.inputVoltages.row(0)
            for l in 0..<2 {
                let g = c.crossbar(l)
                let below = l == 0 ? u : s[0].row(0)
                for i in 0..<g.rows { for j in 0..<g.columns { let dv = below[i] - s[l][0, j]; e += 0.5 * g[i, j] * dv * dv } }
                for j in 0..<s[l].columns {
                    let v = s[l][0, j], vb = c.preset.biasVolts
                    e += 0.5 * c.network.biasToPositiveRail[l][j] * (v - vb) * (v - vb)
                    e += 0.5 * c.network.biasToNegativeRail[l][j] * (v + vb) * (v + vb)
                }
            }
            return e
        }
        let e0 = power(state)
        for l in 0..<2 {
            for j in 0..<state[l].columns {
                for delta in [-1e-3, 1e-3] {
                    var s = state
                    let (lo, hi) = c.clamp(layer: l + 1, index: j).bounds
                    s[l][0, j] = min(max(s[l][0, j] + delta, lo), hi)
                    // Every term of the power is ≥ 0, so the magnitudes summed are the power
                    // itself: 66 terms (5·6 + 6·3 cells, 2·9 bias conductances).
                    let p = power(s)
                    #expect(p >= e0 - RoundingBound.sum(magnitude: max(p, e0), terms: 66), "\(p) W vs \(e0) W")
                }
            }
        }
    }

    /// With a wire mesh a layer's solve is one Jacobi step in its intra-layer coupling W, so an
    /// even layer can keep a residual after the odd layers stop moving. Here every hidden node is
    /// held at its clamp by its bias rails, so from the second sweep on layer 1 does not move at
    /// all while the output layer (W ≠ 0 through crossbar 2's column wires) is still converging.
    /// Stopping on the odd layers alone returned after 2 sweeps with a residual of 2e-5 V (found
    /// on an untiled 1 Ω mesh on Fashion-MNIST: every batch skipped).
    @Test func meshedSolveRunsUntilEveryLayerIsSolved() throws {
        var p = try TestSupport.preset("ideal")
        p.wireResistance = 1
        p.wireModel = .mesh
        var rng = SeededGenerator(seed: 5)
        let (inputs, hidden, outputs) = (20, 8, 4)
        func crossbar(_ rows: Int, _ columns: Int) -> DoubleMatrix {
            DoubleMatrix(rows: rows, columns: columns, elements: (0..<rows * columns).map { _ in rng.uniform(1e-4, 2e-3) })
        }
        // Excitatory nodes (first half) pulled far below their clamp, inhibitory ones far above.
        let strong = 1.0, weak = p.conductanceMin
        let net = ResistiveNetwork(
            inputs: inputs, layerSizes: [hidden, outputs], classes: outputs,
            conductances: [crossbar(2 * inputs, hidden), crossbar(hidden, outputs)],
            biasToPositiveRail: [(0..<hidden).map { $0 < hidden / 2 ? weak : strong }, [Double](repeating: weak, count: outputs)],
            biasToNegativeRail: [(0..<hidden).map { $0 < hidden / 2 ? strong : weak }, [Double](repeating: weak, count: outputs)],
            presetName: "ideal")
        let circuit = ResistiveCircuit(network: net, preset: p)
        #expect(circuit.isMeshed)
        let w = try #require(circuit.intraLayerCoupling(layer: 2))
        #expect(w.elements.max()! > 0)
        let pixels = (0..<3).map { _ in (0..<inputs).map { _ in rng.nextUnit() } }
        var state = [DoubleMatrix(rows: 3, columns: hidden, elements: [Double](repeating: 0.3, count: 3 * hidden)),
                     DoubleMatrix(rows: 3, columns: outputs, elements: [Double](repeating: 0.5, count: 3 * outputs))]
        let stats = CircuitSolver(diodeModel: .ideal, tolerance: 1e-12).relax(circuit, conditions: TestSupport.conditions(circuit, pixels: pixels), state: &state)
        #expect(state[0].elements.allSatisfy { $0 == 0 }, "every hidden node at its clamp")
        #expect(stats.converged, "residual \(stats.residual) V after \(stats.iterations) sweeps")
        #expect(stats.iterations > 2)
    }
}

/// The fused sweep (`CircuitSolver+FusedLayerSolve`) on crossbars large enough to take it.
@Suite struct FusedLayerSolveTests {
    /// 600 × 600 (or 520 × 520) hidden cells: above the one-pass kernels' 2^18, split in halves.
    static func circuit(_ preset: String, _ architecture: [Int], batch: Int) throws -> (ResistiveCircuit, CircuitConditions) {
        var c = try TestSupport.circuit(preset == "amplified" ? "ideal" : preset, architecture)
        if preset == "amplified" {
            var p = c.preset
            p.amplifierGain = 2
            c = ResistiveCircuit(network: c.network, preset: p)
        }
        var rng = SeededGenerator(seed: 8)
        let pixels = (0..<batch).map { _ in (0..<architecture[0]).map { _ in rng.nextUnit() } }
        return (c, TestSupport.conditions(c, pixels: pixels))
    }

    /// Same circuit, one pass or two per sweep (the two-pass solve and its final residual use
    /// the one-pass kernels only): both converge, and they agree node by node. Cases: ideal and
    /// Shockley clamps; amplifiers (gain 2); a batch of 9 (two lanes, whose halves run one
    /// after the other); four hidden layers (two fused crossbars, G₁ and G₃, in one sweep).
    @Test(arguments: [("ideal", [16, 600, 600, 4], 4), ("real-diode", [16, 600, 600, 4], 4), ("amplified", [16, 600, 600, 4], 4),
                      ("ideal", [16, 600, 600, 4], 9), ("ideal", [16, 520, 520, 520, 520, 4], 4)])
    func onePassPerSweepReachesTheSameFixedPoint(preset: String, architecture: [Int], batch: Int) throws {
        let (c, conditions) = try Self.circuit(preset, architecture, batch: batch)
        var fused = c.network.layerSizes.map { DoubleMatrix(rows: batch, columns: $0) }
        var twoPass = fused
        let solver = CircuitSolver(diodeModel: CircuitSolver.trainingModel(for: c.preset), tolerance: 1e-12)
        #expect(solver.fusesUpperCrossbar(c, 1, batch: batch))
        #expect(solver.fusesUpperCrossbar(c, 3, batch: batch) == (architecture.count > 4))
        let a = solver.relax(c, conditions: conditions, state: &fused)
        solver.fusesCrossbarPasses = false
        let b = solver.relax(c, conditions: conditions, state: &twoPass)
        #expect(a.converged && b.converged && a.residual <= 1e-12, "\(a) \(b)")
        let largest = zip(fused, twoPass).map { $0.maxAbsDifference($1) }.max()!
        #expect(largest <= 1e-11, "largest difference \(largest) V")
        #expect(fused.allSatisfy { $0.elements.contains { $0 != 0 } })
    }

    /// In batch-invariant mode a sample relaxed alone gives the bits it gets in its batch.
    @Test func batchInvariantModeKeepsEverySamplesBits() throws {
        let (c, conditions) = try Self.circuit("real-diode", [16, 600, 600, 4], batch: 4)
        let solver = CircuitSolver(diodeModel: .shockley, tolerance: 1e-12)
        solver.batchInvariant = true
        #expect(solver.fusesUpperCrossbar(c, 1, batch: 1))
        var whole = c.network.layerSizes.map { DoubleMatrix(rows: 4, columns: $0) }
        solver.relax(c, conditions: conditions, state: &whole)
        for b in 0..<4 {
            var alone = c.network.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }
            solver.relax(c, conditions: conditions.rows(b..<(b + 1)), state: &alone)
            for l in alone.indices { #expect(alone[l].elements == Array(whole[l].elements[(b * alone[l].columns)..<((b + 1) * alone[l].columns)])) }
        }
    }
}
