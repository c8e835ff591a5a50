import Foundation
import Testing
import TestSupport

/// Run folders under faults (issue 13): two writers, a resume on other data, a damaged
/// metrics line, an edited config.json, a kill between the renames of an epoch, a stopped
/// ngspice worker. Real processes throughout (the built `eqprop`, real ngspice workers).
@Suite(.serialized) struct RunFolderCommandTests {
    func dataArgs() throws -> [String] {
        let data = try #require(Eqprop.realDataset(), "no MNIST or Fashion-MNIST found")
        return ["--dataset", data.name, "--data", data.folder]
    }

    /// A `train` started in the background, its output in files (no pipe to fill up).
    final class Background {
        let process = Process()
        let stdout: URL, stderr: URL
        init(_ arguments: [String], logs: URL, directory: URL? = nil) throws {
            stdout = logs.appendingPathComponent("stdout"); stderr = logs.appendingPathComponent("stderr")
            FileManager.default.createFile(atPath: stdout.path, contents: nil)
            FileManager.default.createFile(atPath: stderr.path, contents: nil)
            process.executableURL = Eqprop.executable
            process.arguments = arguments
            process.currentDirectoryURL = directory ?? Eqprop.packageRoot
            process.standardOutput = try FileHandle(forWritingTo: stdout)
            process.standardError = try FileHandle(forWritingTo: stderr)
            try process.run()
        }
        var errorText: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }
        /// Child processes (ngspice workers), from /proc.
        var children: [Int32] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/task")) ?? []
            return tasks.flatMap { task in
                ((try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(task)/children", encoding: .utf8)) ?? "")
                    .split(separator: " ").compactMap { Int32($0) }
            }
        }
    }

