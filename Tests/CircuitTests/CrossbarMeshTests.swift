import Circuit
import Foundation
import Numerics
import Testing

/// The wire mesh (docs/wire-mesh.md) against a dense direct solve of the same network built
/// from the geometry's plain description, and the circuit solver on meshed circuits.
@Suite struct CrossbarMeshTests {
    /// The mesh of a rows × columns crossbar written out node by node (tiles, wires, cells) and
    /// solved by dense Gaussian elimination with partial pivoting: the reference.
    struct DenseMesh {
        let rows: Int, columns: Int
        /// Port voltages: u (rows), v (columns); returns node voltages x, y (rows × columns) and
        /// the port currents into the mesh.
        static func solve(g: DoubleMatrix, r: Double, tileRows: Int, tileColumns: Int, u: [Double], v: [Double])
            -> (x: DoubleMatrix, y: DoubleMatrix, rowCurrents: [Double], columnCurrents: [Double]) {
            let rows = g.rows, columns = g.columns
            let tr = tileRows > 0 ? tileRows : rows, tc = tileColumns > 0 ? tileColumns : columns
            // Unknowns: x_ij at i*C+j, y_ij at R*C + i*C+j.
            let n = 2 * rows * columns
            var a = [Double](repeating: 0, count: n * n), rhs = [Double](repeating: 0, count: n)
            func x(_ i: Int, _ j: Int) -> Int { i * columns + j }
            func y(_ i: Int, _ j: Int) -> Int { rows * columns + i * columns + j }
            func link(_ p: Int, _ q: Int, _ c: Double) {
                a[p * n + p] += c; a[q * n + q] += c; a[p * n + q] -= c; a[q * n + p] -= c
            }
            func toPort(_ p: Int, _ volts: Double, _ c: Double) { a[p * n + p] += c; rhs[p] += c * volts }
            for i in 0..<rows {
                for j in 0..<columns {
                    link(x(i, j), y(i, j), g[i, j])
                    // Row wire: from the driver at the tile's first column, then cell to cell.
                    if j % tc == 0 { toPort(x(i, j), u[i], 1 / r) } else { link(x(i, j - 1), x(i, j), 1 / r) }
                    // Column wire: from the neuron node at the tile's first row, then cell to cell.
                    if i % tr == 0 { toPort(y(i, j), v[j], 1 / r) } else { link(y(i - 1, j), y(i, j), 1 / r) }
                }
            }
            // Gaussian elimination with partial pivoting.
            var sol = rhs
            var m = a
            for k in 0..<n {
                var piv = k
                for i in k..<n where abs(m[i * n + k]) > abs(m[piv * n + k]) { piv = i }
                if piv != k {
                    for j in 0..<n { m.swapAt(k * n + j, piv * n + j) }
                    sol.swapAt(k, piv)
                }
                for i in (k + 1)..<n {
                    let f = m[i * n + k] / m[k * n + k]
                    if f == 0 { continue }
                    for j in k..<n { m[i * n + j] -= f * m[k * n + j] }
                    sol[i] -= f * sol[k]
                }
            }
            for k in stride(from: n - 1, through: 0, by: -1) {
                var s = sol[k]
                for j in (k + 1)..<n { s -= m[k * n + j] * sol[j] }
                sol[k] = s / m[k * n + k]
            }
            var xs = DoubleMatrix(rows: rows, columns: columns), ys = xs
            var ir = [Double](repeating: 0, count: rows), ic = [Double](repeating: 0, count: columns)
            for i in 0..<rows {
                for j in 0..<columns {
                    xs[i, j] = sol[x(i, j)]; ys[i, j] = sol[y(i, j)]
                    if j % tc == 0 { ir[i] += (u[i] - xs[i, j]) / r }
                    if i % tr == 0 { ic[j] += (v[j] - ys[i, j]) / r }
                }
            }
            return (xs, ys, ir, ic)
        }
    }

