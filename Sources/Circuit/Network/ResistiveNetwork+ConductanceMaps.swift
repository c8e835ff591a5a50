import Foundation
import Numerics
import Reporting

extension ResistiveNetwork {
    /// The trained circuit as a designer reads it, in physical units:
    /// - `crossbar-<l>.csv` for crossbar l = 1…L: a header line naming the columns (the nodes of
    ///   layer l), then a line per row (the sources x⁺ᵢ, x⁻ᵢ for l = 1, else the nodes of layer
    ///   l−1) led by its name (the netlists' `NodeNames`: x3p, x3n, h1_17, o4), conductances in S (`%.9e`: a 64-level device's step is ~1e-8 S);
    /// - `crossbar-<l>.svg`: its heat map in µS (`HeatMap`; large crossbars as block means);
    /// - `biases.csv`: every free node's conductances to the +V_b and −V_b rails, S.
    public func conductanceMapFiles() -> [(name: String, data: Data)] {
        var files: [(name: String, data: Data)] = []
        let names = NodeNames(network: self)
        for l in 1...depth {
            let g = conductances[l - 1]
            let rowNames = (0..<g.rows).map { names.node(layer: l - 1, index: $0) }
            let columnNames = (0..<g.columns).map { names.node(layer: l, index: $0) }
            var csv = "row," + columnNames.joined(separator: ",") + "\n"
            csv.reserveCapacity(g.count * 17)
            for i in 0..<g.rows {
                csv += rowNames[i]
                for j in 0..<g.columns { csv += "," + String(format: "%.9e", g[i, j]) }
                csv += "\n"
            }
            files.append(("crossbar-\(l).csv", Data(csv.utf8)))
            var map = HeatMap(title: "Crossbar \(l): layer \(l - 1) → layer \(l), \(g.rows) × \(g.columns) cells",
                              rowLabel: l == 1 ? "input source (x⁺ of every pixel, then x⁻)" : "node of layer \(l - 1)",
                              columnLabel: l == depth ? "output node" : "node of layer \(l)",
                              unit: "conductance (µS)", rows: g.rows, columns: g.columns, values: g.elements.map { $0 * 1e6 })
            let (lo, hi) = HeatMap.finiteRange(map.values), mean = map.values.reduce(0, +) / Double(map.values.count)
            map.range = lo...hi
            map.notes = [String(format: "trained for preset '%@'; min %.4g µS, mean %.4g µS, max %.4g µS", presetName, lo, mean, hi)]
            let blocks = map.cellsPerPixel
            if blocks.rows > 1 || blocks.columns > 1 {
                map.notes.append("each pixel is the mean of \(blocks.rows) × \(blocks.columns) cells; crossbar-\(l).csv holds every cell")
            }
            files.append(("crossbar-\(l).svg", Data(map.svg().utf8)))
        }
        var biases = "layer,node,to_positive_rail_siemens,to_negative_rail_siemens\n"
        for l in 1...depth {
            for j in 0..<layerSizes[l - 1] {
                biases += "\(l),\(names.node(layer: l, index: j)),"
                    + String(format: "%.9e,%.9e\n", biasToPositiveRail[l - 1][j], biasToNegativeRail[l - 1][j])
            }
        }
        files.append(("biases.csv", Data(biases.utf8)))
        return files
    }
}
