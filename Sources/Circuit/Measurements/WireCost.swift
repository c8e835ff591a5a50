import Foundation
import Numerics

/// What wire resistance costs (`eqprop wires`, issue 16): a ladder column's current under the
/// first-order wire model (series r·(i + 2) per cell) against the exact mesh, and, for a
/// network, the mesh reduction's time per conductance change (what training pays per
/// minibatch), one relaxation with and without wires, and how far the outputs move.
public struct WireCost {
    /// Wire resistances per segment, Ω.
    public var resistances: [Double]
    /// Tile heights (and widths), cells; 0 = untiled.
    public var tileRows: [Int]
    /// Cells in the ladder column.
    public var ladderRows: Int
    /// The network's architecture and the preset it is built on (its wire fields replaced).
    public var architecture: [Int]
    public var preset: HardwarePreset
    /// Seed of the ladder's conductances and of the network.
    public var seed: UInt64
    /// Conductance scale of the fresh network, S.
    public var conductanceScale: Double

    /// The ladder's conductances are uniform in this range, S (1 µS to 100 µS).
    public static let ladderConductances = (low: 1e-6, high: 1e-4)

    public init(resistances: [Double], tileRows: [Int], ladderRows: Int, architecture: [Int], preset: HardwarePreset,
                seed: UInt64, conductanceScale: Double) {
        (self.resistances, self.tileRows, self.ladderRows, self.architecture) = (resistances, tileRows, ladderRows, architecture)
        (self.preset, self.seed, self.conductanceScale) = (preset, seed, conductanceScale)
    }

    /// Measures every resistance × tile size on the ladder driven by `pixels`' first row as
    /// ±1 V sources (x⁺ rows then x⁻ rows, cycled) and on the network relaxing all rows of
    /// `pixels` (samples × inputs, in [0, 1]); `row` sees each row as it is measured.
    public func measure(pixels x: DoubleMatrix, row: (Row) -> Void = { _ in }) throws -> Report {
        var rng = SeededGenerator(seed: seed)
        let first = x.row(0)
        let ladderVolts = (0..<ladderRows).map { i -> Double in
            let k = i % (2 * first.count)
            return k < first.count ? first[k] : -first[k - first.count]
        }
        var ladder = DoubleMatrix(rows: ladderRows, columns: 1)
        for i in 0..<ladderRows { ladder[i, 0] = rng.uniform(Self.ladderConductances.low, Self.ladderConductances.high) }
        let total = (0..<ladderRows).reduce(0.0) { $0 + abs(ladder[$1, 0] * ladderVolts[$1]) }
        let ideal = (0..<ladderRows).reduce(0.0) { $0 + ladder[$1, 0] * ladderVolts[$1] }

        var net = preset
        net.wireResistance = 0
        var netRng = SeededGenerator(seed: seed)
        let network = ResistiveNetwork(architecture: architecture, preset: net, conductanceScale: conductanceScale, rng: &netRng)
        func relax(_ c: ResistiveCircuit) -> (seconds: Double, sweeps: Int, state: [DoubleMatrix]) {
            let solver = CircuitSolver(diodeModel: CircuitSolver.trainingModel(for: c.preset))
            let conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: x, gain: c.preset.inputGain))
            var state = network.layerSizes.map { DoubleMatrix(rows: x.rows, columns: $0) }
            let t0 = Date()
            let s = solver.relax(c, conditions: conditions, state: &state)
            return (Date().timeIntervalSince(t0), s.iterations, state)
        }
        func timed<T>(_ body: () -> T) -> (T, Double) {
            let t0 = Date()
            let v = body()
            return (v, Date().timeIntervalSince(t0))
        }
        func shift(_ a: [DoubleMatrix], _ b: [DoubleMatrix]) -> Double {
            zip(a.last!.elements, b.last!.elements).map { abs($0 - $1) }.max() ?? 0
        }
        let (idealCircuit, idealBuild) = timed { ResistiveCircuit(network: network, preset: net) }
        let idealRelax = relax(idealCircuit)
        var rows: [Row] = []
        for r in resistances {
            for t in tileRows {
                let mesh = CrossbarMesh(conductances: ladder, wireResistance: r, tileRows: t, tileColumns: 1)
                let meshCurrent = -mesh.portCurrents(rowVoltages: DoubleMatrix(rows: 1, columns: ladderRows, elements: ladderVolts),
                                                     columnVoltages: DoubleMatrix(rows: 1, columns: 1)).columns[0, 0]
                // First order: series r·(i mod tile + 2) per cell (the wire length within its tile).
                let firstOrder = (0..<ladderRows).reduce(0.0) { sum, i in
                    let within = t > 0 ? i % t : i
                    return sum + ladderVolts[i] / (1 / ladder[i, 0] + r * Double(within + 2))
                }
                var p = net
                (p.wireResistance, p.wireModel, p.tileRows, p.tileColumns) = (r, .mesh, t, t)
                try CrossbarMesh.checkMemory(network: network, preset: p)
                let (circuit, build) = timed { ResistiveCircuit(network: network, preset: p) }
                let meshed = relax(circuit)
                var fo = p
                fo.wireModel = .firstOrder
                let firstOrderState = relax(ResistiveCircuit(network: network, preset: fo)).state
                let measured = Row(resistanceOhms: r, tileRows: t, ladderMeshCurrentAmperes: meshCurrent,
                                   ladderFirstOrderCurrentAmperes: firstOrder, ladderIdealCurrentAmperes: ideal,
                                   ladderFirstOrderErrorOfMesh: abs(firstOrder - meshCurrent) / abs(meshCurrent),
                                   ladderFirstOrderErrorOfTotal: abs(firstOrder - meshCurrent) / total,
                                   ladderIdealErrorOfTotal: abs(ideal - meshCurrent) / total,
                                   buildSeconds: build, relaxSeconds: meshed.seconds, relaxSweeps: meshed.sweeps,
                                   outputShiftFromIdealVolts: shift(meshed.state, idealRelax.state),
                                   outputShiftFirstOrderVsMeshVolts: shift(meshed.state, firstOrderState))
                rows.append(measured)
                row(measured)
            }
        }
        return Report(architecture: architecture, idealBuildSeconds: idealBuild, idealRelaxSeconds: idealRelax.seconds,
                      idealRelaxSweeps: idealRelax.sweeps, rows: rows)
    }
}
