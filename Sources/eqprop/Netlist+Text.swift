import CoSimulation
import Foundation

extension EqPropCommand.Netlist {
    /// The report as lines of text: the deck written, the static power, the transient's
    /// settling, the raw file and the verification.
    func printText(_ report: NetlistJob.Report) {
        let counts = report.elements.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        if report.wroteDeck {
            print("wrote \(report.path): \(counts); \(report.nodes) nodes; \(report.analysis) analysis; run it with: ngspice -b \(report.path)")
        }
        print(String(format: "static power per inference (Swift solver's fixed point): %.6g W; predicted class %@", report.staticPowerWatts,
                     report.predictedClass.map(String.init) ?? "-"))
        if let settling = report.settling {
            print(String(format: "transient: settled within %.0f mV after %@, energy until settled %@ (initial error %.3g V)", 1000 * report.band,
                         settling.seconds.map { String(format: "%.4g s", $0) } ?? "not within the window",
                         settling.joules.map { String(format: "%.4g J", $0) } ?? "-", settling.initialError))
        }
        if let raw = report.raw { print("wrote \(raw): ngspice's \(report.analysis) waveforms (ASCII raw)") }
        if let v = report.verification {
            print(String(format: "verify: largest |V_ngspice - V_swift| = %.3g V over %d nodes (tolerance %.3g V); predicted class ngspice %@, Swift %@; static power ngspice %@, Swift %.6g W",
                         v.maxAbsDifferenceVolts, v.nodes, v.toleranceVolts,
                         v.predictedClassNgspice.map(String.init) ?? "-", v.predictedClassSwift.map(String.init) ?? "-",
                         v.staticPowerWattsNgspice.map { String(format: "%.6g W", $0) } ?? "-", v.staticPowerWattsSwift))
            print(v.passed ? "verify: PASSED" : "verify: FAILED: " + v.problems.joined(separator: "; "))
        }
    }
}
