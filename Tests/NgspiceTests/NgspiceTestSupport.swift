import Circuit
import Foundation
import Numerics

enum NgspiceTestSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func preset(_ name: String) throws -> HardwarePreset {
        try HardwarePreset.load(name, searchDirectory: root.appendingPathComponent("hardware"))
    }

    /// The built `eqprop` executable next to the test bundle (worker processes run it).
    static let executable: URL = {
        let dir = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        return dir.appendingPathComponent("eqprop")
    }()

    static func deckLines(_ circuit: ResistiveCircuit, _ conditions: CircuitConditions, form: NetlistOptions.Form = .fullCrossbar) throws -> [String] {
        var options = NetlistOptions(form: form, analysis: .none, externalInputs: true)
        options.sweepSource = true
        return try SpiceWriter.write(try circuit.netlist(conditions, options: options)).split(separator: "\n").map(String.init)
    }
}
