import Foundation
import FoundationXML
import Reporting
import Testing
import TestSupport

@Suite struct ReportingTests {
    let dir: URL = {
        Scratch.directory("rep")
    }()

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFile() throws {
        let url = dir.appendingPathComponent("a.txt")
        try AtomicFile.write("one", to: url)
        try AtomicFile.write("two", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.txt"])
        #expect(throws: OutputError.self) { try AtomicFile.write("x", to: URL(fileURLWithPath: "/proc/nope/x")) }
    }

    /// Into a log file (not a terminal) the progress line is written as whole lines, one per
    /// `logInterval`, with the rate and ETA; `finish` adds the last.
    @Test func progressInALogFileWritesWholeLinesWithETA() throws {
        let url = dir.appendingPathComponent("progress.log")
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        let line = ProgressLine(label: "epoch 1/3", total: 100, output: handle)
        line.logInterval = 0
        line.update(done: 40)
        line.update(done: 100)
        line.finish(extra: "test 2.00%")
        try handle.close()
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.hasPrefix("epoch 1/3 40/100 samples") == true && lines.first?.contains("ETA") == true, "\(lines)")
        #expect(lines.last?.contains("100/100") == true && lines.last?.hasSuffix("test 2.00%") == true, "\(lines)")
        #expect(!(lines.joined().contains("\u{1B}")), "no terminal escapes in a log")
    }

    /// The run's ETA: the current epoch's rest, then every later epoch at the median of the last
    /// three finished ones (training and testing), or at the current epoch's projection before
    /// one has finished; nothing for the last epoch or before anything is measured.
    @Test func runETAAddsTheEpochsStillToCome() {
        var estimate = EpochTimeEstimate()
        #expect(estimate.remaining(currentLeft: 30, currentProjected: nil, epochsAfter: 3) == nil)
        #expect(estimate.remaining(currentLeft: 30, currentProjected: 100, epochsAfter: 3) == 330)
        estimate.record(epochSeconds: 110)
        estimate.record(epochSeconds: 130)
        #expect(estimate.remaining(currentLeft: 30, currentProjected: 100, epochsAfter: 3) == 390)
        #expect(estimate.text(currentLeft: 0, currentProjected: nil, epochsAfter: 30) == "run ETA 1:00:00")
        // An epoch slowed by another job, then two normal ones: the median of the last three.
        estimate.record(epochSeconds: 530)
        estimate.record(epochSeconds: 112)
        #expect(estimate.remaining(currentLeft: 0, currentProjected: nil, epochsAfter: 10) == 1300)
        estimate.record(epochSeconds: 108)
        #expect(estimate.remaining(currentLeft: 0, currentProjected: nil, epochsAfter: 10) == 1120)
        #expect(estimate.text(currentLeft: 12, currentProjected: nil, epochsAfter: 0) == "")
        #expect(EpochTimeEstimate().text(currentLeft: .infinity, currentProjected: 5, epochsAfter: 2) == "")
    }

    /// `remainingSeconds` and `projectedSeconds` follow the rate so far.
    @Test func progressProjectsTheRestAtTheRateSoFar() throws {
        let line = ProgressLine(label: "x", total: 100, output: FileHandle(forWritingAtPath: "/dev/null")!)
        #expect(line.remainingSeconds == nil && line.projectedSeconds == nil)
        usleep(20_000)
        line.update(done: 25)
        let left = try #require(line.remainingSeconds), whole = try #require(line.projectedSeconds)
        // Read a moment apart (the clock runs on), so compared to 1%: after 20 ms a microsecond is 0.005%.
        #expect(left > 0 && abs(left / whole - 0.75) < 0.01, "\(left) \(whole)")
        line.update(done: 100)
        #expect(line.remainingSeconds == 0)
    }

    @Test func safeTensorsRoundTrip() throws {
        var f = SafeTensors(tensors: [("w", .init([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])),
                                      ("b", .init([0.5, -0.25] as [Double], shape: [2]))])
        f.metadata = ["k": "v"]
        let g = try SafeTensors(data: f.encoded(), path: "mem")
        #expect(g["w"]?.floats == [1, 2, 3, 4, 5, 6] && g["w"]?.shape == [2, 3])
        #expect(g["b"]?.doubles == [0.5, -0.25])
        #expect(g.metadata == ["k": "v"])
        // The header is padded to 8 bytes, as the reference implementation recommends.
        let n = f.encoded().prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(n % 8 == 0)
    }

