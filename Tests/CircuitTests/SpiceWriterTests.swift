import Circuit
import Foundation
import Numerics
import Testing

@Suite(.serialized) struct SpiceWriterTests {
    @Test func numbersRoundTripAndUseNoSuffixes() {
        var rng = SeededGenerator(seed: 1)
        for _ in 0..<2000 {
            let x = (rng.nextUnit() - 0.5) * pow(10, Double(Int(rng.next() % 40)) - 20)
            let s = SpiceNumber.format(x)
            #expect(Double(s) == x, "\(x) → \(s)")
            #expect(!s.contains(",") && !s.lowercased().contains("meg") && s.range(of: "[a-df-z]", options: .regularExpression) == nil)
        }
        #expect(SpiceNumber.format(1e-6) == "1e-06")
        #expect(SpiceNumber.format(0) == "0")
    }

    /// Engineering notation keeps the shortest round-trip digits (≤ 17 significant) and reads
    /// back to the same Double; suffixes only from f to t.
    @Test func engineeringNotationKeepsEveryDigit() {
        var rng = SeededGenerator(seed: 2)
        for _ in 0..<5000 {
            let x = (rng.nextUnit() - 0.5) * pow(10, Double(Int(rng.next() % 40)) - 20)
            let s = SpiceNumber.engineering(x)
            #expect(SpiceNumber.parse(s) == x, "\(x) → \(s)")
            let digits = s.filter(\.isNumber).drop { $0 == "0" }
            #expect(digits.count <= 17 + 2, "\(s)")
        }
        let cases: [(Double, String)] = [(646134.4625506719, "646.1344625506719k"), (1e-12, "1p"), (0.4, "400m"), (-0.4, "-400m"),
                                         (2, "2"), (1e6, "1meg"), (2.52e-9, "2.52n"), (1e-14, "10f"), (100e6, "100meg"),
                                         (999.9999999999999, "999.9999999999999"), (1e-20, "1e-20"), (0, "0"), (1.5e13, "15t")]
        for (x, text) in cases { #expect(SpiceNumber.engineering(x) == text, "\(x)") }
    }

    /// Builds a de_DE locale (decimal comma) with localedef and checks that the deck is the
    /// same byte for byte while it is active.
    @Test func decimalCommaLocaleDoesNotChangeDecks() throws {
        let circuit = try TestSupport.circuit("real-diode", [3, 4, 2])
        let deck = { try SpiceWriter.write(try circuit.netlist(TestSupport.conditions(circuit, pixels: [[0.25, 0.5, 0.75]]))) }
        let reference = try deck()
        let dir = TestSupport.temporaryDirectory()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/localedef")
        p.arguments = ["-i", "de_DE", "-f", "UTF-8", dir.appendingPathComponent("de_DE.UTF-8").path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        setenv("LOCPATH", dir.path, 1)
        defer { setlocale(LC_NUMERIC, "C"); unsetenv("LOCPATH") }
        let set = setlocale(LC_NUMERIC, "de_DE.UTF-8")
        try #require(set != nil, "could not activate the de_DE locale built by localedef")
        var buffer = [CChar](repeating: 0, count: 32)
        _ = withVaList([1.5]) { vsnprintf(&buffer, 32, "%.1f", $0) }
        let printed = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(printed == "1,5", "the locale must really use a decimal comma")
        #expect(try deck() == reference)
    }

    @Test func commentsAndTitleStayOnOneLine() throws {
        var n = Netlist(title: "title\nwith break")
        n.comment("two\nlines")
        n.add(.resistor(name: "R1", a: "a", b: "0", ohms: 10))
        let text = try SpiceWriter.write(n)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "title with break")
        #expect(lines[1] == "* two lines")
        #expect(lines.last == "" && lines[lines.count - 2] == ".end")
    }

    @Test func rejectsBadNamesDuplicatesAndNonFiniteValues() {
        func write(_ e: [Element]) throws -> String {
            var n = Netlist(title: "*")
            e.forEach { n.add($0) }
            return try SpiceWriter.write(n)
        }
        #expect(throws: SpiceWriter.WriterError.invalidName("R 1")) { try write([.resistor(name: "R 1", a: "a", b: "0", ohms: 1)]) }
        #expect(throws: SpiceWriter.WriterError.invalidName("X1")) { try write([.resistor(name: "X1", a: "a", b: "0", ohms: 1)]) }
        #expect(throws: SpiceWriter.WriterError.invalidName("a-b")) { try write([.resistor(name: "R1", a: "a-b", b: "0", ohms: 1)]) }
        #expect(throws: SpiceWriter.WriterError.duplicateName("r1")) {
            try write([.resistor(name: "R1", a: "a", b: "0", ohms: 1), .resistor(name: "r1", a: "b", b: "0", ohms: 1)])
        }
        #expect(throws: SpiceWriter.WriterError.self) { try write([.resistor(name: "R1", a: "a", b: "0", ohms: .infinity)]) }
    }

    @Test func directivesAndContinuationLines() throws {
        var n = Netlist(title: "* t")
        n.add(.voltageSource(name: "V1", plus: "a", minus: "0", value: .external))
        n.add(.currentSource(name: "I1", from: "0", into: "a", value: .dc(1e-3)))
        n.add(.vcvs(name: "E1", outPlus: "b", outMinus: "0", controlPlus: "a", controlMinus: "0", gain: 2))
        n.add(.cccs(name: "F1", from: "a", into: "0", controlSource: "V1", gain: 0.5))
        n.add(.capacitor(name: "C1", a: "a", b: "0", farads: 1e-12))
        n.add(.diode(name: "D1", anode: "a", cathode: "0", model: "dm"))
        n.diodeModels = [DiodeModelCard(name: "dm", saturationCurrent: 1e-14, emissionCoefficient: 1, seriesResistance: 2)]
        n.options = [("reltol", 1e-9)]
        n.nodeset = (0..<10).map { ("n\($0)", Double($0)) }
        n.saves = ["v(a)"]
        n.control = ["op"]
        let text = try SpiceWriter.write(n)
        #expect(text.contains("V1 a 0 external\n"))
        #expect(text.contains("I1 0 a DC 1m\n"))
        #expect(text.contains("E1 b 0 a 0 2\n") && text.contains("F1 a 0 V1 500m\n"))
        #expect(text.contains(".model dm D(IS=10f N=1 RS=2)"))
        #expect(text.contains(".options reltol=1e-09\n"))
        #expect(text.contains(".nodeset v(n0)=0 v(n1)=1") && text.contains("\n+ v(n8)=8 v(n9)=9\n"))
        #expect(text.contains(".save v(a)\n.control\nop\n.endc\n.end\n"))
    }

    @Test func sameInputsGiveSameBytes() throws {
        let a = try TestSupport.circuit("memristive", [5, 6, 3], seed: 11)
        let b = try TestSupport.circuit("memristive", [5, 6, 3], seed: 11)
        let pixels = [[0.1, 0.2, 0.3, 0.4, 0.5]]
        let da = try SpiceWriter.write(try a.netlist(TestSupport.conditions(a, pixels: pixels)))
        let db = try SpiceWriter.write(try b.netlist(TestSupport.conditions(b, pixels: pixels)))
        #expect(da == db)
        let other = try TestSupport.circuit("memristive", [5, 6, 3], seed: 12)
        #expect(try SpiceWriter.write(try other.netlist(TestSupport.conditions(other, pixels: pixels))) != da)
    }
}
