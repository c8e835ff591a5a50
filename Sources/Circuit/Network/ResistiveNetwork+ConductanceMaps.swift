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
    ///
    /// Each file is a name and a writer that streams its bytes: no CSV is held in memory whole
    /// (the first crossbar of drn-xl is 51 million cells, about 0.8 GB of text).
    public func conductanceMapFiles() -> [(name: String, write: (StreamWriter) throws -> Void)] {
        var files: [(name: String, write: (StreamWriter) throws -> Void)] = []
        let names = NodeNames(network: self)
        for l in 1...depth {
            let g = conductances[l - 1]
            files.append(("crossbar-\(l).csv", { out in
                try out.write("row," + (0..<g.columns).map { names.node(layer: l, index: $0) }.joined(separator: ","))
                for i in 0..<g.rows {
                    try out.write("\n" + names.node(layer: l - 1, index: i))
                    for j in 0..<g.columns {
                        try out.write(",")
                        try out.write(scientific: g[i, j], digits: 9)
                    }
                }
                try out.write("\n")
            }))
            files.append(("crossbar-\(l).svg", { out in try out.write(heatMap(crossbar: l).svg()) }))
        }
        files.append(("biases.csv", { out in
            try out.write("layer,node,to_positive_rail_siemens,to_negative_rail_siemens\n")
            for l in 1...depth {
                for j in 0..<layerSizes[l - 1] {
                    try out.write("\(l),\(names.node(layer: l, index: j)),")
                    try out.write(scientific: biasToPositiveRail[l - 1][j], digits: 9)
                    try out.write(",")
                    try out.write(scientific: biasToNegativeRail[l - 1][j], digits: 9)
                    try out.write("\n")
                }
            }
        }))
        return files
    }

    /// Crossbar l's heat map in µS (`HeatMap`; large crossbars as block means).
    func heatMap(crossbar l: Int) -> HeatMap {
        let g = conductances[l - 1]
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
        return map
    }
}
