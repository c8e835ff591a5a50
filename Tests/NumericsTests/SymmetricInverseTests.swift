import Foundation
import Numerics
import Testing

/// The recursive inverse behind the wire-mesh reduction: T·T⁻¹ = I on random symmetric
/// positive definite matrices of every size the recursion treats differently (the
/// Gauss–Jordan base, one and several levels, odd splits), and a refusal of matrices that are
/// not positive definite.
@Suite struct SymmetricInverseTests {
    /// A random SPD matrix shaped like a mesh block: a dominant diagonal of 2/r plus a dense
    /// symmetric part of either sign (r = 1 Ω), row-major with both triangles filled.
    static func spd(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                let v = i == j ? 2 + rng.nextUnit() : (rng.nextUnit() - 0.5) / Double(n)
                a[i * n + j] = v
                a[j * n + i] = v
            }
        }
        return a
    }

    @Test(arguments: [1, 2, 5, 16, 17, 33, 64, 100, 101, 257])
    func inverseTimesMatrixIsTheIdentity(n: Int) {
        let a = Self.spd(n, seed: UInt64(n))
        var inverse = a
        let ok = inverse.withUnsafeMutableBufferPointer { SymmetricInverse.invert($0.baseAddress!, n: n) }
        #expect(ok)
        var worst = 0.0, asymmetry = 0.0
        for i in 0..<n {
            for j in 0..<n {
                var sum = 0.0
                for k in 0..<n { sum += a[i * n + k] * inverse[k * n + j] }
                worst = max(worst, abs(sum - (i == j ? 1 : 0)))
                asymmetry = max(asymmetry, abs(inverse[i * n + j] - inverse[j * n + i]))
            }
        }
        #expect(worst < 1e-13, "n = \(n): |T·T⁻¹ − I| = \(worst)")
        #expect(asymmetry < 1e-15, "n = \(n): T⁻¹ not symmetric by \(asymmetry)")
    }

    @Test(arguments: [3, 40])
    func indefiniteMatricesAreRefused(n: Int) {
        var a = Self.spd(n, seed: 7)
        a[(n - 1) * n + n - 1] = -1  // a negative diagonal: not positive definite
        let ok = a.withUnsafeMutableBufferPointer { SymmetricInverse.invert($0.baseAddress!, n: n) }
        #expect(!ok)
    }
}
