import Circuit
import Foundation

/// A deck checked against the Swift solver: the deck as run by `ngspice -b` must exit with
/// status 0, print every free node within `toleranceVolts` of the Swift solver's voltage,
/// print the same predicted class, and (when it prints `p_total`) the same static power to a
/// relative 1e-6.
public struct DeckVerification: Encodable, Sendable {
    public var toleranceVolts: Double
    /// max over free nodes of |V_ngspice − V_swift|, V (infinity when a node is missing).
    public var maxAbsDifferenceVolts: Double
    public var worstNode: String?
    public var nodes: Int
    public var predictedClassNgspice: Int?
    public var predictedClassSwift: Int?
    public var staticPowerWattsNgspice: Double?
    public var staticPowerWattsSwift: Double
    public var ngspiceExitStatus: Int32
    public var passed: Bool
    /// Why it failed, one line each (empty when passed).
    public var problems: [String]

    /// Relative tolerance of the static power.
    public static let powerTolerance = 1e-6

    enum CodingKeys: String, CodingKey {
        case toleranceVolts = "tolerance_volts", maxAbsDifferenceVolts = "max_abs_difference_volts", worstNode = "worst_node"
        case nodes, predictedClassNgspice = "predicted_class_ngspice", predictedClassSwift = "predicted_class_swift"
        case staticPowerWattsNgspice = "static_power_watts_ngspice", staticPowerWattsSwift = "static_power_watts_swift"
        case ngspiceExitStatus = "ngspice_exit_status", passed, problems
    }

    public init(batch: NgspiceBatch, circuit: ResistiveCircuit, swiftVoltages: [String: Double], swiftPower: Double,
                tolerance: Double) {
        toleranceVolts = tolerance
        ngspiceExitStatus = batch.exitStatus
        nodes = swiftVoltages.count
        staticPowerWattsSwift = swiftPower
        // Amplifiers (E/F) are printed apart and not in the Swift sum.
        staticPowerWattsNgspice = batch.powers["p_total"].map { $0 - (batch.powers["p_amplifiers"] ?? 0) }
        predictedClassSwift = circuit.predictedClass(voltages: swiftVoltages)
        predictedClassNgspice = batch.predictedClass
        var problems: [String] = []
        if batch.exitStatus != 0 { problems.append("ngspice -b exited with status \(batch.exitStatus)") }
        problems += batch.errorLines.prefix(5).map { "ngspice: " + $0.trimmingCharacters(in: .whitespaces) }
        var worst = 0.0, worstNode: String?
        var missing: [String] = []
        for node in circuit.names.freeNodes {
            guard let swift = swiftVoltages[node] else { continue }
            guard let ng = batch.voltages[node] else { missing.append(node); continue }
            let d = abs(ng - swift)
            if !(d <= worst) { worst = d; worstNode = node }
        }
        if !missing.isEmpty {
            worst = .infinity
            worstNode = missing[0]
            problems.append("ngspice printed no voltage for \(missing.count) node(s): \(missing.prefix(5).joined(separator: ", "))")
        } else if !(worst <= tolerance) {
            problems.append("largest |V_ngspice - V_swift| = \(worst) V at \(worstNode ?? "?") exceeds \(tolerance) V")
        }
        maxAbsDifferenceVolts = worst
        self.worstNode = worstNode
        if predictedClassNgspice == nil { problems.append("ngspice printed no predicted_class line") }
        else if predictedClassNgspice != predictedClassSwift {
            problems.append("predicted class: ngspice \(predictedClassNgspice!), Swift \(predictedClassSwift.map(String.init) ?? "none")")
        }
        if let p = staticPowerWattsNgspice, !(abs(p - swiftPower) <= Self.powerTolerance * max(abs(p), abs(swiftPower))) {
            problems.append("static power: ngspice \(p) W, Swift \(swiftPower) W")
        }
        self.problems = problems
        passed = problems.isEmpty
    }
}
