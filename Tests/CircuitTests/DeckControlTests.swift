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
        #expect(abs(total - (amplifierPower ?? 0) - power.total) <= 1e-9 * abs(power.total), "\(total) W vs \(power.total) W")
        let inputs = try #require(value("p_inputs"))
        #expect(abs(inputs - power.inputs) <= 1e-9 * abs(power.total), "inputs \(inputs) W vs \(power.inputs) W")
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
