import Numerics
import Testing
import TestSupport

@Suite struct MatrixTests {
    func naive<S: BLASScalar>(_ a: Matrix<S>, _ b: Matrix<S>, _ ta: Bool, _ tb: Bool) -> Matrix<S> {
        let a2 = ta ? a.transposed : a, b2 = tb ? b.transposed : b
        var c = Matrix<S>(rows: a2.rows, columns: b2.columns)
        for i in 0..<a2.rows { for j in 0..<b2.columns {
            var s: S = 0
            for k in 0..<a2.columns { s += a2[i, k] * b2[k, j] }
            c[i, j] = s
        } }
        return c
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesNaiveProduct(ta: Bool, tb: Bool) {
        var rng = SeededGenerator(seed: 7)
        let a = DoubleMatrix.uniform(rows: ta ? 5 : 3, columns: ta ? 3 : 5, in: -1...1, using: &rng)
        let b = DoubleMatrix.uniform(rows: tb ? 4 : 5, columns: tb ? 5 : 4, in: -1...1, using: &rng)
        let c = DoubleMatrix.product(a, b, transposeA: ta, transposeB: tb)
        // Within the rounding bound of the magnitudes summed (not of the result).
        let bounds = RoundingBound.product(a, b, transposeA: ta, transposeB: tb)
        #expect(RoundingBound.worstRatio(c, naive(a, b, ta, tb), bounds: bounds) <= 1)
        let af: FloatMatrix = a.converted(), bf: FloatMatrix = b.converted()
        let cf = FloatMatrix.product(af, bf, transposeA: ta, transposeB: tb)
        let boundsF = RoundingBound.product(af, bf, transposeA: ta, transposeB: tb)
        #expect(RoundingBound.worstRatio(cf, naive(af, bf, ta, tb), bounds: boundsF) <= 1)
    }

    @Test func alphaAndBetaAccumulate() {
        var rng = SeededGenerator(seed: 8)
        let a = DoubleMatrix.uniform(rows: 2, columns: 3, in: -1...1, using: &rng)
        let b = DoubleMatrix.uniform(rows: 3, columns: 2, in: -1...1, using: &rng)
        let start = DoubleMatrix(rows: 2, columns: 2, repeating: 1)
        var c = start
        DoubleMatrix.multiply(a, b, into: &c, alpha: 2, beta: 3)
        let ref = naive(a, b, false, false)
        let expected = DoubleMatrix(rows: 2, columns: 2, elements: ref.elements.map { 2 * $0 + 3 })
        let bounds = RoundingBound.product(a, b, alpha: 2, beta: 3, accumulated: start)
        #expect(RoundingBound.worstRatio(c, expected, bounds: bounds) <= 1)
    }

    @Test func rowAndColumnHelpers() {
        var m = FloatMatrix([[1, 5, 2], [7, 0, 7]])
        #expect(m.argmaxPerRow() == [1, 0])
        #expect(m.columnSums() == [8, 5, 9])
        m.addToEachRow([1, 1, 1])
        #expect(m.row(1) == [8, 1, 8])
        m.resize(rows: 1)
        #expect(m.elements == [2, 6, 3])
        m.resize(rows: 2)
        #expect(m.row(1) == [0, 0, 0])
    }

    @Test func seededGeneratorIsDeterministicAndStreamsDiffer() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        let xs = (0..<5).map { _ in a.next() }
        #expect(xs == (0..<5).map { _ in b.next() })
        var s1 = SeededGenerator(seed: 42).stream(1), s2 = SeededGenerator(seed: 42).stream(2)
        #expect(s1.next() != s2.next())
        var p = SeededGenerator(seed: 3)
        let perm = p.permutation(100)
        #expect(perm.sorted() == Array(0..<100))
        #expect(perm != Array(0..<100))
    }

    @Test func normalSamplesHaveUnitVariance() {
        var rng = SeededGenerator(seed: 11)
        let n = 200_000
        var sum = 0.0, sq = 0.0
        for _ in 0..<n { let v = rng.normal(); sum += v; sq += v * v }
        let mean = sum / Double(n), variance = sq / Double(n) - mean * mean
        // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance.
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.015)
    }

    @Test func xavierBoundsAndSpread() {
        var rng = SeededGenerator(seed: 5)
        let w = FloatMatrix.xavierUniform(rows: 784, columns: 500, using: &rng)
        let a = Float((6.0 / 1284.0).squareRoot())
        #expect(w.elements.allSatisfy { abs($0) <= a })
        #expect(w.elements.max()! > 0.99 * a && w.elements.min()! < -0.99 * a)
    }
}
