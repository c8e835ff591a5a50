import Circuit
import Foundation
import Numerics
import Testing
import TestSupport

/// The `.control` block of user decks in stock `ngspice -b`: exit status 0, every free node
/// printed, the predicted class and the static power equal to the Swift solver's, also with
/// amplifiers and a differential readout (E/F power lines) and with a crossbar large enough to
/// be drawn as tiles (ngspice refuses a subcircuit call of more than ~1,000 nodes).
@Suite(.serialized) struct DeckControlTests {
    func solve(_ c: ResistiveCircuit, _ conditions: CircuitConditions) -> [String: Double] {
        var state = c.network.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }
        let stats = CircuitSolver(diodeModel: .shockley, tolerance: 1e-13).relax(c, conditions: conditions, state: &state)
        #expect(stats.converged)
        var v: [String: Double] = [:]
        for l in 1...c.depth { for j in 0..<state[l - 1].columns { v[c.names.node(layer: l, index: j)] = state[l - 1][0, j] } }
        return v
    }

    func check(_ c: ResistiveCircuit, pixels: [Double], form: NetlistOptions.Form = .fullCrossbar, amplifiers: Bool = false) throws {
        let conditions = TestSupport.conditions(c, pixels: [pixels])
        let deck = try SpiceWriter.write(try c.netlist(conditions, options: NetlistOptions(form: form)))
        let run = try NgspiceBatchRun.run(deck: deck)
        #expect(run.output.status == 0, "ngspice -b exited with \(run.output.status): \(run.output.stderr.suffix(300))")
        #expect(run.errorLines.isEmpty, "\(run.errorLines)")
        let swift = solve(c, conditions)
        #expect(Set(run.voltages.keys) == Set(swift.keys))
        let worst = swift.map { abs($0.value - (run.voltages[$0.key] ?? .infinity)) }.max()!
        #expect(worst <= 1e-9, "largest difference \(worst) V")
        let printed = run.output.stdout.split(separator: "\n").map(String.init)
        let expected = try #require(c.predictedClass(voltages: swift))
        #expect(printed.contains("predicted_class = \(expected)"), "\(printed.filter { $0.contains("class") })")
        func value(_ key: String) -> Double? { printed.first { $0.hasPrefix(key + " = ") }.flatMap { Double($0.dropFirst(key.count + 3)) } }
        let power = c.sourcePower(conditions, state: c.names.freeNodes.map { swift[$0]! })
        let total = try #require(value("p_total")), amplifierPower = value("p_amplifiers")
        #expect(amplifiers == (amplifierPower != nil))
        // Bounded by what the powers are made of, not by their values (source terms of both
        // signs): the node voltages, 1e-9 V apart at most, move P by Σ|∂P/∂v|·1e-9 V.
        let bounds = powerBounds(c, conditions, state: c.names.freeNodes.map { swift[$0]! }, nodeBound: 1e-9)
        #expect(abs(total - (amplifierPower ?? 0) - power.total) <= bounds.total, "\(total) W vs \(power.total) W (bound \(bounds.total) W)")
        let inputs = try #require(value("p_inputs"))
        #expect(abs(inputs - power.inputs) <= bounds.inputs, "inputs \(inputs) W vs \(power.inputs) W (bound \(bounds.inputs) W)")
    }

    /// How far a deck's printed source powers may be from `sourcePower` at node voltages up
    /// to `nodeBound` V away: Σ_j |∂P/∂v_j|·`nodeBound` (inputs Σ_k |u_k|·G_kj, bias rails
    /// V_b·(G⁺ + G⁻), clamp rails |rail|·g_diode), plus ngspice's branch currents, exact to its
    /// `reltol` (reltol·Σ|terms|), the rounding of the sums (2γ·Σ|terms|) and of the 15 printed
    /// digits (1e-14·Σ|terms|), W. Free phase (no nudge or tether).
    func powerBounds(_ c: ResistiveCircuit, _ conditions: CircuitConditions, state: [Double], nodeBound: Double) -> (inputs: Double, total: Double) {
        let u = conditions.inputVoltages.row(0), g0 = c.crossbar(0), vb = c.preset.biasVolts, diode = c.preset.junctionDiode
        var inputSlope = 0.0, inputTerms = 0.0
        for k in 0..<g0.rows {
            for j in 0..<g0.columns {
                inputSlope += abs(u[k]) * g0[k, j]
                inputTerms += abs(u[k] * g0[k, j] * (u[k] - state[j]))
            }
        }
        var slope = inputSlope, terms = inputTerms, offset = 0
        for l in 1...c.depth {
            for j in 0..<c.network.layerSizes[l - 1] {
                let v = state[offset + j], gp = c.network.biasToPositiveRail[l - 1][j], gn = c.network.biasToNegativeRail[l - 1][j]
                slope += vb * (gp + gn)
                terms += abs(vb * gp * (vb - v)) + abs(vb * gn * (vb + v))
                var rails: [(rail: Double, forward: Double)] = []
                switch c.clamp(layer: l, index: j) {
                case .none: break
                case let .excitatory(_, rail): rails = [(rail, rail - v)]
                case let .inhibitory(_, rail): rails = [(rail, v - rail)]
                case let .twoSided(_, low, _, high): rails = [(low, low - v), (high, v - high)]
                }
                for (rail, forward) in rails {
                    let d = diode.terminal(forward)
                    slope += abs(rail) * d.conductance
                    terms += abs(rail * d.current)
                }
            }
            offset += c.network.layerSizes[l - 1]
        }
        let reltol = c.preset.spiceOptions["reltol"] ?? 1e-3
        func bound(_ slope: Double, _ magnitude: Double, _ count: Int) -> Double {
            slope * nodeBound + (reltol + 1e-14) * magnitude + RoundingBound.sum(magnitude: magnitude, terms: count)
        }
        let count = g0.count + 4 * state.count
        return (bound(inputSlope, inputTerms, g0.count), bound(slope, terms, count))
    }

    @Test func amplifiersAndDifferentialReadout() throws {
        var p = try TestSupport.preset("real-diode")
        p.amplifierGain = 2
        p.outputReadout = .differential
        var rng = SeededGenerator(seed: 4)
        let net = ResistiveNetwork(architecture: [3, 4, 4, 3], preset: p, conductanceScale: 5e-4, rng: &rng)
        let c = ResistiveCircuit(network: net, preset: p)
        try check(c, pixels: [0.2, 0.9, 0.6], amplifiers: true)
    }

    /// 520 pixels: 1,040 rows + 4 columns is more than one subcircuit call takes: 3 tiles.
    @Test func largeCrossbarIsTiledAndExact() throws {
        let c = try TestSupport.circuit("real-diode", [520, 4, 2], scale: 1e-5)
        let pixels = (0..<520).map { Double($0 % 7) / 6 }
        let netlist = try c.netlist(TestSupport.conditions(c, pixels: [pixels]))
        #expect(netlist.subcircuits.map(\.name) == ["crossbar1_0_0", "crossbar1_1_0", "crossbar1_2_0", "crossbar2"])
        #expect(netlist.subcircuits.allSatisfy { $0.ports.count <= 1000 })
        #expect(netlist.elementCounts["R"] == 1040 * 4 + 4 * 2 + 2 * 6)
        try check(c, pixels: pixels)
        try check(c, pixels: pixels, form: .nortonInputs)
    }
}
