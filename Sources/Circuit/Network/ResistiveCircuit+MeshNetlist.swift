import Numerics

/// The wire mesh in a deck (docs/wire-mesh.md): every wire segment and every device a resistor.
///
/// Node names say crossbar, tile, wire and position: `r<l>t<t>_<i>_<j>` is the row-wire node
/// of cell (i, j) of crossbar l (1 = inputs → layer 1) in tile t, `c<l>t<t>_<i>_<j>` its
/// column-wire node (i, j: the cell's row and column in the whole crossbar; tiles numbered
/// row-major from 0). Resistors: `R<l>_<row node>_<column node>` the device (as without wires),
/// `Rwr…`/`Rwc…` the row/column wire segment that ends at the cell's node.
extension ResistiveCircuit {
    /// The two wires of a crossbar cell.
    public enum MeshWire: Sendable { case row, column }

    /// The tile that holds cell (i, j) of crossbar `index` (0-based: 0 = inputs → layer 1).
    public func meshTile(crossbar index: Int, row i: Int, column j: Int) -> Int {
        let m = meshes[index]
        let across = (m.columns + m.tileColumns - 1) / m.tileColumns
        return (i / m.tileRows) * across + j / m.tileColumns
    }

    /// The deck's name of the mesh node of cell (i, j) on its row or column wire, crossbar
    /// `index` (0-based).
    public func meshNodeName(crossbar index: Int, row i: Int, column j: Int, wire: MeshWire) -> String {
        "\(wire == .row ? "r" : "c")\(index + 1)t\(meshTile(crossbar: index, row: i, column: j))_\(i)_\(j)"
    }

    /// Appends crossbar `index` (0-based) as its wire mesh: a comment per tile, then per cell
    /// the row-wire segment, the column-wire segment and the device. `rowPort(i)` is the node
    /// driving row wire i (an input source, a node of the layer below or its amplifier output),
    /// `columnPort(j)` the neuron node column wire j joins.
    func appendMesh(crossbar index: Int, to deck: inout Netlist, rowPort: (Int) -> String, columnPort: (Int) -> String) {
        let m = meshes[index]
        let g = network.conductances[index]
        let r = preset.wireResistance
        let f = SpiceNumber.format
        var tile = 0
        for i0 in stride(from: 0, to: m.rows, by: m.tileRows) {
            for j0 in stride(from: 0, to: m.columns, by: m.tileColumns) {
                let i1 = min(i0 + m.tileRows, m.rows), j1 = min(j0 + m.tileColumns, m.columns)
                deck.comment("crossbar \(index + 1) tile \(tile): rows \(i0)-\(i1 - 1), columns \(j0)-\(j1 - 1); row wires driven at column \(j0), column wires join their node at row \(i0); \(f(r)) ohm per segment")
                for i in i0..<i1 {
                    for j in j0..<j1 {
                        let x = "r\(index + 1)t\(tile)_\(i)_\(j)", y = "c\(index + 1)t\(tile)_\(i)_\(j)"
                        deck.add(.resistor(name: "Rw\(x)", a: j == j0 ? rowPort(i) : "r\(index + 1)t\(tile)_\(i)_\(j - 1)", b: x, ohms: r))
                        deck.add(.resistor(name: "Rw\(y)", a: i == i0 ? columnPort(j) : "c\(index + 1)t\(tile)_\(i - 1)_\(j)", b: y, ohms: r))
                        deck.add(.resistor(name: "R\(index + 1)_\(x)_\(y)", a: x, b: y, ohms: 1 / g[i, j]))
                    }
                }
                tile += 1
            }
        }
    }

    /// The voltage of every mesh node of one sample's solved state, keyed by deck node name (V):
    /// row `sample` of `inputVoltages` and of each free layer's state. Crossbar 0's rows are
    /// the inputs; crossbar l's rows are layer l's nodes times the amplifier gain.
    public func meshNodeVoltages(inputVoltages u: DoubleMatrix, state: [DoubleMatrix], sample: Int = 0) -> [String: Double] {
        var out: [String: Double] = [:]
        for l in 0..<meshes.count {
            var rows = DoubleMatrix(rows: 1, columns: meshes[l].rows)
            var columns = DoubleMatrix(rows: 1, columns: meshes[l].columns)
            for i in 0..<rows.columns { rows[0, i] = l == 0 ? u[sample, i] : amplifierGain * state[l - 1][sample, i] }
            for j in 0..<columns.columns { columns[0, j] = state[l][sample, j] }
            meshes[l].nodeVoltages(rowVoltages: rows, columnVoltages: columns) { _, x, y in
                for i in 0..<x.rows {
                    for j in 0..<x.columns {
                        out[meshNodeName(crossbar: l, row: i, column: j, wire: .row)] = x[i, j]
                        out[meshNodeName(crossbar: l, row: i, column: j, wire: .column)] = y[i, j]
                    }
                }
            }
        }
        return out
    }
}
