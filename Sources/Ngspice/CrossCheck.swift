import Circuit
import Equilibrium
import Foundation
import Numerics

/// Relaxes the same samples and phases with the Swift solver and with ngspice and compares
/// them node by node: each solver checks the other.
public struct CrossCheck {
    public struct PhaseResult: Codable, Sendable {
        public var phase: String
        public var maxAbsDiffVolts: Double
        /// Where the largest difference is: sample index and node name.
        public var worstSample: Int
        public var worstNode: String
        public var swiftSeconds: Double
        public var ngspiceSeconds: Double
        public var swiftSweeps: Int

        enum CodingKeys: String, CodingKey {
            case phase
            case maxAbsDiffVolts = "max_abs_diff_volts"
            case worstSample = "worst_sample", worstNode = "worst_node"
            case swiftSeconds = "swift_seconds", ngspiceSeconds = "ngspice_seconds", swiftSweeps = "swift_sweeps"
        }
    }

    public var circuit: ResistiveCircuit
    /// B × n₀ pixels in [0, 1].
    public var pixels: DoubleMatrix
    public var labels: [Int]
    /// Nudging strength β of the nudged phase, S (current injection β(y − V⁰)).
    public var beta: Double
    /// Target of the correct class's output, V.
    public var targetVolts: Double
    /// Swift solver tolerance, V (see `CircuitSolver`).
    public var tolerance = 1e-11

    public init(circuit: ResistiveCircuit, pixels: DoubleMatrix, labels: [Int], beta: Double, targetVolts: Double) {
        self.circuit = circuit
        self.pixels = pixels
        self.labels = labels
        self.beta = beta
        self.targetVolts = targetVolts
    }

    /// Runs the free phase, then the nudged phase (currents from each solver's own free state).
    /// `progress` sees the samples ngspice has relaxed so far, of 2·B (both phases); with it,
    /// ngspice relaxes one sample per worker at a time.
    public func run(relaxer: NgspiceRelaxer, progress: ((Int) -> Void)? = nil) throws -> [PhaseResult] {
        let conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: pixels, gain: circuit.preset.inputGain))
        let solver = CircuitSolver(diodeModel: .shockley, tolerance: tolerance)
        var results: [PhaseResult] = []
        var swiftFree: [DoubleMatrix] = [], ngspiceFree: [DoubleMatrix] = []
        for phase in ["free", "nudged"] {
            var swiftConditions = conditions, ngspiceConditions = conditions
            if phase == "nudged" {
                let y = targets()
                let net = circuit.network
                swiftConditions.nudge = .currents(NudgeCurrents.fromFreeState(swiftFree.last!, targets: y, beta: beta,
                                                                              classes: net.classes, differential: net.isDifferential))
                ngspiceConditions.nudge = .currents(NudgeCurrents.fromFreeState(ngspiceFree.last!, targets: y, beta: beta,
                                                                                classes: net.classes, differential: net.isDifferential))
            }
            var state = circuit.network.layerSizes.map { DoubleMatrix(rows: pixels.rows, columns: $0) }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let stats = solver.relax(circuit, conditions: swiftConditions, state: &state)
            let t1 = DispatchTime.now().uptimeNanoseconds
            guard stats.converged else {
                throw CircuitError("the Swift solver did not converge in the \(phase) phase (residual \(stats.residual) V after \(stats.iterations) sweeps)")
            }
            let ng = try relaxInParts(relaxer, ngspiceConditions, phase: phase, progress: progress.map { p in
                let before = phase == "free" ? 0 : pixels.rows
                return { p(before + $0) }
            })
            let t2 = DispatchTime.now().uptimeNanoseconds
            var worst = (diff: -1.0, sample: 0, node: "")
            for l in 0..<state.count {
                for b in 0..<pixels.rows {
                    for j in 0..<state[l].columns {
                        let d = abs(state[l][b, j] - ng[l][b, j])
                        if !(d <= worst.diff) { worst = (d.isNaN ? .infinity : d, b, circuit.names.node(layer: l + 1, index: j)) }
                    }
                }
            }
            results.append(PhaseResult(phase: phase, maxAbsDiffVolts: worst.diff, worstSample: worst.sample, worstNode: worst.node,
                                       swiftSeconds: Double(t1 - t0) * 1e-9, ngspiceSeconds: Double(t2 - t1) * 1e-9,
                                       swiftSweeps: stats.iterations))
            if phase == "free" { swiftFree = state; ngspiceFree = ng }
        }
        return results
    }

    /// ngspice's fixed points of `conditions`, in parts of one sample per worker when
    /// `progress` is given (it sees the samples done after each part).
    func relaxInParts(_ relaxer: NgspiceRelaxer, _ conditions: CircuitConditions, phase: String,
                      progress: ((Int) -> Void)?) throws -> [DoubleMatrix] {
        guard let progress else { return try relaxer.relax(circuit, conditions: conditions, phase: phase) }
        let batch = conditions.batchSize, part = relaxer.pool.size
        var state = circuit.network.layerSizes.map { DoubleMatrix(rows: batch, columns: $0) }
        for start in stride(from: 0, to: batch, by: part) {
            let rows = start..<min(start + part, batch)
            let piece = try relaxer.relax(circuit, conditions: conditions.rows(rows), phase: phase)
            for l in 0..<state.count {
                for (k, b) in rows.enumerated() {
                    for j in 0..<state[l].columns { state[l][b, j] = piece[l][k, j] }
                }
            }
            progress(rows.upperBound)
        }
        return state
    }

    /// Target readouts: `targetVolts` for each sample's label, 0 V elsewhere.
    func targets() -> DoubleMatrix {
        var y = DoubleMatrix(rows: pixels.rows, columns: circuit.network.classes)
        for (b, label) in labels.enumerated() { y[b, label] = targetVolts }
        return y
    }
}
