import Datasets
import Foundation
import Testing

/// `eqprop gradcheck` and `eqprop figures` end to end.
@Suite(.serialized) struct GradCheckCommandTests {
    @Test(arguments: [["--model", "hopfield", "--layers", "49,30,10"],
                      ["--model", "resistive", "--layers", "49,20,10", "--hardware", "hardware/real-diode.json"],
                      ["--model", "resistive", "--layers", "49,20,10", "--hardware", "hardware/ideal.json"]])
    func contract(args: [String]) throws {
        let r = try Eqprop.run(["gradcheck"] + args + ["--seed", "3", "--beta", "0.001", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        let cosine = try #require(json["cosine_eqprop_rbp"] as? Double)
        let rel = try #require(json["rel_error_eqprop_rbp"] as? Double)
        let fd = try #require(json["rel_error_rbp_finite_diff"] as? Double)
        #expect(cosine >= 0.99999 && rel <= 1e-4 && fd <= 1e-5, "\(args): cos \(cosine), rel \(rel), fd \(fd)")
        let temporal = try #require(json["temporal_max_relative_difference"] as? Double)
        #expect(temporal <= 1e-3)
    }

    @Test(arguments: [(["--beta", "0"], "--beta"), (["--beta", "nan"], "--beta"), (["--model", "ising"], "--model"),
                      (["--betas", "0.1,-1"], "--betas"), (["--sample", "-1"], "--sample")])
    func badInput(extra: [String], flag: String) throws {
        let r = try Eqprop.run(["gradcheck", "--layers", "9,6,3"] + extra)
        #expect(r.status != 0 && r.stderr.contains(flag), "\(extra): \(r.stderr)")
    }

    /// `--run`: the trained network of a run, Hopfield and resistive, run from a folder other
    /// than the package (the run's preset is found by name). The contract's thresholds hold.
    @Test(arguments: [["--layers", "784,20,10"], ["--preset", "drn-xs", "--layers", "784,20,10"]])
    func trainedRunFromAnotherFolder(trainArgs: [String]) throws {
        let data = try #require(Eqprop.realDataset())
        let elsewhere = Eqprop.temporaryDirectory("gradcheck-run")
        let run = elsewhere.appendingPathComponent("run")
        let d = ["--dataset", data.name, "--data", data.folder]
        let trained = try Eqprop.run(["train"] + trainArgs + d + ["--train-limit", "500", "--test-limit", "100", "--epochs", "1",
                                                                  "--out", run.path, "--quiet"], in: elsewhere)
        #expect(trained.status == 0, "\(trained.stderr)")
        let r = try Eqprop.run(["gradcheck", "--run", run.path, "--json"] + d, in: elsewhere)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        let cosine = try #require(json["cosine_eqprop_rbp"] as? Double)
        let rel = try #require(json["rel_error_eqprop_rbp"] as? Double)
        let fd = try #require(json["rel_error_rbp_finite_diff"] as? Double)
        #expect(cosine >= 0.99999 && rel <= 1e-4 && fd <= 1e-5, "\(trainArgs): cos \(cosine), rel \(rel), fd \(fd)")
        let both = try Eqprop.run(["gradcheck", "--run", run.path, "--layers", "784,20,10"] + d, in: elsewhere)
        #expect(both.status != 0 && both.stderr.contains("--layers"))
    }

    /// A trained 784-20-10 circuit on Fashion-MNIST test sample 0 has every hidden unit
    /// clamped: layer 1 has no gradient, is reported as flat and left out of the summary, and
    /// layer 2 is compared (measured: rel 2.9e-11, finite differences 8.1e-10).
    @Test func layerWithoutGradientIsReportedAndLeftOut() throws {
        let fashion = try #require(try? DatasetLocator.locate(.fashionMNIST, explicitDirectory: nil,
                                                              environment: ProcessInfo.processInfo.environment),
                                   "Fashion-MNIST (Debian's dataset-fashion-mnist) not found")
        let run = Eqprop.temporaryDirectory("flat").appendingPathComponent("run")
        let d = ["--dataset", "fashion-mnist", "--data", fashion.path]
        #expect(try Eqprop.run(["train", "--preset", "drn-xs", "--layers", "784,20,10", "--train-limit", "500", "--test-limit", "100",
                                "--epochs", "1", "--out", run.path, "--quiet"] + d).status == 0)
        let r = try Eqprop.run(["gradcheck", "--run", run.path, "--json"] + d)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        let text = try Eqprop.run(["gradcheck", "--run", run.path] + d)
        #expect(text.stdout.contains("layer 1 (31400 parameters): no gradient"), "\(text.stdout)")
        let cosine = try #require(json["cosine_eqprop_rbp"] as? Double)
        let fd = try #require(json["rel_error_rbp_finite_diff"] as? Double)
        #expect(cosine >= 0.99999 && fd <= 1e-5, "cos \(cosine), fd \(fd)")
    }

    @Test func sampleBeyondTheTestSetIsNamed() throws {
        let data = try #require(Eqprop.realDataset())
        let r = try Eqprop.run(["gradcheck", "--layers", "49,6,10", "--dataset", data.name, "--data", data.folder,
                                "--sample", "10000000"])
        #expect(r.status != 0 && r.stderr.contains("--sample"), "\(r.stderr)")
    }

    @Test func figureOneQuickWritesChartsAndData() throws {
        let out = Eqprop.temporaryDirectory("figures")
        let r = try Eqprop.run(["figures", "--figure", "1", "--quick", "--out", out.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        for file in ["figure-1-loss.svg", "figure-1-alignment.svg", "figure-1.csv"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let json = try #require(r.json)
        #expect((json["final_global_loss_local"] as? Double ?? 1) < 0.05)
        let bad = try Eqprop.run(["figures", "--figure", "7", "--out", out.path])
        #expect(bad.status != 0 && bad.stderr.contains("--figure"))
        let chart = try Data(contentsOf: out.appendingPathComponent("figure-1-loss.svg"))
        let again = try Eqprop.run(["figures", "--figure", "1", "--quick", "--out", out.path])
        #expect(again.status != 0 && again.stderr.contains("--force"), "\(again.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("figure-1-loss.svg")) == chart)
    }
}
