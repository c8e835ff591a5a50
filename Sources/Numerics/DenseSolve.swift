import CBLAS

/// A square system A·x = b that LU factorization found singular: U(k, k) is exactly 0 for the
/// pivot `column` k (0-based) of the n × n matrix.
public struct SingularMatrixError: Error, CustomStringConvertible, Equatable {
    public let size: Int
    public let column: Int
    public init(size: Int, column: Int) {
        self.size = size
        self.column = column
    }
    public var description: String { "the \(size) × \(size) matrix is singular (zero pivot in column \(column))" }
}

/// The solution of a dense square system, with a cheap indicator of its conditioning.
public struct DenseSolution: Sendable {
    /// x with A·x = b.
    public var x: [Double]
    /// min |U_kk| / max |U_kk| over the pivots of the LU factors: 0 for a singular matrix, near
    /// machine ε (2.2e-16) for one whose solution has no correct digits left; NaN when A holds
    /// a NaN.
    public var pivotRatio: Double
}

extension Matrix where Scalar == Double {
    /// Solves A·x = b for this square matrix A by LAPACK's `dgesv` (LU factorization with
    /// partial pivoting by row interchanges, 2n³/3 flops, then two triangular solves), in
    /// OpenBLAS. Throws `SingularMatrixError` when a pivot is exactly zero.
    public func solve(_ b: [Double]) throws -> DenseSolution {
        precondition(rows == columns, "solve needs a square matrix, got \(rows)×\(columns)")
        precondition(b.count == rows, "a \(rows)×\(rows) system needs \(rows) right-hand sides, got \(b.count)")
        precondition(rows <= Int(Int32.max), "a system of \(rows) unknowns is beyond LAPACK's 32-bit sizes")
        let n = rows
        guard n > 0 else { return DenseSolution(x: [], pivotRatio: 1) }
        // LAPACK is column-major: the transposed copy is A itself to it.
        var lu = [Double](repeating: 0, count: n * n)
        elements.withUnsafeBufferPointer { a in
            lu.withUnsafeMutableBufferPointer { t in
                for i in 0..<n { for j in 0..<n { t[j &* n &+ i] = a[i &* n &+ j] } }
            }
        }
        var x = b
        var pivots = [Int32](repeating: 0, count: n)
        var size = Int32(n), one: Int32 = 1, lda = Int32(n), ldb = Int32(n), info: Int32 = 0
        dgesv_(&size, &one, &lu, &lda, &pivots, &x, &ldb, &info)
        // info > 0: U(info, info) is exactly zero (1-based); info < 0 is an argument error,
        // which the checks above rule out.
        guard info == 0 else { throw SingularMatrixError(size: n, column: Int(max(info, 1)) - 1) }
        var smallest = Double.infinity, largest = 0.0
        for k in 0..<n {
            let u = abs(lu[k * n + k])
            if u.isNaN { return DenseSolution(x: x, pivotRatio: .nan) }
            smallest = min(smallest, u)
            largest = max(largest, u)
        }
        return DenseSolution(x: x, pivotRatio: largest > 0 ? smallest / largest : 0)
    }
}
