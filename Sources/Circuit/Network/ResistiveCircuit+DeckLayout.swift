import Numerics

/// The schematic blocks of a deck: the preset's physical constants as `.param` cards and each
/// crossbar of cells as a `.subckt`.
extension ResistiveCircuit {
    /// The preset's physical constants, each with a comment giving its meaning and unit.
    /// The rails and the node capacitance are used by the elements (`DC {v_bias}`, `{c_node}`):
    /// ngspice's numparam reads them exactly (at most 15 significant digits; otherwise the
    /// elements carry the value). The input gain and the conductance window are reference
    /// values: the input sources and cells are written out in full, since numparam rounds a
    /// product such as g_in*x to about 15 digits (up to 4e-16 V off).
    public var deckParameters: [Parameter] {
        let p = preset
        var cards = [
            Parameter("g_in", p.inputGain, "input gain: pixel x in [0, 1] drives +g_in*x (xNp) and -g_in*x (xNn), V (reference: the sources carry g_in*x in full)"),
            Parameter("v_bias", p.biasVolts, "bias rails: bp at +v_bias, bn at -v_bias, V"),
        ]
        if depth > 1 {
            switch p.clamp {
            case .oneSided:
                cards.append(Parameter("v_ce", p.clampLow + p.diodeOffset,
                                       "rail ce of the excitatory clamp diodes (nodes >= \(SpiceNumber.engineering(p.clampLow)) V, diode offset \(SpiceNumber.engineering(p.diodeOffset)) V), V"))
                cards.append(Parameter("v_ci", p.clampHigh - p.diodeOffset,
                                       "rail ci of the inhibitory clamp diodes (nodes <= \(SpiceNumber.engineering(p.clampHigh)) V), V"))
            case .twoSided:
                cards.append(Parameter("v_cl", p.clampLow + p.diodeOffset,
                                       "rail cl of the lower clamp diodes (nodes >= \(SpiceNumber.engineering(p.clampLow)) V, diode offset \(SpiceNumber.engineering(p.diodeOffset)) V), V"))
                cards.append(Parameter("v_ch", p.clampHigh - p.diodeOffset,
                                       "rail ch of the upper clamp diodes (nodes <= \(SpiceNumber.engineering(p.clampHigh)) V), V"))
            }
        }
        cards.append(Parameter("g_min", p.conductanceMin, "conductance window of a crossbar cell: lower end, S (reference: the cells carry R = 1/G in full)"))
        cards.append(Parameter("g_max", p.conductanceMax, "conductance window of a crossbar cell: upper end, S"))
        if p.nodeCapacitance > 0 { cards.append(Parameter("c_node", p.nodeCapacitance, "capacitance of every free node to ground, F")) }
        if hasAmplifiers { cards.append(Parameter("a_amp", amplifierGain, "voltage gain of the bidirectional amplifiers between layers (reference: the E/F elements carry it)")) }
        if p.wireResistance > 0 { cards.append(Parameter("r_wire", p.wireResistance, "wire resistance per crossbar cell, ohm (reference: included in each cell's R)")) }
        return cards
    }

    /// The largest tile of a crossbar `.subckt`: rows × columns of cells. ngspice 39 refuses a
    /// subcircuit call with more than about 1,000 nodes (`N_GLOBAL_NODES overflow`), so a
    /// crossbar with more than 1,000 rows and columns is drawn as tiles of at most 512 rows ×
    /// 480 columns (the tile size of common analog accelerators is 512 × 512).
    public static let crossbarTile = (rows: 512, columns: 480)

    /// Crossbar `l` (layer l−1 → layer l, l ≥ 1) as `.subckt crossbarL` (or, when it has more
    /// than 1,000 rows and columns, one `.subckt crossbarL_R_C` per tile of row block R and column
    /// block C), added to `deck` with a comment line at the point of use; returns the
    /// instances. The ports carry the names of the nodes they join (amplifier outputs `a_…`
    /// when layer l−1 drives through amplifiers), so the cells keep their node names inside
    /// the blocks, and every cell is written with its exact value.
    func addCrossbarSubcircuits(_ l: Int, amplified: Bool, to deck: inout Netlist) -> [SubcircuitInstance] {
        let g = crossbar(l - 1)
        let rows = network.nodes(inLayer: l - 1), columns = network.nodes(inLayer: l)
        let below = (0..<rows).map { names.node(layer: l - 1, index: $0) }
        let from = below.map { amplified ? "a_\($0)" : $0 }
        let to = (0..<columns).map { names.node(layer: l, index: $0) }
        let tiled = rows + columns > 1000
        let tileRows = tiled ? Self.crossbarTile.rows : rows, tileColumns = tiled ? Self.crossbarTile.columns : columns
        let wire = preset.usesFirstOrderWires ? ", G the device in series with r_wire*(i+j+2)" : ""
        var instances: [SubcircuitInstance] = []
        var tileNames: [String] = []
        for r0 in stride(from: 0, to: rows, by: tileRows) {
            for c0 in stride(from: 0, to: columns, by: tileColumns) {
                let r = r0..<min(r0 + tileRows, rows), c = c0..<min(c0 + tileColumns, columns)
                let name = tiled ? "crossbar\(l)_\(r0 / tileRows)_\(c0 / tileColumns)" : "crossbar\(l)"
                var block = Subcircuit(name: name, ports: Array(from[r]) + Array(to[c]))
                let part = tiled ? "tile of rows \(r.lowerBound)-\(r.upperBound - 1), columns \(c.lowerBound)-\(c.upperBound - 1) of " : ""
                block.comment("\(part)crossbar \(l): \(rows) rows (layer \(l - 1)) x \(columns) columns (layer \(l)), one cell R = 1/G per row and column\(wire)")
                for i in r {
                    for j in c {
                        block.add(.resistor(name: "R\(l)_\(below[i])_\(to[j])", a: from[i], b: to[j], ohms: 1 / g[i, j]))
                    }
                }
                deck.subcircuits.append(block)
                tileNames.append(name)
                instances.append(SubcircuitInstance(name: "X\(name)", nodes: block.ports, subcircuit: name))
            }
        }
        let blocks = tiled ? "in \(tileNames.count) tiles (.subckt \(tileNames.first!) ... \(tileNames.last!)) below" : "in .subckt \(tileNames[0]) below"
        deck.comment("crossbar \(l): layer \(l - 1) (\(rows) nodes) -> layer \(l) (\(columns) nodes), its \(rows * columns) cells \(blocks)")
        return instances
    }
}