    /// Random sizes (1–9 rows and columns, tiled or not), wire resistances 1 mΩ – 10 Ω and
    /// conductances 1 µS – 1 mS: every internal node within 1e-9 V of the dense solve, every
    /// port current within 1e-9 V × the port's conductance scale, and the port admittance a
    /// Laplacian that reproduces the port currents.
    @Test func matchesDenseSolveOfTheSameNetwork() {
        var rng = SeededGenerator(seed: 16)
        for trial in 0..<60 {
            let rows = Int(rng.uniform(1, 10)), columns = Int(rng.uniform(1, 10))
            let tiled = trial % 3 != 0
            let tileRows = tiled ? Int(rng.uniform(1, Double(rows) + 1)) : 0
            let tileColumns = tiled ? Int(rng.uniform(1, Double(columns) + 1)) : 0
            let r = pow(10, rng.uniform(-3, 1))
            var g = DoubleMatrix(rows: rows, columns: columns)
            for k in 0..<g.elements.count { g.elements[k] = pow(10, rng.uniform(-6, -3)) }
            let batch = 3
            var u = DoubleMatrix(rows: batch, columns: rows), v = DoubleMatrix(rows: batch, columns: columns)
            for k in 0..<u.elements.count { u.elements[k] = rng.uniform(-1, 1) }
            for k in 0..<v.elements.count { v.elements[k] = rng.uniform(-1, 1) }
            let mesh = CrossbarMesh(conductances: g, wireResistance: r, tileRows: tileRows, tileColumns: tileColumns)
            let currents = mesh.portCurrents(rowVoltages: u, columnVoltages: v)
            let scale = g.elements.reduce(0, +)  // S: 1e-9 V across the whole crossbar
            var worstNode = 0.0, worstCurrent = 0.0
            mesh.nodeVoltages(rowVoltages: u, columnVoltages: v) { b, x, y in
                let ref = DenseMesh.solve(g: g, r: r, tileRows: tileRows, tileColumns: tileColumns, u: u.row(b), v: v.row(b))
                for k in 0..<x.elements.count {
                    worstNode = max(worstNode, abs(x.elements[k] - ref.x.elements[k]), abs(y.elements[k] - ref.y.elements[k]))
                }
                for i in 0..<rows { worstCurrent = max(worstCurrent, abs(currents.rows[b, i] - ref.rowCurrents[i])) }
                for j in 0..<columns { worstCurrent = max(worstCurrent, abs(currents.columns[b, j] - ref.columnCurrents[j])) }
            }
            #expect(worstNode <= 1e-9, "trial \(trial): \(rows)×\(columns), tiles \(tileRows)×\(tileColumns), r = \(r): node error \(worstNode) V")
            #expect(worstCurrent <= 1e-9 * scale, "trial \(trial): port current error \(worstCurrent) A")
            // The admittance: a Laplacian giving the same port currents.
            let y = mesh.admittance(rowPorts: true)
            for s in 0..<batch {
                for i in 0..<rows {
                    var c = 0.0, sum = 0.0
                    for k in 0..<rows { c += y.rowSelf[i, k] * u[s, k]; sum += y.rowSelf[i, k] }
                    for j in 0..<columns { c -= y.cross[i, j] * v[s, j]; sum -= y.cross[i, j] }
                    #expect(abs(c - currents.rows[s, i]) <= 1e-9 * scale)
                    #expect(abs(sum) <= 1e-12 * scale / r + 1e-9 * scale)
                }
                for j in 0..<columns {
                    var c = 0.0
                    for k in 0..<columns { c += y.columnSelf[j, k] * v[s, k] }
                    for i in 0..<rows { c -= y.cross[i, j] * u[s, i] }
                    #expect(abs(c - currents.columns[s, j]) <= 1e-9 * scale)
                }
            }
            let columnOnly = mesh.admittance(rowPorts: false)
            for k in 0..<(columns * columns) {
                #expect(abs(columnOnly.columnSelf.elements[k] - y.columnSelf.elements[k]) <= 1e-12 * scale)
            }
        }
    }

