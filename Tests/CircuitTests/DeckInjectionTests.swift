import Circuit
import Foundation
import Numerics
import Testing
import TestSupport

/// Decks written from hostile inputs run in stock `ngspice -b` and read no card beyond the
/// ones the writer meant (issue 13): the attack is a name padded past ngspice's 4,999-byte line
/// cut, ending in `.include FILE`, where FILE's `.control` block runs `shell`.
@Suite(.serialized) struct DeckInjectionTests {
    /// A file whose `.control` block creates `marker` when ngspice reads it, and the hostile
    /// strings that try to make a deck include it.
    struct Payload {
        let directory: URL
        let marker: URL
        let strings: [String]

        init() throws {
            directory = TestSupport.temporaryDirectory()
            marker = directory.appendingPathComponent("pwned")
            let evil = directory.appendingPathComponent("evil.inc")
            try ".control\nshell touch \(marker.path)\n.endc\n".write(to: evil, atomically: true, encoding: .utf8)
            let include = ".include \(evil.path)"
            strings = [
                String(repeating: "A", count: 4999) + include,
                String(repeating: "B", count: 4998) + "\n" + include,
                "x\n\(include)\n",
                "x\r\(include)",
                "x\u{2028}\(include)",
                String(repeating: "é", count: 3000) + include,
            ]
        }
    }

    @Test func hostilePresetNamesAndCommentsDoNotReachNgspice() throws {
        let payload = try Payload()
        defer { try? FileManager.default.removeItem(at: payload.directory) }
        let base = try TestSupport.circuit("ideal", [3, 4, 2])
        for hostile in payload.strings {
            var preset = base.preset
            preset.name = hostile
            let circuit = ResistiveCircuit(network: base.network, preset: preset)
            var options = NetlistOptions()
            options.description = [hostile, "ok: " + hostile]
            let deck = try SpiceWriter.write(try circuit.netlist(TestSupport.conditions(circuit, pixels: [[0.2, 0.5, 0.9]]),
                                                                  options: options))
            let lines = deck.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.allSatisfy { $0.utf8.count <= SpiceWriter.maxLineLength })
            #expect(!lines.contains { $0.lowercased().hasPrefix(".include") })
            #expect(deck.unicodeScalars.allSatisfy { $0.value == 0x0A || (0x20...0x7E).contains($0.value) })
            let run = try NgspiceBatchRun.run(deck: deck)
            #expect(!FileManager.default.fileExists(atPath: payload.marker.path), "ngspice ran the included .control block")
            #expect(run.errorLines.isEmpty, "\(run.errorLines)")
            // The deck still does its job: every free node is printed.
            #expect(run.voltages.count == 6, "\(run.output.stdout.suffix(400))")
        }
    }

    @Test func writerRefusesOverlongNamesAndLines() throws {
        var n = Netlist(title: "* t")
        n.add(.resistor(name: "R" + String(repeating: "1", count: SpiceWriter.maxNameLength), a: "a", b: "0", ohms: 1))
        #expect(throws: SpiceWriter.WriterError.self) { try SpiceWriter.write(n) }
        var long = Netlist(title: "* t")
        long.add(.resistor(name: "R1", a: "a", b: "0", ohms: 1))
        long.control = [String(repeating: "x", count: SpiceWriter.maxLineLength + 1)]
        #expect(throws: SpiceWriter.WriterError.lineTooLong(line: 4, length: SpiceWriter.maxLineLength + 1)) {
            try SpiceWriter.write(long)
        }
    }

    @Test func safeTextKeepsPrintableASCIIAndCuts() {
        #expect(SpiceWriter.safeText("a\nb\tc µ") == "a b c ?")
        let cut = SpiceWriter.safeText(String(repeating: "z", count: 500))
        #expect(cut.count == SpiceWriter.maxTextLength && cut.hasSuffix("..."))
    }

    @Test func presetsWithHostileNamesAreRejected() throws {
        let data = try Data(contentsOf: TestSupport.root.appendingPathComponent("hardware/ideal.json"))
        let payload = try Payload()
        defer { try? FileManager.default.removeItem(at: payload.directory) }
        for hostile in payload.strings + ["", "a b", String(repeating: "n", count: HardwarePreset.maxNameLength + 1)] {
            var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            object["name"] = hostile
            let json = try JSONSerialization.data(withJSONObject: object)
            #expect(throws: PresetError.self) { try HardwarePreset(json: json, path: "hostile.json") }
        }
        var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        object["description"] = "two\nlines"
        #expect(throws: PresetError.self) {
            try HardwarePreset(json: try JSONSerialization.data(withJSONObject: object), path: "hostile.json")
        }
    }
}
