import Circuit
import Numerics
import Testing
import TestSupport

/// `CircuitSolver.batchInvariant`: a sample relaxes to the same bits whatever other samples
/// share its batch (alone, in a pair, in a batch of 5, in a batch of 10 split over the two
/// lanes), which is what lets `mpirun -np N` write one checkpoint for every N.
@Suite struct CircuitSolverBatchInvarianceTests {
    func relax(_ c: ResistiveCircuit, _ conditions: CircuitConditions, model: CircuitSolver.DiodeModel,
               invariant: Bool) -> [DoubleMatrix] {
        let solver = CircuitSolver(diodeModel: model, tolerance: 1e-10)
        solver.batchInvariant = invariant
        var state = c.network.layerSizes.map { DoubleMatrix(rows: conditions.batchSize, columns: $0) }
        #expect(solver.relax(c, conditions: conditions, state: &state).converged)
        return state
    }

    @Test(arguments: [("ideal", CircuitSolver.DiodeModel.ideal), ("real-diode", .shockley)])
    func sampleBitsDoNotDependOnTheBatch(preset: String, model: CircuitSolver.DiodeModel) throws {
        let c = try TestSupport.circuit(preset, [60, 100, 10])
        var rng = SeededGenerator(seed: 11)
        let pixels = (0..<10).map { _ in (0..<60).map { _ in rng.nextUnit() } }
        let all = TestSupport.conditions(c, pixels: pixels)
        let whole = relax(c, all, model: model, invariant: true)
        for split in [[0..<1, 1..<2, 2..<3, 3..<4, 4..<5, 5..<6, 6..<7, 7..<8, 8..<9, 9..<10], [0..<2, 2..<4, 4..<10], [0..<5, 5..<10]] {
            for rows in split {
                let part = relax(c, all.rows(rows), model: model, invariant: true)
                for l in part.indices {
                    #expect(part[l].elements == whole[l].rows(rows).elements, "\(preset): rows \(rows), layer \(l)")
                }
            }
        }
        // The same fixed points as the default mode, within its tolerance.
        let plain = relax(c, all, model: model, invariant: false)
        for l in plain.indices {
            let worst = zip(plain[l].elements, whole[l].elements).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-9, "\(preset) layer \(l): \(worst) V from the default mode")
        }
    }
}
