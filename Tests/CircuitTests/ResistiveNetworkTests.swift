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

    /// The two draws of a fresh crossbar at s = scale/√rows: `uniform` fills (G_min, G_min + s]
    /// with mean s/2; `clipped` (the reference DRN code's) puts half the cells at G_min and the
    /// rest in (G_min, G_min + s], mean s/4. 1568 × 1024 cells: the fractions and means below
    /// hold to ~5 standard errors (σ of the fraction at G_min ≈ 4e-4, of the mean ≈ 3e-4 s).
    @Test func freshCrossbarDraws() throws {
        let preset = try TestSupport.preset("ideal")
        let s = 1e-4 / Double(1568).squareRoot(), gMin = preset.conductanceMin
        for initialization in ConductanceInitialization.allCases {
            var rng = SeededGenerator(seed: 7)
            let net = ResistiveNetwork(architecture: [784, 1024, 10], preset: preset, conductanceScale: 1e-4,
                                       initialization: initialization, rng: &rng)
            let g = net.conductances[0].elements
            #expect(g.allSatisfy { $0 >= gMin && $0 <= gMin + s })
            let atMinimum = Double(g.filter { $0 == gMin }.count) / Double(g.count)
            let mean = g.reduce(0) { $0 + ($1 - gMin) } / Double(g.count) / s
            switch initialization {
            case .uniform:
                #expect(atMinimum < 1e-4)
                #expect(abs(mean - 0.5) < 0.002)
            case .clipped:
                #expect(abs(atMinimum - 0.5) < 0.002)
                #expect(abs(mean - 0.25) < 0.002)
            }
            var again = SeededGenerator(seed: 7)
            #expect(ResistiveNetwork(architecture: [784, 1024, 10], preset: preset, conductanceScale: 1e-4,
                                     initialization: initialization, rng: &again) == net)
        }
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
