import Numerics

extension ResistiveNetwork {
    /// The state (one B × n_l matrix per free layer, V) of B samples whose free-node voltages
    /// come one row per sample in the order of `ResistiveCircuit.names.freeNodes` (layer by layer), as
    /// ngspice reports them.
    public func states(fromNodeRows rows: [[Double]]) -> [DoubleMatrix] {
        var states = layerSizes.map { DoubleMatrix(rows: rows.count, columns: $0) }
        for l in states.indices {
            let first = layerSizes[..<l].reduce(0, +), n = layerSizes[l]
            states[l].withUnsafeMutableBufferPointer { s in
                for (b, row) in rows.enumerated() {
                    precondition(row.count == layerSizes.reduce(0, +), "a row of \(row.count) voltages for \(layerSizes.reduce(0, +)) free nodes")
                    for j in 0..<n { s[b * n + j] = row[first + j] }
                }
            }
        }
        return states
    }
}
