import EqProp
import Foundation
import MessagePassing

/// The rules of data-parallel training under `mpirun` (one `ResistiveTrainer` per rank, each
/// relaxing its share of every batch through a `DataParallelRelaxer`):
///
/// - the global batch is split, never padded: it must be a multiple of the rank count (and so
///   at least as large), or the run is refused before anything is written;
/// - every rank resolves the same configuration, run folder and data, or the run is refused
///   (`checkSameConfiguration`): ranks started with other flags or in another directory;
/// - rank 0 alone writes the run folder; every rank checks after each epoch that it holds the
///   same state as rank 0 (a checksum of its checkpoint), and stops the job if not;
/// - a rank that fails later ends the whole job (`Communicator.abort`): the others would wait
///   for it forever.
public enum DataParallelTraining {
    /// Refuses a global batch that the ranks cannot share equally.
    public static func checkBatch(_ batch: Int, ranks: Int) throws {
        guard batch >= ranks else {
            throw TrainingError.invalidConfiguration(
                "\(ranks) MPI ranks for a batch of \(batch) samples: every rank relaxes a share of each batch, so a rank would have "
                + "nothing to do; start at most \(batch) ranks, or raise --batch-size to a multiple of \(ranks)")
        }
        guard batch % ranks == 0 else {
            let lower = max(ranks, batch / ranks * ranks), upper = (batch / ranks + 1) * ranks
            throw TrainingError.invalidConfiguration(
                "--batch-size \(batch) cannot be shared by \(ranks) MPI ranks: the global batch is split over the ranks, not padded, "
                + "so it must be a multiple of the rank count (e.g. --batch-size \(lower == batch ? upper : lower) or \(upper)), "
                + "or run mpirun with a rank count that divides \(batch)")
        }
    }

    /// Runs `body` on every rank; when it throws on any rank, throws on every rank: rank 0's
    /// error if it failed, else the first failing rank's message and the exit status it gave
    /// its error (`exitStatus`, 0–255). Use for the steps before training, where a rank that
    /// stopped alone would leave the others waiting.
    public static func together<T>(_ world: Communicator?, exitStatus: (Error) -> Int32 = { _ in 1 },
                                   _ body: () throws -> T) throws -> T {
        guard let world else { return try body() }
        var result: Result<T, Error>
        do { result = .success(try body()) } catch { result = .failure(error) }
        var mine: [UInt8] = []
        if case .failure(let error) = result {
            mine = [UInt8(clamping: exitStatus(error))] + Array(("\(error)".isEmpty ? "failed" : "\(error)").utf8)
        }
        let all = try world.allgather(bytes: mine)
        guard let first = all.firstIndex(where: { !$0.isEmpty }) else { return try result.get() }
        if case .failure(let error) = result, first == world.rank { throw error }
        throw RankFailed(rank: first, message: String(decoding: all[first].dropFirst(), as: UTF8.self), exitStatus: Int32(all[first][0]))
    }

    /// Another rank's failure, as that rank described it, and the exit status it chose.
    public struct RankFailed: Error, CustomStringConvertible {
        public var rank: Int
        public var message: String
        public var exitStatus: Int32
        public var description: String { "rank \(rank): \(message)" }
    }

    /// Refuses the run unless every rank resolved the same `description` (configuration, run
    /// folder and data, as text) as rank 0.
    public static func checkSameConfiguration(_ description: String, world: Communicator?) throws {
        guard let world else { return }
        let others = try world.ranksDisagreeing(on: Checksum.of(bytes: description.utf8))
        guard others.isEmpty else {
            // The user's command, not the run, is at fault: a refused configuration.
            throw TrainingError.invalidConfiguration(
                "MPI rank\(others.count == 1 ? "" : "s") \(others.map(String.init).joined(separator: ", ")) resolved another "
                + "configuration, run folder or data set than rank 0 (started with other flags, in another working directory, "
                + "or with other files?); every rank must run the same command in the same place")
        }
    }

    /// The end of an epoch on every rank: the state checksum compared with rank 0's, the
    /// ranks' own measurements combined (largest cross-check difference, ngspice seconds and
    /// restarts summed over the ranks).
    static func finishEpoch(_ report: inout EpochTraining, epoch: Int, state: Data, world: Communicator) throws {
        let others = try world.ranksDisagreeing(on: Checksum.of(bytes: state))
        guard others.isEmpty else {
            throw DataParallelError.ranksDisagree(
                "after epoch \(epoch), MPI rank\(others.count == 1 ? "" : "s") \(others.map(String.init).joined(separator: ", ")) "
                + "held other conductances or weights than rank 0; stopping (the ranks must apply identical updates)")
        }
        let largest = try world.allreduce([report.maxCrosscheckDifference ?? -1], .max)[0]
        report.maxCrosscheckDifference = largest < 0 ? nil : largest
        if report.engineSeconds != nil {
            let sums = try world.allreduce([report.engineSeconds ?? 0, Double(report.workerRestarts ?? 0)], .sum)
            report.engineSeconds = sums[0]
            report.workerRestarts = Int(sums[1])
        }
    }
}
