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
