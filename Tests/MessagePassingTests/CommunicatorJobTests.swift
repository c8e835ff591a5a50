import Foundation
import MessagePassing
import TestSupport
import Testing

/// The MessagePassing layer in real `mpirun` jobs of the built `eqprop mpi-selftest` (Open MPI
/// from Debian, oversubscribed on this machine), and eqprop without mpirun.
@Suite(.serialized) struct CommunicatorJobTests {
    /// Checks rank 0's report of a healthy job of `ranks` ranks.
    func checkReport(_ job: MPIJob, ranks: Int) throws {
        #expect(job.status == 0, "mpirun exited with \(job.status): \(job.stderr)")
        #expect(!job.timedOut)
        let json = try #require(job.json, "no JSON line: \(job.stdout) \(job.stderr)")
        #expect(json["mpi"] as? Bool == true)
        #expect(json["size"] as? Int == ranks)
        // Rank r sent r doubles r·1000 + k + 0.5: the result is in rank order, rank 0's empty.
        let gathered = try #require(json["gathered"] as? [[Double]])
        let expected: [[Double]] = (0..<ranks).map { r in (0..<r).map { k in Double(r * 1000 + k) + 0.5 } }
        #expect(gathered == expected)
        let texts: [String] = (0..<ranks).map { r in "rank \(r)" + String(repeating: "!", count: r) }
        #expect(json["gatheredText"] as? [String] == texts)
        #expect(json["broadcast"] as? String == "broadcast from rank \(ranks - 1)")
        #expect(json["broadcastDoubles"] as? [Double] == [1.5, -2.25, .pi])
        let sums: [Double] = [Double(ranks * (ranks - 1) / 2), Double(ranks)]
        #expect(json["allreduceSum"] as? [Double] == sums)
        #expect(json["allreduceMax"] as? [Double] == [Double(ranks - 1)])
        // Every rank checked what it received, not just rank 0.
        #expect(json["verifiedByRank"] as? [Bool] == Array(repeating: true, count: ranks))
        #expect(json["agreeSameChecksum"] as? Bool == true)
        #expect(json["agreeRank"] as? Bool == (ranks == 1))
        #expect(json["ranksDisagreeingOnRank"] as? [Int] == Array(1..<ranks))
        let timing = try #require(json["allgather"] as? [String: Any])
        let latency = try #require(json["latency"] as? [String: Any])
        print("mpi-selftest \(ranks) ranks in \(String(format: "%.2f", job.seconds)) s: allgather \(timing), latency \(latency)")
    }

    @Test func twoRanksGatherInRankOrderAndBroadcast() throws {
        try checkReport(try MPIJob.run(ranks: 2, ["mpi-selftest"]), ranks: 2)
    }

    @Test func fourRanksGatherInRankOrderAndBroadcast() throws {
        try checkReport(try MPIJob.run(ranks: 4, ["mpi-selftest", "--repeats", "50"]), ranks: 4)
    }

    @Test func oneRankJobWorks() throws {
        try checkReport(try MPIJob.run(ranks: 1, ["mpi-selftest", "--repeats", "20"]), ranks: 1)
    }

    /// A rank killed by SIGKILL after the first barrier: the others wait in the next collective
    /// and mpirun ends the whole job, with a message naming the rank and the signal.
    @Test func killedRankEndsTheJobWithAMessage() throws {
        let job = try MPIJob.run(ranks: 4, ["mpi-selftest", "--die-at-rank", "2", "--die-with", "kill"], timeout: 60)
        print("killed rank: job ended in \(String(format: "%.2f", job.seconds)) s with status \(job.status)")
        #expect(!job.timedOut)
        #expect(job.seconds < 30)
        #expect(job.status != 0)
        let text = job.stdout + job.stderr
        #expect(text.contains("rank 2") && text.contains("signal 9"), "\(text)")
        #expect(job.json == nil, "rank 0 must not report success: \(job.stdout)")
    }

    /// A rank that exits with a status without MPI_Finalize also ends the job.
    @Test func exitingRankEndsTheJobWithAMessage() throws {
        let job = try MPIJob.run(ranks: 2, ["mpi-selftest", "--die-at-rank", "1", "--die-with", "exit"], timeout: 60)
        print("exiting rank: job ended in \(String(format: "%.2f", job.seconds)) s with status \(job.status)")
        #expect(!job.timedOut)
        #expect(job.seconds < 30)
        #expect(job.status != 0)
        #expect((job.stdout + job.stderr).contains("Exit code:    3"), "\(job.stderr)")
        #expect(job.json == nil)
    }

    /// A bad option value on every rank: each rank says why and the job ends.
    @Test func badRankIsRefusedWithAMessage() throws {
        let job = try MPIJob.run(ranks: 2, ["mpi-selftest", "--die-at-rank", "7"], timeout: 60)
        #expect(!job.timedOut)
        #expect(job.status != 0)
        #expect(job.stderr.contains("--die-at-rank 7 is not a rank of this job of 2 ranks"), "\(job.stderr)")
    }

    /// Without mpirun the command runs as one process and libmpi is never mapped into it.
    @Test func withoutMpirunNothingIsLoaded() throws {
        let job = try MPIJob.runAlone(["mpi-selftest"])
        #expect(job.status == 0, "\(job.stderr)")
        let json = try #require(job.json, "\(job.stdout)")
        #expect(json["mpi"] as? Bool == false)
        #expect(json["libmpiLoaded"] as? Bool == false)
    }

    /// The same in this test process, whose environment has no launcher's variables.
    @Test func worldIsNilWithoutALauncher() throws {
        #expect(try Communicator.world(environment: MPIJob.plainEnvironment) == nil)
        #expect(!Communicator.launchedByMPI(environment: MPIJob.plainEnvironment))
        #expect(Communicator.launchedByMPI(environment: ["OMPI_COMM_WORLD_SIZE": "4"]))
        #expect(Communicator.launchedByMPI(environment: ["PMIX_RANK": "0"]))
        #expect(!MPILibrary.isLoaded())
    }
}