    @Test func safeTensorsRejectsTamperedFiles() throws {
        let good = SafeTensors(tensors: [("w", .init([1, 2, 3, 4] as [Float], shape: [2, 2]))]).encoded()
        var cases: [(String, Data)] = [("truncated", good.dropLast(3)), ("tiny", good.prefix(5))]
        var hugeHeader = good
        hugeHeader.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Data($0) })
        cases.append(("header length", hugeHeader))
        let header = String(decoding: good[8..<(8 + Int(good.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))], as: UTF8.self)
        for (label, replacement) in [("shape", header.replacingOccurrences(of: "[2,2]", with: "[2,3]")),
                                     ("offsets", header.replacingOccurrences(of: "[0,16]", with: "[0,20]"))] {
            var d = good
            d.replaceSubrange(8..<(8 + header.utf8.count), with: Data(replacement.utf8))
            cases.append((label, d))
        }
        for (label, data) in cases {
            #expect(throws: SafeTensors.FormatError.self, "\(label)") { try SafeTensors(data: data, path: label) }
        }
    }

    @Test func jsonLinesKeepsResumedPrefix() throws {
        struct Row: Codable { var epoch: Int }
        let url = dir.appendingPathComponent("m.jsonl")
        var f = try JSONLinesFile(url: url)
        for e in 1...3 { try f.append(Row(epoch: e)) }
        var resumed = try JSONLinesFile(url: url, keepingFirst: 2)
        try resumed.append(Row(epoch: 3))
        #expect(try String(contentsOf: url, encoding: .utf8) == "{\"epoch\":1}\n{\"epoch\":2}\n{\"epoch\":3}\n")
        #expect(try JSONOutput.line(["a": 1.5]) == "{\"a\":1.5}")
    }

    /// One invalid UTF-8 byte and one torn line: both are reported with their line numbers
    /// and kept byte for byte; the other lines survive an append.
    @Test func jsonLinesReportsAndKeepsDamagedLines() throws {
        struct Row: Codable { var epoch: Int }
        let url = dir.appendingPathComponent("damaged.jsonl")
        var bytes = Data("{\"epoch\":1}\n{\"epoch\":2".utf8)
        bytes.append(0xFF)
        bytes.append(contentsOf: Data("}\n{\"epo\n{\"epoch\":4}\n".utf8))
        try bytes.write(to: url)
        var f = try JSONLinesFile(url: url)
        #expect(f.damaged.map(\.line) == [2, 3])
        #expect(f.damaged.map(\.reason) == ["not valid UTF-8", "not a JSON object"])
        #expect(f.lines == ["{\"epoch\":1}", "{\"epo", "{\"epoch\":4}"])
        try f.append(Row(epoch: 5))
        var expected = bytes
        expected.append(contentsOf: Data("{\"epoch\":5}\n".utf8))
        #expect(try Data(contentsOf: url) == expected)
    }

    @Test func linePlotIsWellFormedSVG() throws {
        var p = LinePlot(title: "t <&>", xLabel: "epoch", yLabel: "error (%)", logY: true)
        p.series = [.init(name: "a", points: [(1, 10), (2, 3), (3, 0.9)], color: "#000"),
                    .init(name: "b", points: [(1, .nan), (2, 5)], color: "#f00", dashed: true)]
        p.notes = ["note"]
        let svg = p.svg()
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "SVG must parse as XML")
        #expect(svg.contains("t &lt;&amp;&gt;") && svg.contains("polyline") && svg.contains("stroke-dasharray"))
    }

    /// What issue 19 found wrong with the learning curves: a legend cut at the plot's edge, a
    /// log axis with a single label, epochs ticked at 1.2, 1.4…
    @Test func learningCurveHasWholeLegendDecadesAndIntegerEpochs() throws {
        var p = LinePlot(title: "Learning curves", xLabel: "epoch", yLabel: "error (%)", logY: true)
        p.integerXTicks = true
        let long = "analog circuit (ngspice), relaxed: a name longer than any margin"
        p.series = [.init(name: long, points: [(1, 12.5), (2, 11.8)], color: "#000"),
                    .init(name: "digital feedforward network", points: [(1, 13.1), (2, 12.2)], color: "#f00")]
        let svg = p.svg()
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        let texts = svg.matches(of: /<text x="([0-9.]+)" y="([0-9.]+)"[^>]*>(.*?)<\/text>/).map {
            (x: Double($0.output.1)!, y: Double($0.output.2)!, text: String($0.output.3))
        }
        // The whole legend, below the frame (the frame's bottom edge is y + height of its rect).
        let frame = try #require(svg.firstMatch(of: /<rect x="[0-9.]+" y="([0-9.]+)" width="([0-9.]+)" height="([0-9.]+)" fill="none"/))
        let bottom = Double(frame.output.1)! + Double(frame.output.3)!
        let entries = texts.filter { $0.text == long || $0.text == "digital feedforward network" }
        #expect(entries.count == 2 && entries.allSatisfy { $0.y > bottom + 16 }, "legend entries \(entries), frame bottom \(bottom)")
        let width = Double(try #require(svg.firstMatch(of: /<svg[^>]* width="([0-9.]+)"/)).output.1)!
        #expect(entries.allSatisfy { $0.x + 6.5 * Double($0.text.count) <= width })
        // Epoch ticks: whole numbers only.
        let xLabels = texts.filter { abs($0.y - (bottom + 16)) < 0.01 }.map(\.text)
        #expect(xLabels == ["1", "2"], "x tick labels \(xLabels)")
        // A log axis within one decade: 1, 2, 5 and 10 × the decade are labelled, with minor ticks.
        let yLabels = texts.filter { $0.x < 70 && $0.text.first?.isNumber == true }.map(\.text)
        #expect(yLabels == ["10", "20", "50", "100"], "y tick labels \(yLabels)")
        #expect(svg.matches(of: /<line x1="70.0" y1="[0-9.]+" x2="75.0"/).count == 8, "minor ticks at 20…90")
    }

    /// Decades below 0.001 or from 10⁵ are labelled 10 with a superscript exponent, the others
    /// as decimals; minor ticks mark 2…9 × every decade.
    @Test func logAxisLabelsDecadesAsPowersOfTen() throws {
        var p = LinePlot(title: "residual", xLabel: "sweep", yLabel: "V", logY: true)
        p.series = [.init(name: "r", points: [(1, 0.05), (2, 3e-5)], color: "#000")]
        let svg = p.svg()
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        for decade in [-5, -4] { #expect(svg.contains("10<tspan dy=\"-5\" font-size=\"9\">\(decade)</tspan>"), "10^\(decade)") }
        for plain in [">0.001<", ">0.01<", ">0.1<"] { #expect(svg.contains(plain), "\(plain)") }
        #expect(svg.matches(of: /<line x1="70.0" y1="[0-9.]+" x2="75.0"/).count == 4 * 8, "8 minor ticks in each of 4 decades")
    }

    /// Files committed together: all replaced when every one could be staged; none replaced
    /// (and no temporary file left) when one cannot be.
    @Test func filesCommittedTogether() throws {
        let folder = Scratch.directory("commit")
        let a = folder.appendingPathComponent("a.bin"), b = folder.appendingPathComponent("b.bin")
        try AtomicFile.commitTogether([(Data("a1".utf8), a), (Data("b1".utf8), b)])
        #expect(try Data(contentsOf: a) == Data("a1".utf8) && Data(contentsOf: b) == Data("b1".utf8))
        let unwritable = folder.appendingPathComponent("missing/c.bin")
        #expect(throws: OutputError.self) { try AtomicFile.commitTogether([(Data("a2".utf8), a), (Data("c".utf8), unwritable)]) }
        #expect(try Data(contentsOf: a) == Data("a1".utf8), "a failed commit replaced a file")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["a.bin", "b.bin"])
        #expect(AtomicFile.isTemporaryName(AtomicFile.temporaryURL(for: a).lastPathComponent))
        for name in ["a.bin", ".tmp-12", ".a.tmp-", ".a.tmp-12x", "a.tmp-12"] { #expect(!AtomicFile.isTemporaryName(name), "\(name)") }
    }
}