    /// A single cell: I = (u − v)/(2r + 1/G), the two segments in series with the device.
    /// The forward substitution of the rows, made once (`rowForward`) and reused by later
    /// solves whose rows are the same voltages repeated (both phases of a minibatch on the
    /// input crossbar), gives the same currents and device voltages as solving from scratch:
    /// on meshes whose tiles run both ways (some transposed, which have nothing to reuse).
    @Test func reusedRowForwardGivesTheSameSolution() {
        var rng = SeededGenerator(seed: 23)
        for (rows, columns, tile) in [(37, 9, 8), (9, 37, 8), (40, 12, 0), (23, 23, 7)] {
            var g = DoubleMatrix(rows: rows, columns: columns)
            for k in 0..<g.elements.count { g.elements[k] = pow(10, rng.uniform(-6, -4)) }
            let mesh = CrossbarMesh(conductances: g, wireResistance: 1, tileRows: tile, tileColumns: tile)
            let b = 3
            var u = DoubleMatrix(rows: b, columns: rows), v = DoubleMatrix(rows: 2 * b, columns: columns)
            for k in 0..<u.elements.count { u.elements[k] = rng.uniform(-1, 1) }
            for k in 0..<v.elements.count { v.elements[k] = rng.uniform(-1, 1) }
            let forward = mesh.rowForward(u)
            let zero = DoubleMatrix(rows: b, columns: columns)
            let plain = mesh.portCurrents(rowVoltages: u, columnVoltages: zero, rowPorts: false).columns
            let reused = mesh.portCurrents(rowVoltages: u, columnVoltages: zero, rowPorts: false, forward: forward).columns
            #expect(plain.maxAbsDifference(reused) <= 1e-15 * max(plain.elements.map(abs).max()!, 1e-300), "\(rows)×\(columns)")
            var twice = DoubleMatrix(rows: 2 * b, columns: rows)
            twice.writeRows(startingAt: 0, from: u)
            twice.writeRows(startingAt: b, from: u)
            let weights = (0..<(2 * b)).map { $0 < b ? -0.5 : 0.5 }
            let d0 = mesh.weightedDeviceVoltageSquares(rowVoltages: twice, columnVoltages: v, weights: weights)
            let d1 = mesh.weightedDeviceVoltageSquares(rowVoltages: twice, columnVoltages: v, weights: weights, forward: forward)
            #expect(d0.maxAbsDifference(d1) <= 1e-12 * d0.elements.map(abs).max()!, "\(rows)×\(columns)")
            // Rows that are not the forward's own voltages: it is not used.
            var other = twice
            other[0, 0] += 0.25
            let d2 = mesh.weightedDeviceVoltageSquares(rowVoltages: other, columnVoltages: v, weights: weights)
            let d3 = mesh.weightedDeviceVoltageSquares(rowVoltages: other, columnVoltages: v, weights: weights, forward: forward)
            #expect(d2.maxAbsDifference(d3) == 0)
        }
    }

    @Test func singleCellIsTwoSegmentsInSeries() {
        let g = DoubleMatrix(rows: 1, columns: 1, elements: [1e-4])
        let mesh = CrossbarMesh(conductances: g, wireResistance: 2, tileRows: 0, tileColumns: 0)
        let i = mesh.portCurrents(rowVoltages: DoubleMatrix(rows: 1, columns: 1, elements: [1]),
                                  columnVoltages: DoubleMatrix(rows: 1, columns: 1, elements: [-0.5]))
        let exact = 1.5 / (4 + 1e4)
        // The reduction loses about log₁₀(1/(r·G)) ≈ 3.7 digits to cancellation (CrossbarMesh).
        #expect(abs(i.rows[0, 0] - exact) <= 1e-11 * exact, "\(i.rows[0, 0]) vs \(exact)")
        #expect(abs(i.columns[0, 0] + exact) <= 1e-11 * exact, "\(i.columns[0, 0]) vs \(-exact)")
    }

