import Foundation
import Reporting

extension ExportedNetwork {
    /// The JSON export, for people and web tools:
    ///
    ///     {
    ///       "format": "eqprop-export",
    ///       "eqprop_version": "eqprop export format 1",
    ///       "architecture": [784, 500, 10],
    ///       "input": "784 float32 values: pixels in [0, 1] …",
    ///       "readout": {"kind": "single", "classes": 10, "formula": "score_k = out_k, k = 0..9"},
    ///       "layers": [
    ///         {"in": 784, "out": 500, "activation": "hard-sigmoid", "formula": "clip(v, 0, 1)",
    ///          "weight": [[…784 numbers…], …500 rows…], "bias": […500 numbers…]},
    ///         …
    ///       ],
    ///       "metadata": {…every metadata pair…}
    ///     }
    ///
    /// `weight` is [out][in] (the PyTorch layout): out_j = act(Σ_i weight[j][i]·in_i + bias[j]).
    /// Numbers are the shortest decimals that read back as the same float32; one weight row
    /// per line.
    public func json() throws -> Data {
        func text(_ s: String) throws -> String { try JSONOutput.line(s) }
        func numbers(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
        var out = "{\n"
        out += "  \"format\": \(try text(ExportMetadata.format)),\n"
        out += "  \"eqprop_version\": \(try text(ExportMetadata.version)),\n"
        out += "  \"architecture\": [\(network.layerSizes.map(String.init).joined(separator: ", "))],\n"
        out += "  \"input\": \(try text(metadata["input"] ?? "")),\n"
        out += "  \"readout\": {\"kind\": \(try text(readout.name)), \"classes\": \(classes), "
            + "\"formula\": \(try text(readout.formula))},\n"
        out += "  \"layers\": [\n"
        for l in 0..<depth {
            let w = weightRows(l)
            let activation = network.activations[l]
            out += "    {\"in\": \(w.columns), \"out\": \(w.rows), \"activation\": \(try text(activation.rawValue)), "
                + "\"formula\": \(try text(activation.formula(units: w.rows))),\n"
            out += "     \"weight\": [\n"
            out += (0..<w.rows).map { "       " + numbers(w.row($0)) }.joined(separator: ",\n")
            out += "\n     ],\n"
            out += "     \"bias\": \(numbers(network.biases[l]))}" + (l < depth - 1 ? ",\n" : "\n")
        }
        out += "  ],\n"
        out += "  \"metadata\": \(try JSONOutput.line(metadata))\n"
        out += "}\n"
        return Data(out.utf8)
    }
}
