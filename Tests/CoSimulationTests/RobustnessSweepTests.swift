import Circuit
import CoSimulation
import EqProp
import Foundation
import Testing

/// What the in-situ vs ex-situ sweep builds for each swept value (issue 15, and issue 16's
/// wires): the chip carries the value, and the ex-situ network's nominal hardware is ideal in
/// exactly the swept respect.
@Suite struct RobustnessSweepTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func sweep(_ parameter: RobustnessSweep.Parameter, on name: String) throws -> RobustnessSweep {
        RobustnessSweep(config: try ResistiveTrainingConfig.resolved(preset: "drn-xs", TrainingOverrides(), ResistiveOverrides()),
                        preset: try HardwarePreset.load(name, searchDirectory: Self.root.appendingPathComponent("hardware")), parameter: parameter, values: [0, 64])
    }

    @Test func wireSweepsHaveIdealWiresAsTheirNominal() throws {
        let tiles = try sweep(.tileSize, on: "ideal-mesh")
        #expect(tiles.nominalPreset.wireResistance == 0 && tiles.preset.wireResistance == 1)
        let chip = try tiles.chip(64), untiled = try tiles.chip(0)
        #expect(chip.tileRows == 64 && chip.tileColumns == 64 && chip.wireResistance == 1)
        #expect(untiled.tileRows == 0 && untiled.tileColumns == 0)
        #expect(throws: (any Error).self) { try tiles.chip(2.5) }
        #expect(throws: (any Error).self) { try sweep(.tileSize, on: "ideal").chip(64) }  // no mesh to tile
        #expect(try sweep(.wireResistance, on: "ideal-mesh").nominalPreset.wireResistance == 0)
        // A device sweep keeps the preset's wires (memristive's first-order 1 Ω) in its nominal.
        let devices = try sweep(.stepSpread, on: "memristive")
        #expect(devices.nominalPreset.wireResistance == devices.preset.wireResistance && devices.preset.wireResistance > 0)
    }
}
