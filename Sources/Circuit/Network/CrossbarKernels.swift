import Numerics

/// The two passes over a crossbar's cells that dominate DRN training once the fixed points are
/// found: the Norton currents of the input crossbar, and the programming of every cell after an
/// EqProp step. Both are memory-bound (a 1568 × 1024 crossbar is 12.8 MB of doubles, read for
/// 2 to 8 multiply-adds per cell at batch 4), so each touches every cell once and skips what it
/// can: a black pixel drives no current (≈ 80% of MNIST's input voltages are 0 V), and a
/// clamped hidden node at 0 V adds nothing to the product terms of the crossbar above it.
///
/// Work is split by columns over the two cores. Every output element is then computed by one
/// thread in the same order as a serial pass, so results do not depend on the split.
enum CrossbarKernels {
    /// Below this many cells a pass runs on one core (the fork/join would cost more).
    static let parallelCells = 1 << 15

    /// Columns `0..<n` split in two, the first part a multiple of 8 columns, so the two threads
    /// share at most the one cache line a row's boundary falls in.
    static func halves(_ n: Int) -> (Range<Int>, Range<Int>) {
        let mid = min(n, ((n / 2) + 7) / 8 * 8)
        return (0..<mid, mid..<n)
    }

    static func split(rows: Int, columns: Int, _ body: (Range<Int>) -> Void) {
        if rows * columns < parallelCells || columns < 16 {
            body(0..<columns)
        } else {
            let (a, b) = halves(columns)
            _ = Parallel.both({ body(a) }, { body(b) })
        }
    }

    /// I = u·G: B × columns, from u (B × rows) and G (rows × columns). For every sample b and
    /// column j the sum runs over rows in increasing order, skipping rows with u_bi = 0.
    static func product(_ u: DoubleMatrix, _ g: DoubleMatrix) -> DoubleMatrix {
        precondition(u.columns == g.rows, "inputs \(u.columns) vs crossbar rows \(g.rows)")
        let batch = u.rows, rows = g.rows, n = g.columns
        var out = DoubleMatrix(rows: batch, columns: n)
        u.withUnsafeBufferPointer { pu in
        g.withUnsafeBufferPointer { pg in
        out.withUnsafeMutableBufferPointer { po in
            let u = pu.baseAddress!, g = pg.baseAddress!, o = po.baseAddress!
            split(rows: rows, columns: n) { range in
                let j0 = range.lowerBound, width = range.count
                for i in 0..<rows {
                    let gi = g + (i &* n &+ j0)
                    for b in 0..<batch {
                        let w = u[b &* rows &+ i]
                        if w == 0 { continue }
                        let ob = o + (b &* n &+ j0)
                        for j in 0..<width { ob[j] += w * gi[j] }
                    }
                }
            }
        }}}
        return out
    }

    /// One rank-B term of a cell update: Σ_b x_bi·y_bj (x is B × rows, y is B × columns).
    struct Term {
        var x: DoubleMatrix
        var y: DoubleMatrix
    }

    /// G_ij ← program(G_ij + scale·(Σ_terms Σ_b x_bi·y_bj + c_j + r_i)) for every cell, in one
    /// pass. `program` is the preset's clip-and-round (`HardwarePreset.programmable`); with wire
    /// resistance the step of cell (i, j) is multiplied by dG_eff/dG = (G_eff/G)².
    ///
    /// Returns Σ_i G_ij per column, rows summed in increasing order (as `columnSums` does): the
    /// new conductances' share of each node's a_i. Nil with wire resistance, where a_i sums the
    /// effective conductances instead.
    static func programmedUpdate(
        _ g: inout DoubleMatrix, terms: [Term], columnTerm c: [Double], rowTerm r: [Double]?, scale: Double,
        preset: HardwarePreset
    ) -> [Double]? {
        let rows = g.rows, n = g.columns
        precondition(c.count == n && (r?.count ?? rows) == rows)
        precondition(terms.allSatisfy { $0.x.columns == rows && $0.y.columns == n && $0.x.rows == $0.y.rows })
        var sums = [Double](repeating: 0, count: n)
        let lo = preset.conductanceMin, hi = preset.conductanceMax
        let levels = preset.conductanceLevels >= 2, wire = preset.wireResistance > 0
        // Every term's rows of x and y, one after the other: (x_b, y_b) for b of term 1, then term 2…
        let pairs = terms.map(\.x.rows).reduce(0, +)
        let xs = terms.flatMap(\.x.elements), ys = terms.flatMap(\.y.elements)
        let rowTerm = r ?? [Double](repeating: 0, count: rows)
        g.withUnsafeMutableBufferPointer { pg in
        sums.withUnsafeMutableBufferPointer { ps in
        xs.withUnsafeBufferPointer { px in
        ys.withUnsafeBufferPointer { py in
        c.withUnsafeBufferPointer { pc in
        rowTerm.withUnsafeBufferPointer { pr in
            let g = pg.baseAddress!, s = ps.baseAddress!
            split(rows: rows, columns: n) { range in
                let j0 = range.lowerBound, width = range.count
                let acc = UnsafeMutablePointer<Double>.allocate(capacity: max(width, 1))
                defer { acc.deallocate() }
                let cj = pc.baseAddress! + j0, si = s + j0
                for i in 0..<rows {
                    let ri = pr[i]
                    for j in 0..<width { acc[j] = cj[j] + ri }
                    for p in 0..<pairs {
                        let w = px[p &* rows &+ i]
                        if w == 0 { continue }
                        let yp = py.baseAddress! + (p &* n &+ j0)
                        for j in 0..<width { acc[j] += w * yp[j] }
                    }
                    let gi = g + (i &* n &+ j0)
                    if wire {
                        for j in 0..<width {
                            let old = gi[j]
                            let e = preset.effectiveConductance(old, row: i, column: j0 + j)
                            gi[j] = preset.programmable(old + scale * acc[j] * (e / old) * (e / old))
                            si[j] += gi[j]
                        }
                    } else if levels {
                        for j in 0..<width {
                            gi[j] = preset.programmable(gi[j] + scale * acc[j])
                            si[j] += gi[j]
                        }
                    } else {
                        for j in 0..<width {
                            let v = gi[j] + scale * acc[j]
                            let clipped = v < lo ? lo : (v > hi ? hi : v)
                            gi[j] = clipped
                            si[j] += clipped
                        }
                    }
                }
            }
        }}}}}}
        return wire ? nil : sums
    }
}