    /// Waits up to `seconds` for `condition`, polling every 50 ms.
    func wait(_ seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// A second `train` on a folder that a running one writes is refused at once, naming the
    /// holder; the first finishes with a folder that agrees with itself (its own config).
    @Test func secondWriterIsRefusedNamingTheHolder() throws {
        let dir = Eqprop.temporaryDirectory("two-writers"), out = dir.appendingPathComponent("run")
        let first = try Background(["train"] + dataArgs() + ["--train-limit", "10000", "--test-limit", "200", "--epochs", "2",
                                                             "--out", out.path, "--quiet", "--json"], logs: dir)
        defer { if first.process.isRunning { kill(first.process.processIdentifier, SIGKILL) } }
        let lock = out.appendingPathComponent(".lock")
        #expect(wait(120) { ((try? Data(contentsOf: lock))?.count ?? 0) > 0 }, "the first run never took its lock: \(first.errorText)")
        let second = try Eqprop.run(["train"] + dataArgs() + ["--train-limit", "100", "--test-limit", "50", "--epochs", "1",
                                                              "--beta", "0.2", "--out", out.path, "--quiet"])
        let stillRunning = first.process.isRunning
        first.process.waitUntilExit()
        #expect(stillRunning, "the first run ended before the second started: the test proves nothing")
        #expect(second.status == 64, "status \(second.status)")
        #expect(second.stderr.contains("being written by another run") && second.stderr.contains("process \(first.process.processIdentifier)")
                && second.stderr.contains("started 20"), "\(second.stderr)")
        #expect(first.process.terminationStatus == 0, "\(first.errorText)")
        let config = try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("\"beta\" : 0.5") && config.contains("\"epochs\" : 2"), "config.json is not the first run's: \(config)")
        #expect(try Data(contentsOf: lock).isEmpty, "a finished run empties its lock file")
    }

    /// Without --out, a run started while another writes the default folder takes the next
    /// default name instead of being refused.
    @Test func secondRunWithoutOutTakesTheNextDefaultFolder() throws {
        let cwd = Eqprop.temporaryDirectory("default-busy")
        // Long enough (20 epochs) to be still running when the second run ends; stopped then.
        let first = try Background(["train"] + dataArgs() + ["--train-limit", "10000", "--test-limit", "200", "--epochs", "20", "--quiet"],
                                   logs: cwd, directory: cwd)
        defer { if first.process.isRunning { kill(first.process.processIdentifier, SIGKILL) } }
        let lock = cwd.appendingPathComponent("runs/paper-small-seed1/.lock")
        #expect(wait(120) { ((try? Data(contentsOf: lock))?.count ?? 0) > 0 }, "the first run never took its lock: \(first.errorText)")
        let second = try Eqprop.run(["train"] + dataArgs() + ["--train-limit", "100", "--test-limit", "50", "--epochs", "1", "--quiet"], in: cwd)
        let stillRunning = first.process.isRunning
        if stillRunning { kill(first.process.processIdentifier, SIGTERM) }
        first.process.waitUntilExit()
        #expect(stillRunning, "the first run ended before the second started: the test proves nothing (\(first.errorText))")
        #expect(second.status == 0 && second.stdout.contains("runs/paper-small-seed1-2"), "\(second.stderr)")
    }

    /// The lock file of a killed run (its holder line still there, no process holding it) is
    /// taken over with a note naming the old holder.
    @Test func lockOfADeadRunIsTakenOver() throws {
        let out = Eqprop.temporaryDirectory("stale-lock")
        let common = ["train"] + (try dataArgs()) + ["--train-limit", "100", "--test-limit", "50", "--out", out.path, "--quiet"]
        #expect(try Eqprop.run(common + ["--epochs", "1"]).status == 0)
        try Data(#"{"pid":999999,"host":"elsewhere","started":"2026-01-01T00:00:00Z","command":"eqprop train"}"#.utf8)
            .write(to: out.appendingPathComponent(".lock"))
        let r = try Eqprop.run(["train", "--resume", "--epochs", "2", "--out", out.path, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("process 999999 on host elsewhere") && r.stderr.contains("takes it over"), "\(r.stderr)")
    }

    /// data.json: a resume without data flags trains on the run's own data, bit for bit as an
    /// uninterrupted run (from a folder where no data set would be found); a flag that says
    /// otherwise is refused and changes nothing.
    @Test func resumeTrainsOnTheRunsOwnData() throws {
        let common = ["train"] + (try dataArgs()) + ["--train-limit", "300", "--test-limit", "100", "--seed", "4", "--quiet"]
        let straight = Eqprop.temporaryDirectory("data-straight"), resumed = Eqprop.temporaryDirectory("data-resumed")
        #expect(try Eqprop.run(common + ["--epochs", "2", "--out", straight.path]).status == 0)
        #expect(try Eqprop.run(common + ["--epochs", "1", "--out", resumed.path]).status == 0)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: resumed.appendingPathComponent("data.json"))) as? [String: Any])
        #expect(record["train_limit"] as? Int == 300 && record["test_limit"] as? Int == 100 && record["train_samples"] as? Int == 300)
        let checkpoint = resumed.appendingPathComponent("checkpoint.safetensors")
        let before = try Data(contentsOf: checkpoint)
        let otherDataset = Eqprop.realDataset()?.name == "mnist" ? "fashion-mnist" : "mnist"
        for flags in [["--train-limit", "200"], ["--test-limit", "50"], ["--dataset", otherDataset], ["--data", "/tmp"]] {
            let r = try Eqprop.run(["train", "--resume", "--epochs", "2", "--out", resumed.path, "--quiet"] + flags)
            #expect(r.status != 0 && r.stderr.contains(flags[0]) && r.stderr.contains("data.json"), "\(flags): \(r.stderr)")
            #expect(try Data(contentsOf: checkpoint) == before)
        }
        let nowhere = Eqprop.temporaryDirectory("no-data")
        let r = try Eqprop.run(["train", "--resume", "--epochs", "2", "--out", resumed.path, "--quiet"],
                               environment: ["EQPROP_DATA": nowhere.path], in: nowhere)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: straight.appendingPathComponent("checkpoint.safetensors")) == Data(contentsOf: checkpoint))
    }

    /// One invalid UTF-8 byte in metrics.jsonl: the resume warns naming the file and line, and
    /// keeps that line byte for byte with the others.
    @Test func damagedMetricsLineIsReportedAndKept() throws {
        let out = Eqprop.temporaryDirectory("metrics")
        #expect(try Eqprop.run(["train"] + dataArgs() + ["--train-limit", "100", "--test-limit", "50", "--epochs", "2",
                                                         "--out", out.path, "--quiet"]).status == 0)
        let metrics = out.appendingPathComponent("metrics.jsonl")
        var bytes = try Data(contentsOf: metrics)
        bytes[bytes.startIndex + 3] = 0xFF
        try bytes.write(to: metrics)
        let r = try Eqprop.run(["train", "--resume", "--epochs", "3", "--out", out.path, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("\(metrics.path) line 1: not valid UTF-8"), "\(r.stderr)")
        let after = try Data(contentsOf: metrics)
        #expect(after.prefix(bytes.count) == bytes, "the first two lines must be kept byte for byte")
        #expect(after.split(separator: 0x0A).count == 3)
    }

    /// config.json states the run's configuration: an edit is refused (naming the key), not
    /// silently ignored; without the file the resume rewrites it, with the new epoch count.
    @Test func editedConfigIsRefusedAndRewritten() throws {
        let out = Eqprop.temporaryDirectory("config-edit")
        #expect(try Eqprop.run(["train"] + dataArgs() + ["--train-limit", "100", "--test-limit", "50", "--epochs", "1",
                                                         "--out", out.path, "--quiet"]).status == 0)
        let config = out.appendingPathComponent("config.json")
        let original = try String(contentsOf: config, encoding: .utf8)
        try original.replacingOccurrences(of: "\"lambda\" : 0.1", with: "\"lambda\" : 0.3").write(to: config, atomically: true, encoding: .utf8)
        let r = try Eqprop.run(["train", "--resume", "--epochs", "2", "--out", out.path, "--quiet"])
        #expect(r.status != 0 && r.stderr.contains("config.json was edited (lambda differs"), "\(r.stderr)")
        try FileManager.default.removeItem(at: config)
        let again = try Eqprop.run(["train", "--resume", "--epochs", "2", "--out", out.path, "--quiet"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOf: config, encoding: .utf8) == original.replacingOccurrences(of: "\"epochs\" : 1", with: "\"epochs\" : 2"))
    }

    /// A kill between the renames of an epoch's commit leaves the network file one epoch ahead
    /// of the checkpoint (and maybe a temporary file): the resume removes the temporary file,
    /// rewrites the network file from the checkpoint with a warning, and ends bit-identical to
    /// an uninterrupted run.
    @Test func networkFileAheadOfTheCheckpointIsRepaired() throws {
        let common = ["train", "--preset", "drn-xs", "--quiet"] + (try dataArgs()) + ["--train-limit", "200", "--test-limit", "50", "--seed", "2"]
        let straight = Eqprop.temporaryDirectory("commit-straight"), cut = Eqprop.temporaryDirectory("commit-cut")
        #expect(try Eqprop.run(common + ["--epochs", "2", "--out", straight.path]).status == 0)
        #expect(try Eqprop.run(common + ["--epochs", "1", "--out", cut.path]).status == 0)
        let network = "network.drn.safetensors"
        try FileManager.default.removeItem(at: cut.appendingPathComponent(network))
        try FileManager.default.copyItem(at: straight.appendingPathComponent(network), to: cut.appendingPathComponent(network))
        let temporary = cut.appendingPathComponent(".checkpoint.safetensors.tmp-4242")
        try Data("half a checkpoint".utf8).write(to: temporary)
        let r = try Eqprop.run(["train", "--resume", "--epochs", "2", "--out", cut.path, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("\(network) did not hold epoch 1 of the checkpoint"), "\(r.stderr)")
        #expect(r.stderr.contains("removed 1 temporary file") && !FileManager.default.fileExists(atPath: temporary.path), "\(r.stderr)")
        for file in ["checkpoint.safetensors", network] {
            #expect(try Data(contentsOf: straight.appendingPathComponent(file)) == Data(contentsOf: cut.appendingPathComponent(file)), "\(file)")
        }
    }

    /// A stopped ngspice worker (SIGSTOP: alive, silent) is found by the adaptive timeout in
    /// seconds, killed and restarted, its job run again; the restart is logged on stderr and
    /// counted in metrics.jsonl. Training takes ~10 s undisturbed (1,000 samples on 2 cores), so
    /// the stop lands in training, not after it.
    @Test func stoppedWorkerIsReplacedWithinSeconds() throws {
        let dir = Eqprop.temporaryDirectory("stopped"), out = dir.appendingPathComponent("run")
        let start = Date()
        let run = try Background(["train", "--preset", "drn-xs", "--solver", "ngspice", "--workers", "2"] + dataArgs()
                                 + ["--train-limit", "1000", "--test-limit", "50", "--epochs", "1", "--out", out.path, "--quiet", "--json"],
                                 logs: dir)
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        #expect(wait(120) { run.children.count == 2 }, "no workers: \(run.errorText)")
        usleep(1_500_000)  // jobs have completed: the adaptive timeout is in force
        let victim = try #require(run.children.first)
        defer { kill(victim, SIGKILL) }
        #expect(kill(victim, SIGSTOP) == 0)
        let stopped = Date()
        #expect(wait(60) { run.errorText.contains("restarted") }, "no restart logged: \(run.errorText)")
        let detection = Date().timeIntervalSince(stopped)
        run.process.waitUntilExit()
        let total = Date().timeIntervalSince(start)
        #expect(run.process.terminationStatus == 0, "\(run.errorText)")
        #expect(run.errorText.contains("ngspice worker process \(victim)") && run.errorText.contains("(hung or stopped)"), "\(run.errorText)")
        #expect(detection < 15, "the stopped worker was found after \(detection) s")
        #expect(total < 120, "the run took \(total) s")
        let metrics = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        let epoch = try #require(try JSONSerialization.jsonObject(with: Data(metrics.utf8)) as? [String: Any])
        #expect((epoch["worker_restarts"] as? Int ?? 0) >= 1, "\(metrics)")
    }
}
