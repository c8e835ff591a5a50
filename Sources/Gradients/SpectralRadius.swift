/// LU factorization with partial pivoting of a dense square matrix (row-major, Double), for
/// the adjoint systems of recurrent backpropagation (a few hundred to a thousand unknowns:
/// n³/3 ≈ 4e8 flops at n = 1000, well under a second).
public struct DenseLU {
    public let n: Int
    private var lu: [Double]
    private var pivots: [Int]
    /// |U_ii| smallest over largest: 0 means singular (a cheap conditioning indicator).
    public private(set) var pivotRatio: Double

    public init?(_ a: [Double], n: Int) {
        precondition(a.count == n * n)
        self.n = n
        lu = a
        pivots = Array(0..<n)
        var smallest = Double.infinity, largest = 0.0
        for k in 0..<n {
            var p = k
            var best = abs(lu[k * n + k])
            for i in (k + 1)..<max(n, k + 1) where abs(lu[i * n + k]) > best { best = abs(lu[i * n + k]); p = i }
            guard best > 0 else { return nil }
            if p != k {
                for j in 0..<n { lu.swapAt(k * n + j, p * n + j) }
                pivots.swapAt(k, p)
            }
            let pivot = lu[k * n + k]
            smallest = min(smallest, abs(pivot)); largest = max(largest, abs(pivot))
            for i in (k + 1)..<max(n, k + 1) {
                let factor = lu[i * n + k] / pivot
                lu[i * n + k] = factor
                if factor != 0 {
                    lu.withUnsafeMutableBufferPointer { m in
                        for j in (k + 1)..<n { m[i * n + j] -= factor * m[k * n + j] }
                    }
                }
            }
        }
        pivotRatio = largest > 0 ? smallest / largest : 0
    }

    /// x with A·x = b.
    public func solve(_ b: [Double]) -> [Double] {
        var x = pivots.map { b[$0] }
        for i in 0..<n { var s = x[i]; for j in 0..<i { s -= lu[i * n + j] * x[j] }; x[i] = s }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = x[i]
            for j in (i + 1)..<max(n, i + 1) { s -= lu[i * n + j] * x[j] }
            x[i] = s / lu[i * n + i]
        }
        return x
    }
}

/// The largest eigenvalue magnitude of a symmetric matrix by power iteration (for step sizes
/// of the iterative adjoint process and condition estimates).
func spectralRadius(_ a: [Double], n: Int, iterations: Int = 200) -> Double {
    guard n > 0 else { return 0 }
    var v = (0..<n).map { Double(($0 * 7919) % 101) / 101 + 0.5 }
    var lambda = 0.0
    for _ in 0..<iterations {
        var w = [Double](repeating: 0, count: n)
        for i in 0..<n { var s = 0.0; for j in 0..<n { s += a[i * n + j] * v[j] }; w[i] = s }
        let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return 0 }
        lambda = norm / max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-300)
        v = w.map { $0 / norm }
    }
    return lambda
}
