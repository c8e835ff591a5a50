import Circuit
import Numerics
import Testing

/// The forward-Euler node dynamics reach the exact solver's fixed point, take no step from it,
/// and take fewer steps from a nearby start than from 0 V.
@Suite struct EulerRelaxationTests {
    @Test(arguments: ["ideal", "memristive"])
    func reachesTheSolversFixedPoint(presetName: String) throws {
        let c = try TestSupport.circuit(presetName, [8, 6, 4, 3], seed: 31)
        let cond = TestSupport.conditions(c, pixels: [[0.9, 0.2, 0.6, 0.4, 0.8, 0.1, 0.0, 1.0], [0.3, 0.3, 0.7, 0.5, 0.2, 0.9, 0.6, 0.4]])
        var fixed = c.network.layerSizes.map { DoubleMatrix(rows: 2, columns: $0) }
        #expect(CircuitSolver(diodeModel: .ideal, tolerance: 1e-13).relax(c, conditions: cond, state: &fixed).converged)
        let euler = EulerRelaxation(circuit: c)
        let zero = c.network.layerSizes.map { DoubleMatrix(rows: 2, columns: $0) }
        let fromZero = euler.stepsToBand(cond, start: zero, fixedPoint: fixed, band: 1e-9)
        #expect(fromZero.allSatisfy { $0 != nil && $0! > 0 }, "\(fromZero)")
        #expect(euler.stepsToBand(cond, start: fixed, fixedPoint: fixed, band: 1e-9) == [0, 0])
        // A start 1 mV off settles to 1 µV in fewer steps than one from 0 V.
        let near = fixed.map { m -> DoubleMatrix in var r = m; r.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] += 1e-3 } }; return r }
        let a = euler.stepsToBand(cond, start: near, fixedPoint: fixed, band: 1e-6)
        let b = euler.stepsToBand(cond, start: zero, fixedPoint: fixed, band: 1e-6)
        for (x, y) in zip(a, b) { #expect(x! < y!, "from 1 mV off: \(x!) steps, from 0 V: \(y!)") }
    }
}
