import Circuit
import Foundation
import Numerics
import Testing
import TestSupport

/// Meshed decks in stock `ngspice -b` against the Swift solver, node by node: every free node
/// and every internal wire node within 1e-6 V, and the static power within 1e-9 (relative).
@Suite(.serialized) struct MeshDeckTests {
    static func meshedCircuit(r: Double, tileRows: Int, architecture: [Int], seed: UInt64) throws -> ResistiveCircuit {
        var p = try TestSupport.preset("ideal")
        p.wireResistance = r
        p.wireModel = .mesh
        p.tileRows = tileRows
        p.tileColumns = tileRows
        var rng = SeededGenerator(seed: seed)
        return ResistiveCircuit(network: ResistiveNetwork(architecture: architecture, preset: p, conductanceScale: 2e-3, rng: &rng), preset: p)
    }

    static func pixels(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in rng.uniform(0, 1) < 0.4 ? 0 : rng.uniform(0, 1) }
    }

    /// 20-8-4 at 1 Ω and 0.15 Ω per segment, untiled and with 16-cell tiles (40 input rows →
    /// three tiles high), free and nudged (fixed currents and a conductance).
    @Test(arguments: [(1.0, 0), (0.15, 0), (1.0, 16), (0.15, 16)])
    func swiftMatchesNgspiceOnEveryNode(r: Double, tile: Int) throws {
        let circuit = try Self.meshedCircuit(r: r, tileRows: tile, architecture: [20, 8, 4], seed: 7)
        #expect(circuit.isMeshed)
        let u = CircuitConditions.inputVoltages(pixels: Self.pixels(20, seed: 3), gain: circuit.preset.inputGain)
        let phases: [DeckRequest.Phase] = [.free, .nudged(beta: 1e-4, label: 2, targetVolts: 1, asConductance: false),
                                           .nudged(beta: 1e-3, label: 1, targetVolts: 1, asConductance: true)]
        for phase in phases {
            var request = DeckRequest(circuit: circuit, inputVoltages: u)
            request.phase = phase
            let built = try request.build()
            #expect(built.solverStatistics.converged)
            // The Swift state, and the mesh nodes it implies.
            let net = circuit.network
            let state = (1...net.depth).map { l in
                DoubleMatrix(rows: 1, columns: net.nodes(inLayer: l),
                             elements: (0..<net.nodes(inLayer: l)).map { built.swiftVoltages[circuit.names.node(layer: l, index: $0)]! })
            }
            let mesh = circuit.meshNodeVoltages(inputVoltages: DoubleMatrix(rows: 1, columns: u.count, elements: u), state: state)
            #expect(mesh.count == 2 * (40 * 8 + 8 * 4))
            var netlist = built.netlist
            let names = mesh.keys.sorted()
            for k in stride(from: 0, to: names.count, by: 8) {
                netlist.control.insert("print " + names[k..<min(k + 8, names.count)].map { "v(\($0))" }.joined(separator: " "), at: netlist.control.lastIndex(of: "quit") ?? netlist.control.endIndex)
            }
            let deck = try SpiceWriter.write(netlist)
            #expect(deck.contains("* crossbar 1 tile 0: rows 0-"))
            let run = try NgspiceBatchRun.run(deck: deck)
            #expect(run.errorLines.isEmpty, "\(run.errorLines)")
            var worst = 0.0, compared = 0
            for (node, v) in built.swiftVoltages.merging(mesh, uniquingKeysWith: { a, _ in a }) {
                guard let ng = run.voltages[node] else { Issue.record("ngspice printed no v(\(node))"); continue }
                worst = max(worst, abs(ng - v))
                compared += 1
            }
            #expect(compared == built.swiftVoltages.count + mesh.count)
            #expect(worst <= 1e-6, "r = \(r), tile \(tile), \(phase): max |ΔV| = \(worst) V over \(compared) nodes")
            if case .free = phase {
                // The static power, with the sources' currents through the wires' own drops.
                let swiftPower = circuit.sourcePower(CircuitConditions(inputVoltages: DoubleMatrix(rows: 1, columns: u.count, elements: u)),
                                                     state: state.flatMap(\.elements)).total
                let line = run.output.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("p_total") }
                let ngspicePower = line.flatMap { Double($0.split(separator: "=").last!.trimmingCharacters(in: .whitespaces)) }
                #expect(ngspicePower != nil && abs(ngspicePower! - swiftPower) <= 1e-9 * abs(swiftPower),
                        "static power: ngspice \(String(describing: ngspicePower)) W, Swift \(swiftPower) W")
            }
            print("mesh deck r=\(r) tile=\(tile) \(phase): max |dV| \(worst) V over \(compared) nodes")
        }
    }

    /// 64-32-10, 3 samples each free and current-nudged, at 1 Ω in 32-cell tiles: free nodes and
    /// wire nodes within 1e-6 V of stock ngspice (each deck takes ngspice several seconds: the
    /// issue's 20 samples are left to a longer run).
    @Test(arguments: [(1.0, 32)])
    func largerNetworkThreeSamples(r: Double, tile: Int) throws {
        let circuit = try Self.meshedCircuit(r: r, tileRows: tile, architecture: [64, 32, 10], seed: 9)
        var worst = 0.0
        for sample in 0..<3 {
            let u = CircuitConditions.inputVoltages(pixels: Self.pixels(64, seed: 100 + UInt64(sample)), gain: 1)
            for phase in [DeckRequest.Phase.free, .nudged(beta: 1e-4, label: sample % 10, targetVolts: 1, asConductance: false)] {
                var request = DeckRequest(circuit: circuit, inputVoltages: u)
                request.phase = phase
                let built = try request.build()
                let net = circuit.network
                let state = (1...net.depth).map { l in
                    DoubleMatrix(rows: 1, columns: net.nodes(inLayer: l),
                                 elements: (0..<net.nodes(inLayer: l)).map { built.swiftVoltages[circuit.names.node(layer: l, index: $0)]! })
                }
                let mesh = circuit.meshNodeVoltages(inputVoltages: DoubleMatrix(rows: 1, columns: u.count, elements: u), state: state)
                var netlist = built.netlist
                let names = mesh.keys.sorted()
                for k in stride(from: 0, to: names.count, by: 8) {
                    netlist.control.insert("print " + names[k..<min(k + 8, names.count)].map { "v(\($0))" }.joined(separator: " "), at: netlist.control.lastIndex(of: "quit") ?? netlist.control.endIndex)
                }
                let run = try NgspiceBatchRun.run(deck: try SpiceWriter.write(netlist))
                #expect(run.errorLines.isEmpty, "\(run.errorLines)")
                for (node, v) in built.swiftVoltages.merging(mesh, uniquingKeysWith: { a, _ in a }) {
                    guard let ng = run.voltages[node] else { Issue.record("ngspice printed no v(\(node))"); continue }
                    worst = max(worst, abs(ng - v))
                }
            }
        }
        #expect(worst <= 1e-6, "max |ΔV| = \(worst) V")
        print("mesh deck 64-32-10 r=\(r) tile=\(tile) 3 samples free+nudged: max |dV| \(worst) V")
    }

    /// The Norton-folded form has no exact meaning with a mesh: refused, naming the field.
    @Test func nortonFormIsRefusedWithWires() throws {
        let circuit = try Self.meshedCircuit(r: 1, tileRows: 0, architecture: [4, 4, 2], seed: 1)
        let u = CircuitConditions.inputVoltages(pixels: [0.5, 0, 1, 0.2], gain: 1)
        var request = DeckRequest(circuit: circuit, inputVoltages: u)
        request.options.form = .nortonInputs
        #expect(throws: CircuitError.self) { try request.build() }
        do { _ = try request.build() } catch { #expect("\(error)".contains("wire_resistance_ohms")) }
    }
}
