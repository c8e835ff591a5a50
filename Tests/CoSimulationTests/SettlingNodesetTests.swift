import Circuit
import CoSimulation
import Foundation
import Ngspice
import Numerics
import Testing

/// `eqprop settle`'s Newton-iteration comparison rests on one claim: the operating-point deck
/// carries a `.nodeset` at the start state and ngspice starts its Newton iterations from it.
/// Checked with real ngspice workers: the deck holds every free node's start voltage, and the
/// iteration count follows the `.nodeset` (fewest from the exact fixed point), which it could
/// not if the card were missing or ignored (the three decks would be the same circuit).
@Suite(.serialized) struct SettlingNodesetTests {
    static let executable = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent("eqprop")
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func nodesetIsWrittenAndSteersNewton() throws {
        // Shockley diodes: a nonlinear operating point that takes ngspice several iterations.
        let p = try HardwarePreset.load("real-diode", searchDirectory: Self.root.appendingPathComponent("hardware"))
        var rng = SeededGenerator(seed: 12)
        let c = ResistiveCircuit(network: ResistiveNetwork(architecture: [16, 8, 4], preset: p, conductanceScale: 5e-4, rng: &rng), preset: p)
        let pixels = (0..<16).map { _ in rng.nextUnit() }
        let u = CircuitConditions.inputVoltages(pixels: DoubleMatrix(rows: 1, columns: 16, elements: pixels), gain: p.inputGain)
        var state = c.network.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }
        let solved = CircuitSolver(diodeModel: .shockley, tolerance: 1e-12).relax(c, conditions: CircuitConditions(inputVoltages: u), state: &state)
        #expect(solved.converged)
        let exact = state.flatMap(\.elements)
        let far = exact.map { $0 > 0 ? $0 - 2 : $0 + 2 }

        // The card: every free node at its start voltage (the deck `newtonIterations` runs).
        let deck = try SpiceWriter.write(try c.netlist(CircuitConditions(inputVoltages: u),
                                                       options: NetlistOptions(form: .nortonInputs, analysis: .none, startState: exact)))
        let card = deck.split(separator: "\n").drop { !$0.hasPrefix(".nodeset") }.prefix { $0.hasPrefix(".nodeset") || $0.hasPrefix("+") }
        var nodeset: [String: Double] = [:]
        for entry in card.joined(separator: " ").split(separator: " ") where entry.hasPrefix("v(") {
            let parts = entry.dropFirst(2).split(separator: ")=")
            nodeset[String(parts[0])] = SpiceNumber.parse(String(parts[1]))
        }
        #expect(nodeset.count == exact.count)
        for (node, v) in zip(c.names.freeNodes, exact) {
            #expect(abs((nodeset[node] ?? .infinity) - v) <= 1e-15 * max(1, abs(v)), "\(node): \(nodeset[node] ?? .nan) vs \(v) V")
        }

        let pool = NgspiceWorkerPool(executable: Self.executable, size: 1)
        defer { pool.shutdown() }
        let settle = SettlingMeasurement(circuit: c)
        let fromExact = try settle.newtonIterations(pixels: pixels, start: exact, pool: pool)
        let fromNothing = try settle.newtonIterations(pixels: pixels, start: nil, pool: pool)
        let fromFar = try settle.newtonIterations(pixels: pixels, start: far, pool: pool)
        print("Newton iterations of the op: \(fromExact) with .nodeset at the fixed point, \(fromNothing) without, \(fromFar) at 2 V off")
        #expect(fromExact < fromNothing && fromExact < fromFar,
                "Newton iterations: \(fromExact) from the fixed point, \(fromNothing) without .nodeset, \(fromFar) from 2 V off")
    }
}
