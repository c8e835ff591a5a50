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
            Ladder: one column of --ladder-rows cells (G uniform in [1, 100] µS, seeded) driven by \
            the first test image as ±1 V sources (x⁺ rows then x⁻ rows), its node held at 0 V: \
            the column current of the first-order model (series r·(i + 2) per cell) against the \
            exact mesh, per --resistances and --tile-rows. Network: a fresh --layers network on \
            --hardware with each r and tile size: time to build the circuit (mesh factorization \
            and port admittance: what training pays per minibatch), one relaxation of --samples \
            test images, and the largest output-node difference to the same network on ideal \
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
            let pixels = ds.test.prefix(min(samples, ds.test.count)).images.converted(to: Double.self)
            let cost = WireCost(resistances: rs, tileRows: tiles, ladderRows: ladderRows, architecture: arch, preset: base,
                                seed: seed, conductanceScale: conductanceScale)
            let report = try cost.measure(pixels: pixels) { row in
                if !json { printRow(row) }
            }
            if !json {
                print(String(format: "ideal wires: build %.4f s, relax %.3f s (%d sweeps)", report.idealBuildSeconds,
                             report.idealRelaxSeconds, report.idealRelaxSweeps))
            } else {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys]
                print(String(decoding: try enc.encode(report), as: UTF8.self))
            }
        }

        func printRow(_ row: WireCost.Row) {
            print(String(format: "r %.3g Ω, tile %d: ladder mesh %.6g A, first-order %.6g A (error %.3g%% of mesh, %.3g%% of Σ|G·u|), ideal %.6g A (%.3g%% of Σ|G·u|); network build %.3f s, relax %.3f s (%d sweeps); outputs vs ideal wires %.3g V, first-order vs mesh %.3g V",
                         row.resistanceOhms, row.tileRows, row.ladderMeshCurrentAmperes, row.ladderFirstOrderCurrentAmperes,
                         100 * row.ladderFirstOrderErrorOfMesh, 100 * row.ladderFirstOrderErrorOfTotal, row.ladderIdealCurrentAmperes,
                         100 * row.ladderIdealErrorOfTotal, row.buildSeconds, row.relaxSeconds, row.relaxSweeps,
                         row.outputShiftFromIdealVolts, row.outputShiftFirstOrderVsMeshVolts))
        }
    }
}
