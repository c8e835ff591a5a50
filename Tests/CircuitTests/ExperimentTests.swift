import Circuit
import Foundation
import Numerics
import Testing

@Suite(.serialized) struct ExperimentTests {
    @Test(arguments: ["real-diode", "ideal", "memristive"])
    func toyAgainstNgspice(presetName: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let preset = try HardwarePreset.load(presetName, searchDirectory: root.appendingPathComponent("hardware"))
        var rng = SeededGenerator(seed: 3)
        let net = ResistiveNetwork(architecture: [4, 8, 2], preset: preset, conductanceScale: 50 * preset.conductanceMin * 10, rng: &rng)
        let circuit = ResistiveCircuit(network: net, preset: preset)
        let x = DoubleMatrix(rows: 1, columns: 4, elements: [0.1, 0.9, 0.5, 0.3])
        let cond = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: x, gain: preset.inputGain))
        let deck = try SpiceWriter.write(try circuit.netlist(cond))
        let out = try NgspiceBinary.run(deck: deck)
        print(out.errorLines)
        var state = net.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }
        let solver = CircuitSolver(diodeModel: .shockley, tolerance: 1e-13)
        let stats = solver.relax(circuit, conditions: cond, state: &state)
        print(presetName, stats)
        var worst = 0.0
        for (l, m) in state.enumerated() {
            for j in 0..<m.columns {
                let name = circuit.names.node(layer: l + 1, index: j)
                let ng = out.voltages[name] ?? .nan
                print(name, m[0, j], ng, m[0, j] - ng)
                worst = max(worst, abs(m[0, j] - ng))
            }
        }
        print("worst", worst)
        #expect(worst < 1e-6)
    }
}