    func presetJSON(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let data = try Data(contentsOf: TestSupport.root.appendingPathComponent("hardware/ideal-mesh.json"))
        var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// Bad wire and tile fields are rejected naming the field.
    @Test func badWireAndTileFieldsAreNamed() throws {
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("wire_resistance_ohms", { $0["wire_resistance_ohms"] = -0.5 }),
            ("tile_rows", { $0["tile_rows"] = 0 }),
            ("tile_columns", { $0["tile_columns"] = 2.5 }),
            ("wire_model", { $0["wire_model"] = "ladder" }),
        ]
        for (field, edit) in cases {
            do {
                _ = try HardwarePreset(json: try presetJSON(edit), path: "p.json")
                Issue.record("accepted a preset with a bad \(field)")
            } catch let e as PresetError {
                #expect(e.description.contains(field), "\(e)")
            }
        }
        // Non-finite: a number JSON cannot hold exactly, written as text.
        let text = String(decoding: try presetJSON { _ in }, as: UTF8.self)
            .replacingOccurrences(of: "\"wire_resistance_ohms\":1", with: "\"wire_resistance_ohms\":1e999")
        #expect(text.contains("1e999"))
        #expect(throws: PresetError.self) { try HardwarePreset(json: Data(text.utf8), path: "p.json") }
        // Absent tile fields: untiled; ideal wires ignore tiles.
        let untiled = try HardwarePreset(json: try presetJSON { $0["tile_rows"] = nil; $0["tile_columns"] = nil }, path: "p.json")
        #expect(untiled.tileRows == 0 && untiled.usesMesh)
    }

    /// A mesh too large for memory is refused before allocation, with the estimate and the fix.
    @Test func meshTooLargeForMemoryIsRefused() throws {
        var p = try TestSupport.preset("ideal-mesh")
        p.tileRows = 0
        p.tileColumns = 0
        var rng = SeededGenerator(seed: 1)
        let net = ResistiveNetwork(architecture: [784, 2048, 10], preset: p, conductanceScale: 1e-4, rng: &rng)
        do {
            try net.validate(against: p)
            Issue.record("accepted an untiled 1568 × 2048 mesh")
        } catch let e as CircuitError {
            #expect("\(e)".contains("GB") && "\(e)".contains("tile_rows"), "\(e)")
        }
        p.tileRows = 128
        p.tileColumns = 128
        try net.validate(against: p)  // 13 × 16 tiles of 128²: 3.5 GB
    }

    /// Ideal wires: tiles change nothing, and the circuit is the unmeshed one bit for bit.
    @Test func idealWiresIgnoreTiles() throws {
        var p = try TestSupport.preset("ideal")
        var rng = SeededGenerator(seed: 2)
        let net = ResistiveNetwork(architecture: [6, 4, 3], preset: p, conductanceScale: 1e-3, rng: &rng)
        let plain = ResistiveCircuit(network: net, preset: p)
        p.tileRows = 2
        p.tileColumns = 2
        let tiled = ResistiveCircuit(network: net, preset: p)
        #expect(!tiled.isMeshed)
        let u = CircuitConditions.inputVoltages(pixels: DoubleMatrix([[0.3, 0, 1, 0.5, 0.2, 0.9]]), gain: 1)
        var a = net.layerSizes.map { DoubleMatrix(rows: 1, columns: $0) }, b = a
        CircuitSolver(diodeModel: .ideal).relax(plain, conditions: CircuitConditions(inputVoltages: u), state: &a)
        CircuitSolver(diodeModel: .ideal).relax(tiled, conditions: CircuitConditions(inputVoltages: u), state: &b)
        #expect(a == b)
    }
}
