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

    /// A network trained on continuous hardware, programmed onto 64-level memristive hardware:
    /// every conductance lands on the nearest level within the window, none moves by more than
    /// half a level (or its distance to the window).
    @Test func programmingOntoLevelsRoundsToTheNearestLevel() throws {
        let continuous = try TestSupport.circuit("ideal", [6, 4, 3], seed: 12, scale: 4e-5).network
        let memristive = try TestSupport.preset("memristive")
        #expect(continuous.unprogrammableCount(on: memristive) > 0)
        let programmed = continuous.programmed(onto: memristive)
        #expect(programmed.unprogrammableCount(on: memristive) == 0)
        try programmed.validate(against: memristive)
        let level = (memristive.conductanceMax - memristive.conductanceMin) / Double(memristive.conductanceLevels - 1)
        for (a, b) in zip(continuous.conductances, programmed.conductances) {
            for (g, p) in zip(a.elements, b.elements) {
                let clipped = min(max(g, memristive.conductanceMin), memristive.conductanceMax)
                #expect(abs(p - clipped) <= level / 2 * (1 + 1e-12), "\(g) S programmed to \(p) S")
            }
        }
    }

    @Test func oneSidedClampsNeedEvenHiddenLayers() throws {
        let p = try TestSupport.preset("ideal")
        var rng = SeededGenerator(seed: 1)
        let net = ResistiveNetwork(architecture: [2, 5, 1], preset: p, conductanceScale: 1e-4, rng: &rng)
        #expect { try net.validate(against: p) } throws: { "\($0)".contains("even") }
    }
}
