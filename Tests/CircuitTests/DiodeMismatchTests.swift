import Circuit
import Foundation
import Numerics
import Testing
import TestSupport

/// Diode mismatch (issue 15): every clamp diode of a chip has its own IS and N, drawn from the
/// chip seed; decks carry one model card per diode, and stock `ngspice -b` agrees with the
/// Swift solver on such a chip node by node.
@Suite(.serialized) struct DiodeMismatchTests {
    static func chip(two sided: Bool, spreads: (Double, Double) = (1.0, 0.1), seed: UInt64 = 3) throws -> HardwarePreset {
        var p = try TestSupport.preset("real-diode")
        p.device.diodeSaturationSpread = spreads.0
        p.device.diodeEmissionSpread = spreads.1
        p.device.chipSeed = seed
        if sided { p.clamp = .twoSided; p.clampLow = -0.5; p.clampHigh = 0.5 }
        try p.validate()
        return p
    }

    @Test func diodesArePureFunctionsOfTheSeedWithTheStatedSpread() throws {
        let p = try Self.chip(two: false)
        let a = try #require(DeviceChip(device: p.device, preset: p, crossbarShapes: [(rows: 8, columns: 2000)], layerSizes: [2000]))
        let b = try #require(DeviceChip(device: p.device, preset: p, crossbarShapes: [(rows: 8, columns: 2000)], layerSizes: [2000]))
        #expect(a.diodes == b.diodes && a.diodes[0].count == 4000)
        let logs = a.diodes[0].map { log($0.saturationCurrent / p.diodeCard.saturationCurrent) }
        let mean = logs.reduce(0, +) / 4000, sd = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4000).squareRoot()
        #expect(abs(mean) < 0.05 && abs(sd - 1) < 0.05, "ln IS: mean \(mean), sd \(sd)")
        let n = a.diodes[0].map { $0.emissionCoefficient / p.diodeCard.emissionCoefficient }
        let nMean = n.reduce(0, +) / 4000, nSD = (n.reduce(0) { $0 + ($1 - nMean) * ($1 - nMean) } / 4000).squareRoot()
        #expect(abs(nMean - 1) < 0.01 && abs(nSD - 0.1) < 0.01, "N: mean \(nMean), sd \(nSD)")
        var other = p.device
        other.chipSeed = 4
        #expect(DeviceChip(device: other, preset: p, crossbarShapes: [(rows: 8, columns: 2000)], layerSizes: [2000])!.diodes != a.diodes)
        // Cells stay ideal: diode mismatch alone neither programs nor spreads them.
        #expect(a.crossbars[0].stepScale.isEmpty && a.crossbars[0].stuck.isEmpty && p.device.isIdealRounding)
    }

    /// 30-12-8-4 with one-sided and two-sided clamps, free and nudged: every free node within
    /// 1e-6 V of stock ngspice, one model card per diode, and the mismatch moves the fixed point
    /// (so that a side which ignored it could not agree).
    @Test(arguments: [false, true])
    func ngspiceSimulatesTheSameChip(twoSided: Bool) throws {
        let p = try Self.chip(two: twoSided)
        var rng = SeededGenerator(seed: 11)
        let network = ResistiveNetwork(architecture: [30, 12, 8, 4], preset: p, conductanceScale: 2e-4, rng: &rng)
        let circuit = ResistiveCircuit(network: network, preset: p)
        var nominalPreset = p
        nominalPreset.device = DeviceModel()
        let nominal = ResistiveCircuit(network: network, preset: nominalPreset)
        let u = CircuitConditions.inputVoltages(pixels: (0..<30).map { _ in rng.uniform(0, 1) }, gain: p.inputGain)
        for phase in [DeckRequest.Phase.free, .nudged(beta: 1e-4, label: 1, targetVolts: 1, asConductance: false)] {
            var request = DeckRequest(circuit: circuit, inputVoltages: u)
            request.phase = phase
            let built = try request.build()
            let diodes = (twoSided ? 2 : 1) * 20
            #expect(built.netlist.diodeModels.count == diodes && Set(built.netlist.diodeModels.map(\.name)).count == diodes)
            let run = try NgspiceBatchRun.run(deck: built.deck)
            #expect(run.errorLines.isEmpty, "\(run.errorLines)")
            var worst = 0.0
            for (node, v) in built.swiftVoltages {
                guard let ng = run.voltages[node] else { Issue.record("ngspice printed no v(\(node))"); continue }
                worst = max(worst, abs(ng - v))
            }
            #expect(worst <= 1e-6, "two-sided \(twoSided), \(phase): max |ΔV| = \(worst) V")
            print("diode mismatch, two-sided \(twoSided), \(phase): max |dV| \(worst) V over \(built.swiftVoltages.count) nodes")
            var nominalRequest = DeckRequest(circuit: nominal, inputVoltages: u)
            nominalRequest.phase = phase
            let shift = try nominalRequest.build().swiftVoltages.map { abs($0.value - built.swiftVoltages[$0.key]!) }.max()!
            #expect(shift > 1e-5, "the mismatch moved no node by more than \(shift) V")  // ten times the agreement asked
        }
    }
}
