import ArgumentParser
import Equilibrium
import Foundation
import MessagePassing
import Ngspice

extension EqPropCommand.Crosscheck {
    /// `crosscheck` under `mpirun -np N`: rank r checks samples ⌊r·S/N⌋ ..< ⌊(r+1)·S/N⌋ with its
    /// own ngspice workers, and rank 0 reports the whole set (`CrossCheck.PhaseResult.combined`).
    /// Without mpirun, one process checks every sample.
    struct RankShare {
        let world: Communicator?
        let samples: Int
        /// This rank's samples.
        let mine: Range<Int>
        var isWriter: Bool { (world?.rank ?? 0) == 0 }

        init(samples: Int) throws {
            world = try Communicator.world()
            self.samples = samples
            guard let world else {
                mine = 0..<samples
                return
            }
            if samples < world.size {
                throw failTogether(world, ValidationError(
                    "--samples \(samples) for \(world.size) MPI ranks: every rank checks a share of the samples; "
                    + "give at least \(world.size) samples or start fewer ranks"))
            }
            mine = BatchShare(parts: world.size).rows(world.rank, of: samples)
        }

        /// Every rank's results as one check of all samples (the identity without mpirun).
        func combined(_ phases: [CrossCheck.PhaseResult]) throws -> [CrossCheck.PhaseResult] {
            guard let world else { return phases }
            let all = try world.allgather(bytes: Array(try JSONEncoder().encode(phases)))
            let perRank = try all.map { try JSONDecoder().decode([CrossCheck.PhaseResult].self, from: Data($0)) }
            let firsts = (0..<world.size).map { BatchShare(parts: world.size).rows($0, of: samples).lowerBound }
            return CrossCheck.PhaseResult.combined(perRank, firstSamples: firsts)
        }

        /// The sum of `value` over the ranks; then MPI is finalized (the last collective).
        func sum(_ value: Int) throws -> Int {
            guard let world else { return value }
            let total = try world.allreduce([Double(value)], .sum)[0]
            try world.finalize()
            return Int(total)
        }
    }
}
