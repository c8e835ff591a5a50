import Numerics

/// Per-sample stopping for `CircuitSolver.batchInvariant`: each sample of a lane's batch stops
/// at the first sweep (after the first) whose largest change of its nodes is at most the
/// threshold, as it would if it were relaxed alone. Later sweeps of the batch still compute a
/// stopped sample (the layer solves run over the whole batch), so its state is saved when it
/// stops and put back after every later sweep. Samples do not interact (each row of a layer
/// solve depends on that row only), so putting one back changes no other.
final class SampleConvergence {
    /// Each sample's largest change (V) in the current sweep; `CircuitSolver.solveLayer` adds to it.
    let sweepWorst: UnsafeMutablePointer<Double>
    private let batch: Int
    /// The sweep at which each sample stopped (0 while it runs).
    private var stoppedAt: [Int]
    private var running: Int
    /// The stopped samples' states, one B × n_l matrix per free layer.
    private var saved: [DoubleMatrix]

    init(batch: Int, state: [DoubleMatrix]) {
        self.batch = batch
        sweepWorst = .allocate(capacity: max(batch, 1))
        stoppedAt = Array(repeating: 0, count: batch)
        running = batch
        saved = state
    }

    deinit { sweepWorst.deallocate() }

    func beginSweep() { sweepWorst.update(repeating: 0, count: batch) }

    /// After sweep `sweep`: puts back the samples stopped earlier, stops those that converged in
    /// this sweep. Returns true when every sample has stopped.
    func endSweep(_ sweep: Int, tolerance: Double, state: inout [DoubleMatrix]) -> Bool {
        for b in 0..<batch where stoppedAt[b] > 0 {
            for l in state.indices { Self.copyRow(b, from: saved[l], to: &state[l]) }
        }
        guard sweep > 1 else { return false }
        for b in 0..<batch where stoppedAt[b] == 0 && sweepWorst[b] <= tolerance {
            stoppedAt[b] = sweep
            running -= 1
            for l in state.indices { Self.copyRow(b, from: state[l], to: &saved[l]) }
        }
        return running == 0
    }

    private static func copyRow(_ b: Int, from source: DoubleMatrix, to target: inout DoubleMatrix) {
        let n = source.columns
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                (t.baseAddress! + b * n).update(from: s.baseAddress! + b * n, count: n)
            }
        }
    }
}
