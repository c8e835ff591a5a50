import Circuit
import Equilibrium
import Foundation
import Numerics

/// Relaxes the same samples and phases with the Swift solver and with ngspice and compares
/// them node by node: each solver checks the other. Both go through one `CrossCheckingRelaxer`
/// (the Swift solver primary, ngspice its twin), so they see the same requests: the nudged
/// phase injects β(y − V⁻) computed from the Swift free state into both.
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
    /// Nudging strength β of the nudged phase, S (current injection β(y − V⁻)).
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

    /// Runs the free phase from 0 V, then the nudged phase from the free state. `progress`
    /// sees the samples ngspice has relaxed so far, of 2·B (both phases); with it, the batch is
    /// relaxed in parts of one sample per worker.
    public func run(relaxer: NgspiceRelaxer, progress: ((Int) -> Void)? = nil) throws -> [PhaseResult] {
        let swift = SwiftCircuitRelaxer(solver: CircuitSolver(diodeModel: .shockley, tolerance: tolerance))
        let check = CrossCheckingRelaxer(primary: swift, twin: NgspiceCircuitRelaxer(relaxer: relaxer), every: 1)
        let batch = pixels.rows
        let part = progress == nil ? batch : relaxer.pool.size
        let targets = DoubleMatrix.oneHot(labels: labels, classes: circuit.network.classes, value: targetVolts)
        var free = circuit.network.layerSizes.map { DoubleMatrix(rows: batch, columns: $0) }
        var results: [PhaseResult] = []
        for (index, name) in ["free", "nudged"].enumerated() {
            check.reset()
            var worst = StateDifference(maxAbs: -1, layer: 0, sample: 0, unit: 0)
            var sweeps = 0
            var states = free
            for first in stride(from: 0, to: batch, by: part) {
                let rows = first..<min(first + part, batch)
                let start = free.map { $0.rows(rows) }
                let phase = index == 0 ? Phase<Double>.free : Phase.free.nudged(beta: beta, targets: targets.rows(rows), freeState: start)
                let result = try check.relax(circuit, RelaxationRequest(inputs: pixels.rows(rows), start: start, phase: phase))
                guard result.statistics.converged else {
                    throw CircuitError("the Swift solver did not converge in the \(name) phase (residual \(result.statistics.residual) V "
                                       + "after \(result.statistics.iterations) sweeps)")
                }
                if let twin = check.lastTwinStatistics, !twin.converged {
                    throw NgspiceError.notConverged(phase: name, sample: first, detail: twin.failure ?? "no operating point")
                }
                if let d = check.last, !(d.maxAbs <= worst.maxAbs) { worst = d; worst.sample += first }
                sweeps = max(sweeps, result.statistics.iterations)
                for l in states.indices { states[l].writeRows(startingAt: first, from: result.states[l]) }
                progress?(index * batch + rows.upperBound)
            }
            results.append(PhaseResult(phase: name, maxAbsDiffVolts: worst.maxAbs, worstSample: worst.sample,
                                       worstNode: circuit.names.node(layer: worst.layer + 1, index: worst.unit),
                                       swiftSeconds: check.primarySeconds, ngspiceSeconds: check.twinSeconds, swiftSweeps: sweeps))
            if index == 0 { free = states }
        }
        return results
    }
}

extension CrossCheck.PhaseResult {
    /// The results of ranks that each checked a share of the samples (rank r from sample
    /// `firstSamples[r]` on), as one check of them all: per phase the largest difference, with
    /// its sample numbered in the whole set (the first rank's on a tie), the seconds summed, the
    /// most sweeps.
    public static func combined(_ perRank: [[CrossCheck.PhaseResult]], firstSamples: [Int]) -> [CrossCheck.PhaseResult] {
        guard var total = perRank.first else { return [] }
        for (rank, phases) in perRank.enumerated() {
            for (i, p) in phases.enumerated() where i < total.count {
                if rank == 0 {
                    total[i].worstSample += firstSamples[0]
                    continue
                }
                if p.maxAbsDiffVolts > total[i].maxAbsDiffVolts {
                    (total[i].maxAbsDiffVolts, total[i].worstSample, total[i].worstNode) = (p.maxAbsDiffVolts, p.worstSample + firstSamples[rank], p.worstNode)
                }
                total[i].swiftSeconds += p.swiftSeconds
                total[i].ngspiceSeconds += p.ngspiceSeconds
                total[i].swiftSweeps = max(total[i].swiftSweeps, p.swiftSweeps)
            }
        }
        return total
    }
}
