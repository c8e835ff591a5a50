import Foundation
import Testing

/// `eqprop crosscheck` end to end (real ngspice worker processes).
@Suite(.serialized) struct CrosscheckCommandTests {
    /// The contract keys, and the acceptance bound: ≤ 1e-6 V over 20 samples, free and nudged
    /// phases, real-diode preset, up to 784-100-10 (full crossbar decks).
    @Test(arguments: ["64,32,10", "784,100,10"])
    func agreementAndContractKeys(layers: String) throws {
        let r = try Eqprop.run(["crosscheck", "--layers", layers, "--hardware", "hardware/real-diode.json",
                                "--samples", "20", "--seed", "4", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(r.json)
        for key in ["max_abs_diff_volts", "samples", "swift_seconds_per_sample", "ngspice_seconds_per_sample"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        #expect(json["samples"] as? Int == 20)
        let diff = try #require(json["max_abs_diff_volts"] as? Double)
        #expect(diff <= 1e-6, "\(layers): \(diff) V")
        let phases = try #require(json["phases"] as? [[String: Any]])
        #expect(phases.map { $0["phase"] as? String } == ["free", "nudged"])
    }

    @Test func badArgumentsAreRejected() throws {
        for (args, message) in [(["--samples", "0"], "--samples"), (["--beta", "-1"], "--beta"), (["--form", "half"], "--form"),
                                (["--hardware", "hardware/none.json"], "none.json")] {
            let r = try Eqprop.run(["crosscheck", "--layers", "4,2,2"] + args)
            #expect(r.status != 0 && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}
