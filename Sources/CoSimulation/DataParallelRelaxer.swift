import Equilibrium
import MessagePassing
import Numerics

/// Relaxes every batch data-parallel over the ranks of an MPI job: each rank relaxes its own
/// share of the samples (`BatchShare`) with its own relaxer (the Swift solver, or its own
/// ngspice workers), and one allgather gives every rank the whole batch's states, in rank order
/// and so in the batch's own order. Every rank then holds the same states and applies the same
/// EqProp update itself (Eq. 5 needs only the node voltages of the two phases): what crosses
/// the network scales with samples × nodes, not with the crossbars' cells.
///
/// Volume: one message per phase of 3 + (its rows × free nodes) doubles from each rank (the
/// header is converged, sweeps, residual); a batch of B samples moves B × nodes × 8 bytes per
/// phase into every rank.
///
/// With the Swift solver in its `batchInvariant` mode a sample's state has the same bits
/// whichever rank relaxes it with whichever others, so the run is bitwise the same for any
/// number of ranks. The statistics combine as the whole batch's would: the most sweeps, the
/// largest residual, converged only if every share converged.
public final class DataParallelRelaxer<Model>: EquilibriumRelaxer {
    public typealias Scalar = Double

    public let local: any EquilibriumRelaxer<Model, Double>
    public let world: Communicator
    private let share: BatchShare

    public init(local: any EquilibriumRelaxer<Model, Double>, world: Communicator) {
        self.local = local
        self.world = world
        share = BatchShare(parts: world.size)
    }

    public func prepare(_ model: Model, inputs: DoubleMatrix) {
        local.prepare(model, inputs: inputs.rows(share.rows(world.rank, of: inputs.rows)))
    }

    public func relax(_ model: Model, _ request: RelaxationRequest<Double>) throws -> Relaxation<Double> {
        let batch = request.inputs.rows
        let widths = request.start.map(\.columns)
        let mine = share.rows(world.rank, of: batch)
        var payload: [Double] = [1, 0, 0]
        var failure: String?
        if !mine.isEmpty {
            let r = try local.relax(model, request.rows(mine))
            guard r.states.map(\.columns) == widths, r.states.allSatisfy({ $0.rows == mine.count }) else {
                throw DataParallelError.shape("this rank's relaxer returned states of another shape than its share of \(mine.count) samples")
            }
            payload = [r.statistics.converged ? 1 : 0, Double(r.statistics.iterations), r.statistics.residual]
            payload.reserveCapacity(3 + mine.count * widths.reduce(0, +))
            for s in r.states { payload.append(contentsOf: s.elements) }
            failure = r.statistics.failure
        }
        let all = try world.allgather(payload)
        var states = widths.map { DoubleMatrix(rows: batch, columns: $0) }
        var statistics = RelaxationStatistics(iterations: 0, residual: 0, converged: true)
        var firstFailed: Int?
        for (rank, values) in all.enumerated() {
            let rows = share.rows(rank, of: batch)
            guard values.count == 3 + rows.count * widths.reduce(0, +) else {
                throw DataParallelError.shape("rank \(rank) sent \(values.count) values for its \(rows.count) samples; "
                                              + "the ranks disagree about the batch (were they started with the same flags?)")
            }
            if values[0] != 1 {
                statistics.converged = false
                firstFailed = firstFailed ?? rank
            }
            statistics.iterations = max(statistics.iterations, Int(values[1]))
            if !(values[2] <= statistics.residual) { statistics.residual = values[2].isNaN ? .infinity : values[2] }
            var offset = 3
            for l in widths.indices where !rows.isEmpty {
                let count = rows.count * widths[l]
                states[l].writeRows(startingAt: rows.lowerBound,
                                    from: DoubleMatrix(rows: rows.count, columns: widths[l], elements: Array(values[offset..<offset + count])))
                offset += count
            }
        }
        if let firstFailed {
            // Why the share failed is known only to its rank: a second collective, on this rare path only.
            let reasons = try world.allgather(bytes: Array((failure ?? "").utf8))
            let why = String(decoding: reasons[firstFailed], as: UTF8.self)
            statistics.failure = "rank \(firstFailed) of \(world.size): " + (why.isEmpty ? "residual \(all[firstFailed][2]) V" : why)
        }
        return Relaxation(states: states, statistics: statistics)
    }
}

/// The ranks of a data-parallel job do not hold what they should.
public enum DataParallelError: Error, CustomStringConvertible {
    case shape(String)
    /// A rank's resolved configuration, or its state after an epoch, differs from rank 0's.
    case ranksDisagree(String)

    public var description: String {
        switch self {
        case .shape(let s), .ranksDisagree(let s): return s
        }
    }
}
