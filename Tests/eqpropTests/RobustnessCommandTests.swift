import Foundation
import Testing
import TestSupport

/// `eqprop robustness` keeps every training as a run folder and continues them with --resume:
/// a sweep of 1 epoch continued to 2 writes the same checkpoints, bit for bit, and the same
/// rows as a sweep that ran 2 epochs at once; a folder that holds a sweep is never trained over
/// without --resume, nor continued with other settings.
@Suite struct RobustnessCommandTests {
    @Test func aContinuedSweepEqualsAnUninterruptedOne() throws {
        guard let data = Eqprop.realDataset() else {
            Issue.record("no MNIST or Fashion-MNIST found (.ci/run installs Fashion-MNIST)")
            return
        }
        let root = Eqprop.temporaryDirectory("robustness-resume")
        func sweep(_ out: String, epochs: Int, _ extra: [String] = []) throws -> CommandResult {
            try Eqprop.run(["robustness", "--hardware", "memristive", "--sweep", "step_spread", "--values", "0,0.3",
                            "--dataset", data.name, "--data", data.folder, "--train-limit", "200", "--test-limit", "100",
                            "--epochs", String(epochs), "--json", "--quiet", "--out", root.appendingPathComponent(out).path] + extra)
        }
        func rows(_ r: CommandResult) -> [[String: Double]] {
            r.stdout.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?
                    .compactMapValues { $0 as? Double }.filter { $0.key != "seconds" }
            }
        }
        let whole = try sweep("whole", epochs: 2)
        #expect(whole.status == 0, "\(whole.stderr.suffix(400))")
        #expect(try sweep("continued", epochs: 1).status == 0)
        let continued = try sweep("continued", epochs: 2, ["--resume"])
        #expect(continued.status == 0, "\(continued.stderr.suffix(400))")
        #expect(rows(whole).count == 2 && rows(continued) == rows(whole))
        for training in ["nominal", "in-situ-0.0", "in-situ-0.3"] {
            let a = try Data(contentsOf: root.appendingPathComponent("whole/\(training)/checkpoint.safetensors"))
            let b = try Data(contentsOf: root.appendingPathComponent("continued/\(training)/checkpoint.safetensors"))
            #expect(a == b, "\(training): the continued training's checkpoint differs")
        }
        let jsonl = try String(contentsOf: root.appendingPathComponent("continued/robustness.jsonl"), encoding: .utf8)
        #expect(jsonl.split(separator: "\n").count == 2)

        let fresh = try sweep("continued", epochs: 2)
        #expect(fresh.status != 0 && fresh.stderr.contains("pass --resume"), "\(fresh.stderr.suffix(400))")
        let other = try sweep("continued", epochs: 2, ["--resume", "--seed", "2"])
        #expect(other.status != 0 && other.stderr.contains("of another sweep"), "\(other.stderr.suffix(400))")
        let fewer = try sweep("continued", epochs: 1, ["--resume"])
        #expect(fewer.status != 0 && fewer.stderr.contains("more than --epochs 1"), "\(fewer.stderr.suffix(400))")
    }
}
