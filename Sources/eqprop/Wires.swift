import ArgumentParser
import Circuit
import Datasets
import Foundation
import Numerics

extension EqPropCommand {
    /// What wire resistance costs: the ladder of issue 16 (first-order model vs the exact mesh),
    /// the mesh reduction's time per conductance change, one relaxation with and without wires,
    /// and how far the meshed circuit's outputs move from ideal wires.
    struct Wires: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure wire resistance: first-order model vs exact mesh, mesh reduction time, accuracy cost.",
            discussion: """
            Ladder: one column of --ladder-rows cells (G uniform in [1, 100] µS, seeded) driven by
            the first test image as ±1 V sources (x⁺ rows then x⁻ rows), its node held at 0 V:
            the column current of the first-order model (series r·(i + 2) per cell) against the
            exact mesh, per --resistances and --tile-rows. Network: a fresh --layers network on
            --hardware with each r and tile size: time to build the circuit (mesh factorization
            and port admittance: what training pays per minibatch), one relaxation of --samples
            test images, and the largest output-node difference to the same network on ideal
            wires and on first-order wires.
            """)

        @OptionGroup var data: DataOptions
        @Option(help: "Wire resistances per segment to measure, Ω (comma-separated).")
        var resistances: String = "0.1,1"
        @Option(help: "Tile heights (and widths) to measure, cells; 0 = untiled (comma-separated).")
        var tileRows: String = "0,256"
        @Option(help: "Cells in the ladder column.")
        var ladderRows: Int = 1568
        @Option(help: "Network architecture for the timing and accuracy rows.")
        var layers: String = "784,100,10"
        @Option(help: "Hardware preset the network is built on (its wire fields are replaced).")
        var hardware: String = "ideal"
        @Option(help: "Test samples relaxed per measurement.")
        var samples: Int = 4
        @Option(help: "Seed of the ladder's conductances and of the network.")
        var seed: UInt64 = 1
        @Option(help: "Conductance scale of the fresh network, S (see ResistiveNetwork.defaultConductanceScale).")
        var conductanceScale: Double = 1e-4
        @Flag(help: "Print one JSON object at the end.")
        var json = false

        struct Row: Encodable {
            var resistanceOhms: Double
            var tileRows: Int
            var ladderMeshCurrentAmperes: Double
            var ladderFirstOrderCurrentAmperes: Double
            var ladderIdealCurrentAmperes: Double
            var ladderFirstOrderErrorOfMesh: Double
            var ladderFirstOrderErrorOfTotal: Double
            var ladderIdealErrorOfTotal: Double
            var buildSeconds: Double
            var relaxSeconds: Double
            var relaxSweeps: Int
            var outputShiftFromIdealVolts: Double
            var outputShiftFirstOrderVsMeshVolts: Double
            enum CodingKeys: String, CodingKey {
                case resistanceOhms = "resistance_ohms", tileRows = "tile_rows"
                case ladderMeshCurrentAmperes = "ladder_mesh_current_amperes"
                case ladderFirstOrderCurrentAmperes = "ladder_first_order_current_amperes"
                case ladderIdealCurrentAmperes = "ladder_ideal_current_amperes"
                case ladderFirstOrderErrorOfMesh = "ladder_first_order_error_of_mesh"
                case ladderFirstOrderErrorOfTotal = "ladder_first_order_error_of_total"
                case ladderIdealErrorOfTotal = "ladder_ideal_error_of_total"
                case buildSeconds = "build_seconds", relaxSeconds = "relax_seconds", relaxSweeps = "relax_sweeps"
                case outputShiftFromIdealVolts = "output_shift_from_ideal_volts"
                case outputShiftFirstOrderVsMeshVolts = "output_shift_first_order_vs_mesh_volts"
            }
        }

        struct Summary: Encodable {
            var architecture: [Int]
            var idealBuildSeconds: Double
            var idealRelaxSeconds: Double
            var rows: [Row]
            enum CodingKeys: String, CodingKey {
                case architecture, rows
                case idealBuildSeconds = "ideal_build_seconds", idealRelaxSeconds = "ideal_relax_seconds"
            }
        }

        func run() throws {
            let rs = try parseList(resistances, flag: "--resistances", as: Double.self)
            for r in rs where !(r.isFinite && r > 0) {
                throw ValidationError("--resistances: every wire resistance must be finite and > 0 Ω (got \(r))")
            }
            let tiles = try parseList(tileRows, flag: "--tile-rows", as: Int.self)
            for t in tiles {
                try FlagChecks.check(t, "--tile-rows", in: 0...InputLimits.unitsPerLayer, meaning: "a tile size in cells (0: untiled)")
            }
            let arch = try FlagChecks.layers(layers)
            try FlagChecks.samples(samples, "--samples")
            try FlagChecks.check(ladderRows, "--ladder-rows", in: 1...InputLimits.unitsPerLayer, meaning: "the cells of the ladder column")
            let base: HardwarePreset
            do { base = try HardwarePreset.load(hardware) } catch { throw ValidationError("--hardware: \(error)") }
            let ds = try data.load()
            guard ds.test.pixels == arch[0] else {
                throw ValidationError("--layers starts with \(arch[0]) inputs; \(ds.name.rawValue) has \(ds.test.pixels) pixels")
            }
            let count = min(samples, ds.test.count)
            var x = DoubleMatrix(rows: count, columns: ds.test.pixels)
            for b in 0..<count { for k in 0..<ds.test.pixels { x[b, k] = Double(ds.test.images[b, k]) } }

            // The ladder: ±1 V per pixel, x⁺ rows then x⁻ rows, cycled to --ladder-rows.
            var rng = SeededGenerator(seed: seed)
            let pixels = x.row(0)
            let ladderVolts = (0..<ladderRows).map { i -> Double in
                let k = i % (2 * pixels.count)
                return k < pixels.count ? pixels[k] : -pixels[k - pixels.count]
            }
            var ladder = DoubleMatrix(rows: ladderRows, columns: 1)
            for i in 0..<ladderRows { ladder[i, 0] = rng.uniform(1e-6, 1e-4) }
            let total = (0..<ladderRows).reduce(0.0) { $0 + abs(ladder[$1, 0] * ladderVolts[$1]) }
            let ideal = (0..<ladderRows).reduce(0.0) { $0 + ladder[$1, 0] * ladderVolts[$1] }

            var net = base
            net.wireResistance = 0
            var netRng = SeededGenerator(seed: seed)
            let network = ResistiveNetwork(architecture: arch, preset: net, conductanceScale: conductanceScale, rng: &netRng)
            func relax(_ c: ResistiveCircuit) -> (seconds: Double, sweeps: Int, state: [DoubleMatrix]) {
                let solver = CircuitSolver(diodeModel: CircuitSolver.trainingModel(for: c.preset))
                let conditions = CircuitConditions(inputVoltages: CircuitConditions.inputVoltages(pixels: x, gain: c.preset.inputGain))
                var state = network.layerSizes.map { DoubleMatrix(rows: count, columns: $0) }
                let t0 = Date()
                let s = solver.relax(c, conditions: conditions, state: &state)
                return (Date().timeIntervalSince(t0), s.iterations, state)
            }
            func timed<T>(_ body: () -> T) -> (T, Double) {
                let t0 = Date()
                let v = body()
                return (v, Date().timeIntervalSince(t0))
            }
            let (idealCircuit, idealBuild) = timed { ResistiveCircuit(network: network, preset: net) }
            let idealRelax = relax(idealCircuit)
            var rows: [Row] = []
            for r in rs {
                for t in tiles {
                    let mesh = CrossbarMesh(conductances: ladder, wireResistance: r, tileRows: t, tileColumns: 1)
                    let meshCurrent = -mesh.portCurrents(rowVoltages: DoubleMatrix(rows: 1, columns: ladderRows, elements: ladderVolts),
                                                         columnVoltages: DoubleMatrix(rows: 1, columns: 1)).columns[0, 0]
                    // First order: series r·(i mod tile + 2) per cell (the wire length within its tile).
                    let firstOrder = (0..<ladderRows).reduce(0.0) { sum, i in
                        let within = t > 0 ? i % t : i
                        return sum + ladderVolts[i] / (1 / ladder[i, 0] + r * Double(within + 2))
                    }
                    var p = net
                    p.wireResistance = r
                    p.wireModel = .mesh
                    p.tileRows = t
                    p.tileColumns = t
                    try CrossbarMesh.checkMemory(network: network, preset: p)
                    let (circuit, build) = timed { ResistiveCircuit(network: network, preset: p) }
                    let meshed = relax(circuit)
                    var fo = p
                    fo.wireModel = .firstOrder
                    let firstOrderState = relax(ResistiveCircuit(network: network, preset: fo)).state
                    func shift(_ a: [DoubleMatrix], _ b: [DoubleMatrix]) -> Double {
                        zip(a.last!.elements, b.last!.elements).map { abs($0 - $1) }.max() ?? 0
                    }
                    let row = Row(resistanceOhms: r, tileRows: t, ladderMeshCurrentAmperes: meshCurrent,
                                  ladderFirstOrderCurrentAmperes: firstOrder, ladderIdealCurrentAmperes: ideal,
                                  ladderFirstOrderErrorOfMesh: abs(firstOrder - meshCurrent) / abs(meshCurrent),
                                  ladderFirstOrderErrorOfTotal: abs(firstOrder - meshCurrent) / total,
                                  ladderIdealErrorOfTotal: abs(ideal - meshCurrent) / total,
                                  buildSeconds: build, relaxSeconds: meshed.seconds, relaxSweeps: meshed.sweeps,
                                  outputShiftFromIdealVolts: shift(meshed.state, idealRelax.state),
                                  outputShiftFirstOrderVsMeshVolts: shift(meshed.state, firstOrderState))
                    rows.append(row)
                    if !json {
                        print(String(format: "r %.3g Ω, tile %d: ladder mesh %.6g A, first-order %.6g A (error %.3g%% of mesh, %.3g%% of Σ|G·u|), ideal %.6g A (%.3g%% of Σ|G·u|); network build %.3f s, relax %.3f s (%d sweeps); outputs vs ideal wires %.3g V, first-order vs mesh %.3g V",
                                     r, t, meshCurrent, firstOrder, 100 * row.ladderFirstOrderErrorOfMesh, 100 * row.ladderFirstOrderErrorOfTotal,
                                     ideal, 100 * row.ladderIdealErrorOfTotal, build, meshed.seconds, meshed.sweeps,
                                     row.outputShiftFromIdealVolts, row.outputShiftFirstOrderVsMeshVolts))
                    }
                }
            }
            if !json {
                print(String(format: "ideal wires: build %.4f s, relax %.3f s (%d sweeps)", idealBuild, idealRelax.seconds, idealRelax.sweeps))
            } else {
                let s = Summary(architecture: arch, idealBuildSeconds: idealBuild, idealRelaxSeconds: idealRelax.seconds, rows: rows)
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys]
                print(String(decoding: try enc.encode(s), as: UTF8.self))
            }
        }
    }
}
