import Circuit
import Equilibrium
import Foundation
import Ngspice
import Numerics
import PropertyBased
import Testing

/// libngspice inside this process: one global simulator, so the suite is serialized.
@Suite(.serialized) struct EngineTests {
    func circuit(_ presetName: String, _ architecture: [Int], seed: UInt64, scale: Double = 5e-4) throws -> ResistiveCircuit {
        let p = try NgspiceTestSupport.preset(presetName)
        var rng = SeededGenerator(seed: seed)
        return ResistiveCircuit(network: ResistiveNetwork(architecture: architecture, preset: p, conductanceScale: scale, rng: &rng), preset: p)
    }

    /// Swift and ngspice on the same circuit, free phase then current-nudged phase; returns
    /// the largest node-voltage difference.
    func compare(_ c: ResistiveCircuit, pixels: DoubleMatrix, labels: [Int], form: NetlistOptions.Form) throws -> Double {
        let engine = try NgspiceEngine.shared()
        var conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: pixels, gain: c.preset.inputGain))
        let solver = CircuitSolver(diodeModel: .shockley, tolerance: 1e-12)
        var worst = 0.0
        var free: [DoubleMatrix] = []
        for phase in 0..<2 {
            if phase == 1 {
                let y = DoubleMatrix.oneHot(labels: labels, classes: c.network.classes, value: c.preset.inputGain / 100)
                conditions.nudge = .currents(NudgeCurrents.fromFreeState(free.last!, targets: y, beta: 1e-4,
                                                                         classes: c.network.classes, differential: c.network.isDifferential))
            }
            try engine.load(try NgspiceTestSupport.deckLines(c, conditions, form: form))
            let sources = c.externalSourceValues(conditions, form: form)
            let v = try engine.sweep(sources: sources.names, values: sources.values, nodes: c.names.freeNodes)
            var state = c.network.layerSizes.map { DoubleMatrix(rows: pixels.rows, columns: $0) }
            let stats = solver.relax(c, conditions: conditions, state: &state)
            #expect(stats.converged)
            worst = max(worst, StateDifference(state, c.network.states(fromNodeRows: v)).maxAbs)
            if phase == 0 { free = state }
        }
        return worst
    }

    /// Property: on small random DRNs (random sizes, conductances, inputs and labels; both the
    /// 1N4148-like and the steep ideal-approximating diode), the Swift solver and ngspice agree
    /// node by node to 1e-9 V in both phases. (Measured worst cases are ~1e-11 V; the
    /// acceptance bound of the project is 1e-6 V.)
    @Test func randomSmallCircuitsAgreeWithNgspice() async throws {
        await propertyCheck(count: 40, input: Gen.int(in: 1...6), Gen.int(in: 1...4), Gen.int(in: 1...4),
                            Gen.int(in: 0...1_000_000), Gen.int(in: 0...2)) { inputs, hiddenPairs, classes, seed, presetIndex in
            let preset = ["real-diode", "ideal", "memristive"][presetIndex]
            let c = try circuit(preset, [inputs, 2 * hiddenPairs, classes], seed: UInt64(seed))
            var rng = SeededGenerator(seed: UInt64(seed)).stream(5)
            let pixels = DoubleMatrix.uniform(rows: 3, columns: inputs, in: 0...1, using: &rng)
            let labels = (0..<3).map { _ in Int(rng.next() % UInt64(classes)) }
            let diff = try compare(c, pixels: pixels, labels: labels, form: .fullCrossbar)
            #expect(diff <= 1e-9, "\(preset) \(inputs)-\(2 * hiddenPairs)-\(classes) seed \(seed): \(diff) V")
        }
    }

    /// The preset's `gmin` option reaches both simulators: with GMIN raised to 1e-6 S the
    /// operating point moves by millivolts, and Swift still matches ngspice to 1e-9 V.
    @Test func presetGminIsSimulatedByBoth() throws {
        var raised = try NgspiceTestSupport.preset("real-diode")
        raised.spiceOptions["gmin"] = 1e-6
        let base = try circuit("real-diode", [6, 4, 3], seed: 8)
        let c = ResistiveCircuit(network: base.network, preset: raised)
        var rng = SeededGenerator(seed: 9)
        let pixels = DoubleMatrix.uniform(rows: 3, columns: 6, in: 0...1, using: &rng)
        #expect(try compare(c, pixels: pixels, labels: [0, 1, 2], form: .fullCrossbar) <= 1e-9)
        let conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: pixels, gain: raised.inputGain))
        let solver = CircuitSolver(diodeModel: .shockley, tolerance: 1e-12)
        var a = base.network.layerSizes.map { DoubleMatrix(rows: 3, columns: $0) }, b = a
        _ = solver.relax(base, conditions: conditions, state: &a)
        _ = solver.relax(c, conditions: conditions, state: &b)
        let moved = zip(a, b).map { $0.maxAbsDifference($1) }.max()!
        #expect(moved > 1e-4, "GMIN 1e-6 S moved the operating point by only \(moved) V")
    }

    /// The Norton-reduced deck is the same circuit: ngspice gives the same free-node voltages
    /// for both forms.
    @Test func nortonFormIsTheSameCircuitInNgspice() throws {
        let c = try circuit("real-diode", [49, 16, 10], seed: 21)
        var rng = SeededGenerator(seed: 22)
        let pixels = DoubleMatrix.uniform(rows: 5, columns: 49, in: 0...1, using: &rng)
        let conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: pixels, gain: c.preset.inputGain))
        let engine = try NgspiceEngine.shared()
        var results: [[[Double]]] = []
        for form in [NetlistOptions.Form.fullCrossbar, .nortonInputs] {
            try engine.load(try NgspiceTestSupport.deckLines(c, conditions, form: form))
            let sources = c.externalSourceValues(conditions, form: form)
            results.append(try engine.sweep(sources: sources.names, values: sources.values, nodes: c.names.freeNodes))
        }
        let worst = zip(results[0].joined(), results[1].joined()).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-10, "full vs Norton: \(worst) V")
    }

    @Test func parseErrorsNameTheOffendingLine() throws {
        let engine = try NgspiceEngine.shared()
        do {
            try engine.load(["* bad deck", "V1 a 0 DC 1", "R1 a b xyz", "R2 b 0 1k", ".end"])
            try engine.command("op")
            Issue.record("a deck with 'R1 a b xyz' was accepted")
        } catch let error as NgspiceError {
            #expect("\(error)".contains("r1 a b xyz"), "\(error)")
        }
    }

    @Test func failedOperatingPointIsAnErrorNotAnAnswer() throws {
        let engine = try NgspiceEngine.shared()
        try engine.load(["* no solution", "V1 a 0 DC 100", "D1 a 0 dm", ".model dm D(IS=1e-14 N=0.01)", ".options itl1=5", ".end"])
        #expect { try engine.operatingPoint(nodes: ["a"]) } throws: { "\($0)".contains("solution failed") }
    }

    @Test func missingVectorsAndExternalValuesAreErrors() throws {
        let engine = try NgspiceEngine.shared()
        try engine.load(["* ext", "V1 a 0 external", "R1 a 0 1k", "Vsweep sweep 0 DC 0", "Rsweep sweep 0 1", ".end"])
        #expect(throws: NgspiceError.self) { try engine.sweep(sources: ["v1"], values: [[1], [2]], nodes: ["nonexistent"]) }
        #expect { try engine.sweep(sources: ["vother"], values: [[1]], nodes: ["a"]) } throws: { "\($0)".contains("v1") }
        let v = try engine.sweep(sources: ["V1"], values: [[1], [2], [3]], nodes: ["a"])
        #expect(v == [[1], [2], [3]])
    }
}
