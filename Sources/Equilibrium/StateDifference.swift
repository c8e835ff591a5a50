import Numerics

/// Where two relaxations of the same batch differ most: the comparison of Swift and ngspice
/// fixed points (cross-checks, the solver benchmark, the tests), node by node.
public struct StateDifference: Sendable, Codable, Equatable {
    /// max |a − b| over every free unit of every sample (V for circuits); +∞ when either
    /// holds a NaN.
    public var maxAbs: Double
    /// Where it is: free layer (0-based), sample and unit.
    public var layer: Int
    public var sample: Int
    public var unit: Int

    public init(maxAbs: Double, layer: Int, sample: Int, unit: Int) {
        self.maxAbs = maxAbs
        self.layer = layer
        self.sample = sample
        self.unit = unit
    }

    /// Compares two states (one B × n_l matrix per free layer, the same shapes). The first
    /// largest difference is reported, layer by layer, sample by sample.
    public init<S: BLASScalar>(_ a: [Matrix<S>], _ b: [Matrix<S>]) {
        precondition(a.count == b.count && zip(a, b).allSatisfy { $0.rows == $1.rows && $0.columns == $1.columns },
                     "states of different shapes")
        var worst = (diff: -1.0, layer: 0, sample: 0, unit: 0)
        for l in a.indices {
            let n = a[l].columns
            a[l].withUnsafeBufferPointer { pa in
                b[l].withUnsafeBufferPointer { pb in
                    for i in 0..<pa.count {
                        let d = abs(Double(pa[i]) - Double(pb[i]))
                        if !(d <= worst.diff) { worst = (d.isNaN ? .infinity : d, l, i / n, i % n) }
                    }
                }
            }
        }
        self.init(maxAbs: max(worst.diff, 0), layer: worst.layer, sample: worst.sample, unit: worst.unit)
    }
}
