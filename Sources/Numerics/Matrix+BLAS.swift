extension Matrix {
    /// C ← α·op(A)·op(B) + β·C, one `cblas_?gemm` call.
    ///
    /// `c` must already have the product's shape; with β = 0 its contents are ignored.
    @inlinable
    public static func multiply(
        _ a: Matrix, _ b: Matrix, transposeA ta: Bool = false, transposeB tb: Bool = false,
        into c: inout Matrix, alpha: Scalar = 1, beta: Scalar = 0
    ) {
        let m = ta ? a.columns : a.rows
        let k = ta ? a.rows : a.columns
        let kb = tb ? b.columns : b.rows
        let n = tb ? b.rows : b.columns
        precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
        precondition(c.rows == m && c.columns == n, "result is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            c.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= beta } }
            return
        }
        let lda = a.columns, ldb = b.columns, ldc = c.columns
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    Scalar.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k,
                                alpha: alpha, a: pa.baseAddress!, lda: lda,
                                b: pb.baseAddress!, ldb: ldb,
                                beta: beta, c: pc.baseAddress!, ldc: ldc)
                }
            }
        }
    }

    /// op(A)·op(B) as a new matrix.
    @inlinable
    public static func product(_ a: Matrix, _ b: Matrix, transposeA ta: Bool = false, transposeB tb: Bool = false) -> Matrix {
        var c = Matrix(rows: ta ? a.columns : a.rows, columns: tb ? b.rows : b.columns)
        multiply(a, b, transposeA: ta, transposeB: tb, into: &c)
        return c
    }

    /// Adds `vector` (length `columns`) to every row: the bias of a batched layer.
    @inlinable
    public mutating func addToEachRow(_ vector: [Scalar]) {
        precondition(vector.count == columns, "vector of \(vector.count) for \(columns) columns")
        let n = columns, rowCount = rows
        elements.withUnsafeMutableBufferPointer { p in
            vector.withUnsafeBufferPointer { v in
                var base = 0
                for _ in 0..<rowCount {
                    for j in 0..<n { p[base &+ j] += v[j] }
                    base &+= n
                }
            }
        }
    }

    /// Σ over rows, one sum per column: the batch sum of a layer's quantity.
    @inlinable
    public func columnSums() -> [Scalar] {
        var s = [Scalar](repeating: 0, count: columns)
        let n = columns
        elements.withUnsafeBufferPointer { p in
            s.withUnsafeMutableBufferPointer { out in
                var base = 0
                for _ in 0..<rows {
                    for j in 0..<n { out[j] += p[base &+ j] }
                    base &+= n
                }
            }
        }
        return s
    }

    /// The index of the largest element of each row (the first one on ties): a predicted class.
    @inlinable
    public func argmaxPerRow() -> [Int] {
        var result = [Int](repeating: 0, count: rows)
        let n = columns
        elements.withUnsafeBufferPointer { p in
            for r in 0..<rows {
                let base = r * n
                var best = 0
                var bestValue = p[base]
                for j in 1..<max(n, 1) where p[base &+ j] > bestValue {
                    best = j
                    bestValue = p[base &+ j]
                }
                result[r] = best
            }
        }
        return result
    }
}
