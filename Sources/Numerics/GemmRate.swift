import Foundation

/// Measures this machine's single-precision matrix-product rate, the yardstick for the
/// training loop's efficiency.
public enum GemmRate {
    /// GFLOP/s of `cblas_sgemm` on an m×k · k×n product (default 256×784 · 784×512, the
    /// shape quoted in the project's notes), with `threads` OpenBLAS threads, best of
    /// `repeats` timed calls after one warm-up.
    public static func measure(m: Int = 256, k: Int = 784, n: Int = 512, threads: Int, repeats: Int = 50) -> Double {
        BLASThreads.with(threads) { bestRate(m: m, k: k, n: n, repeats: repeats) }
    }

    private static func bestRate(m: Int, k: Int, n: Int, repeats: Int) -> Double {
        var rng = SeededGenerator(seed: 99)
        let a = FloatMatrix.uniform(rows: m, columns: k, in: -1...1, using: &rng)
        let b = FloatMatrix.uniform(rows: k, columns: n, in: -1...1, using: &rng)
        var c = FloatMatrix(rows: m, columns: n)
        FloatMatrix.multiply(a, b, into: &c)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            FloatMatrix.multiply(a, b, into: &c)
            let t = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            best = min(best, t)
        }
        return 2 * Double(m * n * k) / best / 1e9
    }
}
