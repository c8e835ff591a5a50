import Numerics

extension Matrix {
    /// B × `classes` nudge targets: `value` at each sample's label, 0 elsewhere (one-hot 1 for
    /// the Hopfield model; the target voltage V_u of the correct class for circuits).
    public static func oneHot(labels: [Int], classes: Int, value: Scalar) -> Matrix {
        var t = Matrix(rows: labels.count, columns: classes)
        for (b, k) in labels.enumerated() { t[b, k] = value }
        return t
    }
}
