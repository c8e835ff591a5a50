import Circuit
import Foundation
import Numerics
import TestSupport

enum TestSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func preset(_ name: String) throws -> HardwarePreset {
        try HardwarePreset.load(name, searchDirectory: root.appendingPathComponent("hardware"))
    }

    static func circuit(_ presetName: String, _ architecture: [Int], seed: UInt64 = 3, scale: Double = 5e-4) throws -> ResistiveCircuit {
        let p = try preset(presetName)
        var rng = SeededGenerator(seed: seed)
        return ResistiveCircuit(network: ResistiveNetwork(architecture: architecture, preset: p, conductanceScale: scale, rng: &rng), preset: p)
    }

    static func conditions(_ circuit: ResistiveCircuit, pixels: [[Double]]) -> CircuitConditions {
        CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: DoubleMatrix(pixels), gain: circuit.preset.inputGain))
    }

    static func temporaryDirectory() -> URL {
        Scratch.directory("circuit")
    }
}
