import CBLAS

/// The inverse of a symmetric positive definite matrix through LAPACK's Cholesky routines
/// (`dpotrf` then `dpotri`): n³/3 + 2n³/3 flops.
public enum SymmetricInverse {
    /// Replaces the n × n symmetric positive definite matrix at `a` (row-major, both
    /// triangles filled) by its inverse, both triangles filled. Returns false (and leaves `a`
    /// undefined) when the matrix is not positive definite.
    public static func invert(_ a: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        if n == 0 { return true }
        var size = Int32(n), lda = Int32(n), info: Int32 = 0
        // Row-major symmetric = column-major symmetric: "L" of one is "U" of the other, and
        // both triangles are refilled below.
        var uplo = CChar(UInt8(ascii: "L"))
        dpotrf_(&uplo, &size, a, &lda, &info)
        guard info == 0 else { return false }
        dpotri_(&uplo, &size, a, &lda, &info)
        guard info == 0 else { return false }
        // Column-major lower triangle = row-major upper triangle: a[j*n + i] for i ≥ j
        // (column j, row i) is row-major element (j, i). Mirror it into the lower triangle.
        for i in 0..<n {
            for j in (i + 1)..<n { a[j &* n &+ i] = a[i &* n &+ j] }
        }
        return true
    }
}
