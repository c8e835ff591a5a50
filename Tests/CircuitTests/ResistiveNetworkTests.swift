import Circuit
import Foundation
import Numerics
import Reporting
import Testing

@Suite struct ResistiveNetworkTests {
    @Test func badConductancesAreNamedByCell() throws {
        let c = try TestSupport.circuit("real-diode", [3, 4, 2])
        for (value, words) in [(-1e-6, "non-positive"), (0.0, "non-positive"), (Double.nan, "non-finite"),
                               (Double.infinity, "non-finite"), (1.0, "outside preset")] {
            var net = c.network
            net.conductances[0][4, 2] = value
            #expect { try net.validate(against: c.preset) } throws: {
                "\($0)".contains("crossbar 1 cell (x1n, h1_2)") && "\($0)".contains(words)
            }
        }
        var net = c.network
        net.biasToNegativeRail[1][1] = -3
        #expect { try net.validate(against: c.preset) } throws: { "\($0)".contains("bias of node o1 to the − rail") }
    }

    @Test func fileRoundTripAndTampering() throws {
        let c = try TestSupport.circuit("memristive", [5, 4, 3])
        let url = TestSupport.temporaryDirectory().appendingPathComponent("n.drn.safetensors")
        try c.network.write(to: url)
        #expect(try ResistiveNetwork(contentsOf: url) == c.network)
        var file = c.network.safeTensors()
        file.metadata["architecture"] = "5,6,3"
        #expect { try ResistiveNetwork(file, path: "x") } throws: { "\($0)".contains("crossbar.0") && "\($0)".contains("5,6,3") }
        file = c.network.safeTensors()
        file.metadata["version"] = "9"
        #expect { try ResistiveNetwork(file, path: "x") } throws: { "\($0)".contains("version 9") }
        file = c.network.safeTensors()
        file.metadata["format"] = "other"
        #expect(throws: CircuitError.self) { try ResistiveNetwork(file, path: "x") }
    }

    @Test func oneSidedClampsNeedEvenHiddenLayers() throws {
        let p = try TestSupport.preset("ideal")
        var rng = SeededGenerator(seed: 1)
        let net = ResistiveNetwork(architecture: [2, 5, 1], preset: p, conductanceScale: 1e-4, rng: &rng)
        #expect { try net.validate(against: p) } throws: { "\($0)".contains("even") }
    }
}
