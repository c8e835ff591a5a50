import CCrossbar
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
public enum CrossbarKernels {
    /// Below this many cells a pass runs on one core (the fork/join would cost more).
    static let parallelCells = 1 << 15

    /// Columns (or rows) `0..<n` split in two for the two cores, the first part a multiple of 8,
    /// so that two threads splitting a row share at most the one cache line its boundary falls in.
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
                eqp_product_accumulate(u, g, o, batch, rows, n, range.lowerBound, range.upperBound)
            }
        }}}
        return out
    }

    /// out ← alpha·(v·gᵀ) + beta·out: B × rows, from v (B × columns) and g (rows × columns): the
    /// currents a layer receives from the layer above through a hidden crossbar. One pass over
    /// g, B dot products per row, rows split over the cores. For a large crossbar and a small
    /// batch this is the cost of reading g once; BLAS's gemm packs (copies) all of g on every
    /// call first, which for 1024 × 1024 cells and B = 4 takes longer than the product itself.
    ///
    /// Each dot product Σ_j v_bj·g_ij keeps eight partial sums (columns j ≡ k mod 8), added in a
    /// fixed order at the end (`eqp_product_transposed`): a single running sum would be one chain
    /// of dependent additions, 4 cycles each. Up to four samples share each load of g. A sample's
    /// arithmetic depends neither on its batch nor on the split over cores nor on whether the
    /// processor has AVX2, so the result stays batch-invariant and identical across machines.
    public static func productTransposed(_ v: DoubleMatrix, _ g: DoubleMatrix, into out: inout DoubleMatrix, alpha: Double, beta: Double) {
        precondition(v.columns == g.columns && out.rows == v.rows && out.columns == g.rows)
        let batch = v.rows, rows = g.rows, n = g.columns
        v.withUnsafeBufferPointer { pv in
        g.withUnsafeBufferPointer { pg in
        out.withUnsafeMutableBufferPointer { po in
            let v = pv.baseAddress!, g = pg.baseAddress!, o = po.baseAddress!
            split(rows: n, columns: rows) { range in
                eqp_product_transposed(v, g, o, batch, rows, n, range.lowerBound, range.upperBound, alpha, beta)
            }
        }}}
    }

    /// out ← alpha·(u·g) + beta·out with `product`'s one pass over g (see `productTransposed`).
    public static func product(_ u: DoubleMatrix, _ g: DoubleMatrix, into out: inout DoubleMatrix, alpha: Double, beta: Double) {
        let p = product(u, g)
        precondition(out.rows == p.rows && out.columns == p.columns)
        out.withUnsafeMutableBufferPointer { o in
            p.withUnsafeBufferPointer { q in
                for k in o.indices { o[k] = alpha * q[k] + (beta == 0 ? 0 : beta * o[k]) }
            }
        }
    }

    /// Σ_j G_ij per row, each a plain running sum over j in increasing order (so the bits of a
    /// serial loop), four rows at a time (a running sum is a chain of dependent additions, 4
    /// cycles each: four chains keep the adder busy) and the rows split over the two cores.
    static func rowSums(_ g: DoubleMatrix) -> [Double] {
        let rows = g.rows, n = g.columns
        var sums = [Double](repeating: 0, count: rows)
        g.withUnsafeBufferPointer { pg in
        sums.withUnsafeMutableBufferPointer { ps in
            let p = pg.baseAddress!, s = ps.baseAddress!
            func sum(_ range: Range<Int>) {
                var i = range.lowerBound
                while i + 4 <= range.upperBound {
                    let r0 = p + i &* n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
                    var a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0
                    for j in 0..<n { a0 += r0[j]; a1 += r1[j]; a2 += r2[j]; a3 += r3[j] }
                    s[i] = a0; s[i + 1] = a1; s[i + 2] = a2; s[i + 3] = a3
                    i += 4
                }
                for k in i..<range.upperBound {
                    var a = 0.0
                    for j in 0..<n { a += p[k &* n &+ j] }
                    s[k] = a
                }
            }
            if rows &* n < parallelCells || rows < 8 {
                sum(0..<rows)
            } else {
                let (a, b) = halves(rows)
                _ = Parallel.both({ sum(a) }, { sum(b) })
            }
        }}
        return sums
    }

    /// Whether the one-pass kernels beat BLAS for a crossbar of `cells` and a batch of `batch`
    /// rows: large crossbars (from 512 × 512 cells) and small batches. Smaller crossbars keep
    /// BLAS, so drn-xs and drn-1h compute exactly as before (except in `batchInvariant` mode,
    /// under mpirun, where every crossbar takes the one-pass kernels).
    public static func prefersOnePass(cells: Int, batch: Int) -> Bool { cells >= 1 << 18 && batch <= 16 }

    /// One rank-B term of a cell update: Σ_b x_bi·y_bj (x is B × rows, y is B × columns).
    struct Term {
        var x: DoubleMatrix
        var y: DoubleMatrix
    }

    /// G_ij ← program(G_ij + scale·(Σ_terms Σ_b x_bi·y_bj + c_j + r_i)) for every cell, in one
    /// pass. On ideal continuous devices `program` clips to the window; otherwise `programmer`
    /// applies the preset's update scheme and device response (`CellProgrammer`), with
    /// `accumulator` (rows × columns) the full-precision accumulators of mixed precision. With
    /// first-order wire resistance the step of cell (i, j) is multiplied by dG_eff/dG =
    /// (G_eff/G)². `cellTerm` (rows × columns) adds a per-cell term (a wire mesh's −½ΔΣ_b ΔV²).
    ///
    /// With `momentum` (μ, s) each cell's velocity (rows × columns, `MomentumBuffers`) becomes
    /// v ← μ·v + s·(Σ_terms … + c_j + r_i)·(G_eff/G)² (the factor with first-order wires only),
    /// and v takes the sum's place above (`scale` is then η).
    ///
    /// Returns Σ_i G_ij per column, rows summed in increasing order (as `columnSums` does): the
    /// new conductances' share of each node's a_i (nil with wire resistance, where a_i sums the
    /// effective conductances instead), and how many cells were asked to move and did not.
    static func programmedUpdate(
        _ g: inout DoubleMatrix, terms: [Term], columnTerm c: [Double], rowTerm r: [Double]?, cellTerm: DoubleMatrix? = nil, scale: Double,
        preset: HardwarePreset, programmer: CellProgrammer?, accumulator: inout [Double],
        momentum: (mu: Double, gradientScale: Double)? = nil, velocity: inout [Double]
    ) -> (sums: [Double]?, tally: ProgrammingTally) {
        let rows = g.rows, n = g.columns
        precondition(c.count == n && (r?.count ?? rows) == rows)
        precondition(terms.allSatisfy { $0.x.columns == rows && $0.y.columns == n && $0.x.rows == $0.y.rows })
        precondition(accumulator.isEmpty || accumulator.count == rows * n)
        precondition(momentum == nil || velocity.count == rows * n)
        var sums = [Double](repeating: 0, count: n)
        var tallies = [ProgrammingTally](repeating: .init(), count: 2)
        let lo = preset.conductanceMin, hi = preset.conductanceMax
        // The chain rule through G_eff applies to first-order wires only; a mesh's cells learn
        // from their own voltage (`cellTerm`).
        let wireResistance = preset.usesFirstOrderWires ? preset.wireResistance : 0, wire = preset.wireResistance > 0
        precondition(cellTerm.map { $0.rows == rows && $0.columns == n } ?? true)
        let cells = cellTerm?.elements ?? [], hasCells = cellTerm != nil
        // Every term's rows of x and y, one after the other: (x_b, y_b) for b of term 1, then term 2…
        let pairs = terms.map(\.x.rows).reduce(0, +)
        let xs = terms.flatMap(\.x.elements), ys = terms.flatMap(\.y.elements)
        let rowTerm = r ?? [Double](repeating: 0, count: rows)
        g.withUnsafeMutableBufferPointer { pg in
        sums.withUnsafeMutableBufferPointer { ps in
        tallies.withUnsafeMutableBufferPointer { pt in
        accumulator.withUnsafeMutableBufferPointer { pa in
        velocity.withUnsafeMutableBufferPointer { pvel in
        xs.withUnsafeBufferPointer { px in
        ys.withUnsafeBufferPointer { py in
        c.withUnsafeBufferPointer { pc in
        rowTerm.withUnsafeBufferPointer { pr in
        cells.withUnsafeBufferPointer { pcell in
            let g = pg.baseAddress!, s = ps.baseAddress!, accumulators = pa.baseAddress
            split(rows: rows, columns: n) { range in
                let j0 = range.lowerBound, width = range.count
                var tally = ProgrammingTally()
                let acc = UnsafeMutablePointer<Double>.allocate(capacity: max(width, 1))
                let weights = UnsafeMutablePointer<Double>.allocate(capacity: max(pairs, 1))
                let ys = UnsafeMutablePointer<UnsafePointer<Double>?>.allocate(capacity: max(pairs, 1))
                defer { acc.deallocate(); weights.deallocate(); ys.deallocate() }
                let cj = pc.baseAddress! + j0, si = s + j0
                /// dG_eff/dG = (G_eff/G)² of cell (i, j) at conductance `old` (first-order wires).
                func chainRule(_ old: Double, _ i: Int, _ j: Int) -> Double {
                    let e = HardwarePreset.effectiveConductance(old, wireResistance: wireResistance, row: i, column: j0 + j)
                    return (e / old) * (e / old)
                }
                for i in 0..<rows {
                    let ri = pr[i]
                    for j in 0..<width { acc[j] = cj[j] + ri }
                    if hasCells, let cellRow = pcell.baseAddress.map({ $0 + (i &* n &+ j0) }) {
                        for j in 0..<width { acc[j] += cellRow[j] }
                    }
                    // The pairs with x ≠ 0, in order, four per pass over acc (`eqp_update_accumulate`).
                    var count = 0
                    for p in 0..<pairs where px[p &* rows &+ i] != 0 {
                        weights[count] = px[p &* rows &+ i]
                        ys[count] = UnsafePointer(py.baseAddress! + (p &* n &+ j0))
                        count += 1
                    }
                    eqp_update_accumulate(acc, ys, weights, count, width)
                    let gi = g + (i &* n &+ j0)
                    if let (mu, gradientScale) = momentum, let velocities = pvel.baseAddress {
                        // The velocity accumulates the gradient of the device's own conductance:
                        // with first-order wires, through dG_eff/dG at this step's G.
                        let vi = velocities + (i &* n &+ j0)
                        for j in 0..<width {
                            var gradient = gradientScale * acc[j]
                            if wireResistance > 0 { gradient *= chainRule(gi[j], i, j) }
                            vi[j] = mu * vi[j] + gradient
                            acc[j] = vi[j]
                        }
                    }
                    if let programmer {
                        let first = i &* n &+ j0
                        for j in 0..<width {
                            let old = gi[j]
                            var delta = scale * acc[j]
                            // With momentum the velocity holds the factor already.
                            if wireResistance > 0 && momentum == nil { delta *= chainRule(old, i, j) }
                            gi[j] = programmer.program(old, delta, cell: first &+ j,
                                                       accumulator: accumulators.map { $0 + (first &+ j) }, tally: &tally)
                            si[j] += gi[j]
                        }
                    } else {
                        // gi[j] ← clamp(gi[j] + scale·acc[j], lo, hi); si[j] += gi[j].
                        eqp_update_apply_clipped(gi, acc, si, width, scale, lo, hi)
                    }
                }
                pt[j0 == 0 ? 0 : 1] = tally
            }
        }}}}}}}}}}
        var tally = tallies[0]
        tally.add(tallies[1])
        return (wire ? nil : sums, tally)
    }
}
