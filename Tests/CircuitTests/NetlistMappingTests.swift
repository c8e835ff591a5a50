import Circuit
import Foundation
import Numerics
import Testing

@Suite struct NetlistMappingTests {
    /// n₀ pixels, hidden h, classes k, full crossbar, free phase:
    /// R = 2n₀·h + h·k + 2(h + k) (bias), V = 2n₀ + 2 (bias rails) + 2 (clamp rails), D = h,
    /// C = h + k; nodes = 2n₀ + h + k + 4 rails.
    @Test(arguments: [(4, 8, 2), (16, 6, 3), (64, 32, 10)])
    func elementAndNodeCounts(n0: Int, h: Int, k: Int) throws {
        let c = try TestSupport.circuit("real-diode", [n0, h, k])
        let deck = try c.netlist(TestSupport.conditions(c, pixels: [Array(repeating: 0.5, count: n0)]))
        #expect(deck.elementCounts == ["R": 2 * n0 * h + h * k + 2 * (h + k), "V": 2 * n0 + 4, "D": h, "C": h + k])
        #expect(deck.nodes.count == 2 * n0 + h + k + 4)
        let norton = try c.netlist(TestSupport.conditions(c, pixels: [Array(repeating: 0.5, count: n0)]),
                                   options: NetlistOptions(form: .nortonInputs))
        #expect(norton.elementCounts == ["R": h + h * k + 2 * (h + k), "I": h, "V": 4, "D": h, "C": h + k])
        #expect(norton.nodes.count == h + k + 4)
    }

    @Test func phasesTetherAndSweepAddTheirParts() throws {
        let c = try TestSupport.circuit("real-diode", [4, 6, 2])
        var cond = TestSupport.conditions(c, pixels: [[0.1, 0.2, 0.3, 0.4]])
        cond.nudge = .currents(DoubleMatrix([[1e-6, -2e-6]]))
        cond.tether = (1e-5, [DoubleMatrix(rows: 1, columns: 6, repeating: 0.1), DoubleMatrix(rows: 1, columns: 2)])
        var options = NetlistOptions(analysis: .none, externalInputs: true)
        options.sweepSource = true
        let deck = try c.netlist(cond, options: options)
        let counts = deck.elementCounts
        #expect(counts["I"] == 2)                              // nudge
        #expect(counts["V"] == 8 + 4 + 8 + 1)                  // inputs, rails, tether DACs, Vsweep
        let text = try SpiceWriter.write(deck)
        #expect(text.contains("In_o0 0 o0 external") && text.contains("Vt_h1_0 t_h1_0 0 external"))
        #expect(text.contains("Rt_h1_0 h1_0 t_h1_0 99.99999999999999k"))  // 1/1e-5 in binary, every digit kept
        let sources = c.externalSourceValues(cond, form: .fullCrossbar)
        #expect(sources.names.count == 8 + 2 + 8 && sources.values == [[0.2, 0.4, 0.6, 0.8, -0.2, -0.4, -0.6, -0.8, 1e-6, -2e-6]
                                                                          + [Double](repeating: 0.1, count: 6) + [0, 0]])
    }

    @Test func amplifiersAndDifferentialReadout() throws {
        var p = try TestSupport.preset("ideal")
        p.amplifierGain = 3
        p.outputReadout = .differential
        var rng = SeededGenerator(seed: 2)
        let net = ResistiveNetwork(architecture: [3, 4, 4, 2], preset: p, conductanceScale: 1e-4, rng: &rng)
        #expect(net.layerSizes == [4, 4, 4] && net.isDifferential)
        let c = ResistiveCircuit(network: net, preset: p)
        let deck = try c.netlist(TestSupport.conditions(c, pixels: [[0.2, 0.4, 0.6]]))
        // One E, F and sense source per node of every layer that drives a crossbar above it.
        #expect(deck.elementCounts["E"] == 8 && deck.elementCounts["F"] == 8)
        #expect(c.names.freeNodes.suffix(4) == ["o0p", "o1p", "o0n", "o1n"])
        let text = try SpiceWriter.write(deck)
        #expect(text.contains("Ea_h1_0 as_h1_0 0 h1_0 0 3\n") && text.contains("Fa_h1_0 h1_0 0 Vs_h1_0 333.3333333333333m"))
        #expect(text.contains("R2_h1_0_h2_0 a_h1_0 h2_0"))
    }

    @Test func rejectsInputsOutsideThePresetRange() throws {
        let c = try TestSupport.circuit("ideal", [2, 2, 1])
        let bad = CircuitConditions(inputVoltages: DoubleMatrix([[0.5, 1.5, -0.5, -1.5]]))
        #expect { try c.netlist(bad) } throws: { "\($0)".contains("x1p") && "\($0)".contains("1.5 V") }
        let nan = CircuitConditions(inputVoltages: DoubleMatrix([[0.5, .nan, -0.5, 0]]))
        #expect(throws: CircuitError.self) { try c.netlist(nan) }
    }
}
