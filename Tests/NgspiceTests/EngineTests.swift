import Circuit
import EqProp
import Foundation
import Ngspice
import Numerics
import Testing

/// libngspice in this process: one global simulator, so the suite is serialized.
@Suite(.serialized) struct EngineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func preset(_ name: String) throws -> HardwarePreset {
        try HardwarePreset.load(name, searchDirectory: root.appendingPathComponent("hardware"))
    }

    func toy(_ presetName: String, seed: UInt64 = 3, architecture: [Int] = [4, 8, 2]) throws -> ResistiveCircuit {
        let p = try Self.preset(presetName)
        var rng = SeededGenerator(seed: seed)
        let net = ResistiveNetwork(architecture: architecture, preset: p, conductanceScale: 5e-4, rng: &rng)
        return ResistiveCircuit(network: net, preset: p)
    }

    @Test func sweepMatchesSwiftSolverPerSample() throws {
        let circuit = try toy("real-diode")
        var rng = SeededGenerator(seed: 9)
        let x = DoubleMatrix.uniform(rows: 6, columns: 4, in: 0...1, using: &rng)
        let conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: x, gain: circuit.preset.inputGain))
        for form in [NetlistOptions.Form.fullCrossbar, .nortonInputs] {
            let options = NetlistOptions(form: form, analysis: .none, externalInputs: true)
            var o = options
            o.sweepSource = true
            let deck = try SpiceWriter.write(try circuit.netlist(conditions, options: o))
            let engine = try NgspiceEngine.shared()
            try engine.load(deck.split(separator: "\n").map(String.init))
            let sources = circuit.externalSourceValues(conditions, form: form)
            let v = try engine.sweep(sources: sources.names, values: sources.values, nodes: circuit.names.freeNodes)
            var state = circuit.network.layerSizes.map { DoubleMatrix(rows: 6, columns: $0) }
            let stats = CircuitSolver(diodeModel: .shockley, tolerance: 1e-13).relax(circuit, conditions: conditions, state: &state)
            #expect(stats.converged)
            var worst = 0.0
            for b in 0..<6 {
                var k = 0
                for l in 0..<state.count { for j in 0..<state[l].columns { worst = max(worst, abs(state[l][b, j] - v[b][k])); k += 1 } }
            }
            print(form, worst)
            #expect(worst < 1e-9)
        }
    }
}
