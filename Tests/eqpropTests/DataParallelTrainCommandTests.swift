import Foundation
import TestSupport
import Testing

/// `mpirun -np N eqprop train` (issue 17): data-parallel training of a deep resistive network
/// in real Open MPI jobs, oversubscribed on this machine. The same global batch and seed give
/// the same bits for any rank count; a killed rank ends the job and a resume with another rank
/// count reaches the uninterrupted run's checkpoint; bad jobs are refused before anything is
/// written.
@Suite(.serialized) struct DataParallelTrainCommandTests {
    func dataArgs(train: Int) throws -> [String] {
        let data = try #require(Eqprop.realDataset(), "no MNIST or Fashion-MNIST found")
        return ["--dataset", data.name, "--data", data.folder, "--train-limit", String(train), "--test-limit", "100"]
    }

    func train(_ out: URL, epochs: Int = 1, samples: Int = 2000, extra: [String] = []) throws -> [String] {
        ["train", "--preset", "drn-xs", "--epochs", String(epochs), "--quiet", "--json", "--out", out.path] + (try dataArgs(train: samples)) + extra
    }

    func checkpoint(_ out: URL) throws -> Data {
        try Data(contentsOf: out.appendingPathComponent("checkpoint.safetensors"))
    }

    /// With `--momentum` too: the velocities are part of the state every rank updates alike.
    @Test(arguments: [[], ["--momentum", "0.9"]])
    func oneTwoAndFourRanksWriteTheSameCheckpoint(extra: [String]) throws {
        var checkpoints: [Int: Data] = [:]
        for ranks in [1, 2, 4] {
            let out = Eqprop.temporaryDirectory("mpi\(ranks)")
            let job = try MPIJob.run(ranks: ranks, try train(out, extra: extra), timeout: 300)
            #expect(job.status == 0 && !job.timedOut, "\(ranks) ranks: \(job.stderr)")
            let json = try #require(job.json, "\(ranks) ranks: \(job.stdout) \(job.stderr)")
            #expect(json["epochs"] as? Int == 1)
            // Only rank 0 reports: one JSON line, not one per rank.
            #expect(job.stdout.split(separator: "\n").count == 1, "\(job.stdout)")
            checkpoints[ranks] = try checkpoint(out)
            print("\(ranks) rank(s): \(String(format: "%.1f", job.seconds)) s, test error \(json["test_error_relaxed"] ?? "?")")
        }
        #expect(checkpoints[1] != nil && checkpoints[1] == checkpoints[2] && checkpoints[2] == checkpoints[4],
                "the checkpoints of 1, 2 and 4 ranks differ")
    }

    /// SIGKILL to rank 1 after the first epoch's checkpoint: mpirun ends the job with a message
    /// naming the rank; a resume with 1 rank writes the checkpoint an uninterrupted 2-rank run writes.
    @Test func killedRankEndsTheJobAndAResumeWithOtherRanksMatches() throws {
        let killed = Eqprop.temporaryDirectory("mpikill")
        let mpirun = try #require(MPIJob.mpirun)
        let process = Process()
        process.executableURL = mpirun
        process.arguments = ["--oversubscribe", "-np", "2", MPIJob.eqprop.path] + (try train(killed, epochs: 3, samples: 1000))
        process.environment = MPIJob.mpirunEnvironment
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let metrics = killed.appendingPathComponent("metrics.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? String(contentsOf: metrics, encoding: .utf8)) ?? "").isEmpty { usleep(100_000) }
        let rank1 = try #require(Self.rankProcess(1, commandContaining: killed.path), "rank 1 of the job not found")
        let killedAt = Date()
        kill(rank1, SIGKILL)
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(killedAt)
        print("killed rank 1: the job ended \(String(format: "%.2f", seconds)) s later with status \(process.terminationStatus)")
        #expect(seconds < 30)
        #expect(process.terminationStatus != 0)
        #expect(text.contains("rank 1") && text.contains("signal 9"), "\(text)")

        let resumed = try MPIJob.run(ranks: 1, ["train", "--resume", "--out", killed.path, "--epochs", "2", "--quiet", "--json"], timeout: 300)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let whole = Eqprop.temporaryDirectory("mpiwhole")
        let uninterrupted = try MPIJob.run(ranks: 2, try train(whole, epochs: 2, samples: 1000), timeout: 300)
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        #expect(try checkpoint(killed) == checkpoint(whole), "the resumed run's checkpoint differs from the uninterrupted run's")
    }

    /// The process of rank `rank` of a running job whose command line contains `text`.
    static func rankProcess(_ rank: Int, commandContaining text: String) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                  let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")),
                  let environment = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/environ")) else { continue }
            let argv = String(decoding: command, as: UTF8.self).split(separator: "\0")
            guard argv.first?.hasSuffix("eqprop") == true, argv.contains(where: { $0.contains(text) }) else { continue }
            if String(decoding: environment, as: UTF8.self).split(separator: "\0").contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }

    /// Each refusal: status 64 (EX_USAGE, as without mpirun), one message from rank 0 naming the
    /// cause, no run folder.
    func expectRefused(_ job: MPIJob, _ out: URL, saying text: String) {
        #expect(job.status == 64 && !job.timedOut, "status \(job.status)")
        #expect(job.stderr.contains(text), "\(job.stderr)")
        #expect(job.stderr.components(separatedBy: "Error:").count == 2, "one message, from rank 0: \(job.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "\(out.path) was written")
    }

    @Test func badJobsAreRefusedBeforeAnythingIsWritten() throws {
        let out = Eqprop.temporaryDirectory("mpibad").appendingPathComponent("run")
        expectRefused(try MPIJob.run(ranks: 3, try train(out)), out, saying: "--batch-size 4 cannot be shared by 3 MPI ranks")
        expectRefused(try MPIJob.run(ranks: 4, try train(out, extra: ["--batch-size", "2"])), out,
                      saying: "4 MPI ranks for a batch of 2 samples")
        expectRefused(try MPIJob.run(ranks: 2, try train(out, extra: ["--preset", "paper-small"])), out,
                      saying: "data-parallel training under mpirun covers deep resistive networks")
        // Ranks started with other flags, or in another working directory.
        let quoted = try train(out).map { "'\($0)'" }.joined(separator: " ")
        let sh = URL(fileURLWithPath: "/bin/sh")
        let seeds = try MPIJob.run(ranks: 2, ["-c", "exec '\(MPIJob.eqprop.path)' \(quoted) --seed $((1 + OMPI_COMM_WORLD_RANK))"], program: sh)
        expectRefused(seeds, out, saying: "MPI rank 1 resolved another configuration")
        let places = try MPIJob.run(ranks: 2, ["-c", "[ $OMPI_COMM_WORLD_RANK = 1 ] && cd /tmp; exec '\(MPIJob.eqprop.path)' \(quoted)"], program: sh)
        expectRefused(places, out, saying: "MPI rank 1 resolved another configuration")
        // A mistake only rank 1 makes: rank 0 reports it, and the job exits with rank 1's status.
        let betas = try MPIJob.run(ranks: 2, ["-c", "exec '\(MPIJob.eqprop.path)' \(quoted) --beta $((1 - OMPI_COMM_WORLD_RANK))"], program: sh)
        expectRefused(betas, out, saying: "rank 1: --beta must be in (0, 1000]")
    }

    /// A second job on a run folder that a running job is writing is refused, and the first one finishes.
    @Test func aFolderInUseIsRefused() throws {
        let out = Eqprop.temporaryDirectory("mpibusy").appendingPathComponent("run")
        let mpirun = try #require(MPIJob.mpirun)
        let first = Process()
        first.executableURL = mpirun
        // Two epochs of 2,000 samples take 0.4 s on this machine, less than the second job's
        // start; 30 epochs (~6 s) keep the first job busy until the second one has been refused.
        first.arguments = ["--oversubscribe", "-np", "2", MPIJob.eqprop.path] + (try train(out, epochs: 30))
        first.environment = MPIJob.mpirunEnvironment
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !FileManager.default.fileExists(atPath: out.path) { usleep(50_000) }
        usleep(500_000)
        let second = try MPIJob.run(ranks: 2, ["train", "--resume", "--out", out.path, "--quiet"])
        let overlapped = first.isRunning
        first.waitUntilExit()
        try #require(overlapped, "the first job ended before the second one did: the test needs a longer first job")
        #expect(second.status == 64, "status \(second.status): \(second.stderr)")
        #expect(second.stderr.contains("is being written by another run"), "\(second.stderr)")
        #expect(first.terminationStatus == 0)
    }

    /// `crosscheck` under mpirun: each rank checks its share of the samples, rank 0 reports all
    /// of them, as one process would.
    @Test func crosscheckSplitsTheSamplesOverRanks() throws {
        let args = ["crosscheck", "--layers", "784,20,10", "--samples", "6", "--form", "norton", "--workers", "1", "--json", "--quiet"]
        let alone = try MPIJob.runAlone(args)
        let split = try MPIJob.run(ranks: 2, args)
        for job in [alone, split] {
            #expect(job.status == 0, "\(job.stderr)")
            #expect(job.stdout.split(separator: "\n").count == 1, "one report: \(job.stdout)")
            let json = try #require(job.json)
            #expect(json["samples"] as? Int == 6)
            let phases = try #require(json["phases"] as? [[String: Any]])
            #expect(phases.count == 2)
            for p in phases {
                #expect((p["max_abs_diff_volts"] as? Double ?? 1) < 1e-9, "\(p)")
                #expect((0..<6).contains(p["worst_sample"] as? Int ?? -1))
            }
        }
        let tooFew = try MPIJob.run(ranks: 4, ["crosscheck", "--layers", "784,20,10", "--samples", "3", "--form", "norton", "--workers", "1", "--quiet"])
        #expect(tooFew.status == 64, "status \(tooFew.status)")
        #expect(tooFew.stderr.contains("--samples 3 for 4 MPI ranks"), "\(tooFew.stderr)")
    }
}
