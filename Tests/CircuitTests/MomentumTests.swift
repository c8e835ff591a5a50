import Circuit
import Numerics
import Reporting
import Testing

/// Momentum on the learning step (`MomentumBuffers`): PyTorch's heavy ball, v ← μ·v + g and
/// G ← program(G + η·v), for crossbar cells and bias conductances.
@Suite struct MomentumTests {
    /// Two steps with momentum μ move every conductance as the two plain steps plus μ times the
    /// first: G₂(μ) − G₂(0) = μ·(G₁ − G₀), to 10⁻⁶ of the largest step, wherever no step clipped.
    /// `ideal-mesh` programs cell by cell (`CellProgrammer`); `wired` is `ideal` with 1 Ω
    /// first-order wires, whose chain-rule factor (G_eff/G)² enters each step's gradient.
    @Test(arguments: ["ideal", "real-diode", "ideal-mesh", "wired"])
    func secondStepAddsMuTimesTheFirst(presetName: String) throws {
        let tolerance = 1e-6
        // Cells drawn well inside real-diode's 1–100 µS window.
        var c = try TestSupport.circuit(presetName == "wired" ? "ideal" : presetName, [5, 6, 3], seed: 17, scale: 5e-5)
        if presetName == "wired" {
            var p = c.preset
            (p.wireResistance, p.wireModel) = (1, .firstOrder)
            c = ResistiveCircuit(network: c.network, preset: p)
            #expect(p.usesFirstOrderWires)
        }
        let cond = TestSupport.conditions(c, pixels: [[0.9, 0.2, 0.6, 0.4, 0.8], [0.1, 0.7, 0.3, 0.5, 0.0]])
        // Fixed made-up phase states: the learning step reads only voltages.
        var rng = SeededGenerator(seed: 5)
        func states() -> [DoubleMatrix] {
            c.network.layerSizes.map { n in DoubleMatrix(rows: 2, columns: n, elements: (0..<(2 * n)).map { _ in Double.random(in: -0.5...0.5, using: &rng) }) }
        }
        let (first1, second1, first2, second2) = (states(), states(), states(), states())
        let eta = 1e-13, mu = 0.9
        func twoSteps(momentum: Double) -> (ResistiveCircuit, ResistiveCircuit) {
            var x = c
            let step = EquilibriumPropagationStep(learningRates: [eta, eta], biasLearningRates: [eta, eta], momentum: momentum)
            x.applyEquilibriumPropagation(step, inputVoltages: cond.inputVoltages, first: first1, second: second1, betaDifference: 2e-4)
            let afterOne = x
            x.applyEquilibriumPropagation(step, inputVoltages: cond.inputVoltages, first: first2, second: second2, betaDifference: 2e-4)
            return (afterOne, x)
        }
        let (plain1, plain2) = twoSteps(momentum: 0), (heavy1, heavy2) = twoSteps(momentum: mu)
        #expect(plain2.velocities == nil, "no buffers without momentum")
        #expect(heavy2.velocities?.crossbars.map(\.count) == c.network.conductances.map(\.count))
        func values(_ x: ResistiveCircuit) -> [Double] {
            x.network.conductances.flatMap(\.elements) + x.network.biasToPositiveRail.joined() + x.network.biasToNegativeRail.joined()
        }
        let g0 = values(c), p1 = values(plain1), p2 = values(plain2), h1 = values(heavy1), h2 = values(heavy2)
        let largestStep = zip(p1, g0).map { abs($0 - $1) }.max()!
        #expect(largestStep > 1e-12, "the steps must move the cells: \(largestStep)")
        let firstDifference = zip(h1, p1).map { abs($0 - $1) }.max()!
        #expect(firstDifference <= tolerance * largestStep, "the first step is the plain one: \(firstDifference / largestStep)")
        // A clipped step leaves the velocity as it was (as PyTorch's clamp after the step), so
        // the relation holds only where no run touched the window's bounds.
        let (lo, hi) = (c.preset.conductanceMin, c.preset.conductanceMax)
        let inside = g0.indices.filter { k in [g0, p1, p2, h1, h2].allSatisfy { $0[k] > lo && $0[k] < hi } }
        #expect(inside.count >= g0.count / 2, "\(inside.count) of \(g0.count) values inside the window")
        // After one step each velocity is that step's gradient of the device's own conductance,
        // (G₁ − G₀)/η where nothing clipped: with wires it includes (G_eff/G)², ~10⁻⁴ from 1 here.
        let velocities = try #require(heavy1.velocities).crossbars.flatMap { $0 }
        let kept = Set(inside)
        var worstVelocity = 0.0, largestVelocity = 0.0
        for k in velocities.indices where kept.contains(k) {
            let expected = (p1[k] - g0[k]) / eta
            worstVelocity = max(worstVelocity, abs(velocities[k] - expected))
            largestVelocity = max(largestVelocity, abs(expected))
        }
        #expect(worstVelocity <= tolerance * largestVelocity, "v₁ vs (G₁ − G₀)/η: \(worstVelocity / largestVelocity)")
        var worst = 0.0
        for k in inside { worst = max(worst, abs((h2[k] - p2[k]) - mu * (p1[k] - g0[k]))) }
        #expect(worst <= tolerance * largestStep, "G₂(μ) − G₂(0) vs μ·(G₁ − G₀): \(worst / largestStep) of the largest step")
    }

    /// The velocities go into a checkpoint's tensors and come back unchanged; a circuit of
    /// another shape refuses them.
    @Test func velocitiesRoundTripThroughCheckpointTensors() throws {
        var c = try TestSupport.circuit("ideal", [5, 6, 3], seed: 17)
        let cond = TestSupport.conditions(c, pixels: [[0.9, 0.2, 0.6, 0.4, 0.8]])
        #expect(c.velocityTensors().isEmpty)
        var rng = SeededGenerator(seed: 9)
        func states() -> [DoubleMatrix] {
            c.network.layerSizes.map { n in DoubleMatrix(rows: 1, columns: n, elements: (0..<n).map { _ in Double.random(in: -0.5...0.5, using: &rng) }) }
        }
        let step = EquilibriumPropagationStep(learningRates: [1e-13, 1e-13], biasLearningRates: [1e-13, 1e-13], momentum: 0.5)
        c.applyEquilibriumPropagation(step, inputVoltages: cond.inputVoltages, first: states(), second: states(), betaDifference: 2e-4)
        let file = SafeTensors(tensors: c.velocityTensors())
        #expect(file.tensors.map(\.name) == ["optimizer.velocity.0", "optimizer.bias_velocity.0", "optimizer.velocity.1", "optimizer.bias_velocity.1"])
        let read = try #require(try ResistiveCircuit.velocities(from: SafeTensors(data: file.encoded(), path: "mem"), path: "mem"))
        #expect(read == c.velocities)
        var fresh = try TestSupport.circuit("ideal", [5, 6, 3], seed: 2)
        try fresh.restoreVelocities(read)
        #expect(fresh.velocities == c.velocities)
        var other = try TestSupport.circuit("ideal", [5, 7, 3], seed: 2)
        #expect(throws: CircuitError.self) { try other.restoreVelocities(read) }
    }
}
