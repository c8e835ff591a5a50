import CCrossbar
import Numerics

/// One pass over a hidden crossbar per sweep instead of two.
///
/// A sweep solves the odd layers, then the even ones. Odd layer l reads the crossbar G_l above
/// it as V_{l+1}·G_lᵀ (a dot product per row of G_l, one row per node of layer l); the even layer
/// l + 1 then reads the same crossbar as (A·V_l)·G_l with the new V_l. Node i of layer l needs
/// only row i of G_l, and its new voltage is final once that row's dot products are done, so the
/// second product can be formed row block by row block while the block is still in cache:
///
///     for each block of rows I:  b_I = constant_I + lower_I + (1/A)·V_{l+1}·G_Iᵀ
///                                V_I = solve(b_I)                 (`solveNodes`)
///                                share += V_I·G_I                 (rows I only)
///
/// and layer l + 1's solve starts from A·share. For drn-2h's 1024 × 1024 crossbar (8 MB read per
/// pass, at batch 4 a memory-bound 1 multiply-add per cell and sample) this halves the traffic
/// of the relaxation's largest array.
///
/// The rows are split in two halves (run on the two cores, or one after the other inside a
/// lane), each summing its half of the share; the halves are added at the end, so the share's
/// additions run in another order than the one-pass kernel's (rounding differs in the last bits).
/// The split depends on the crossbar's shape only, never on the batch, so `batchInvariant` holds.
extension CircuitSolver {
    /// Whether layer l's solve also forms layer l + 1's share of the crossbar between them: l
    /// odd (so l + 1 is solved next, in the same sweep), no wire mesh, and a
    /// crossbar that the one-pass kernels read (in `batchInvariant` mode by size alone, so that
    /// the choice does not depend on how a batch is split).
    public func fusesUpperCrossbar(_ circuit: ResistiveCircuit, _ l: Int, batch: Int) -> Bool {
        guard fusesCrossbarPasses, l % 2 == 1, l < circuit.depth, !circuit.isMeshed else { return false }
        let cells = circuit.crossbar(l).count
        return batchInvariant ? CrossbarKernels.prefersOnePass(cells: cells, batch: 1)
            : CrossbarKernels.prefersOnePass(cells: cells, batch: batch)
    }

    /// Solves layer l (see the type's notes) and leaves A·V_l·G_l in layer l + 1's coupling.
    func solveLayerFormingTheNextOnesShare(_ circuit: ResistiveCircuit, _ l: Int, lane: Lane, state: inout [DoubleMatrix],
                                           rowWorst: UnsafeMutablePointer<Double>?) -> Double {
        passOverUpperCrossbar(circuit, l, lane: lane, state: &state, solving: true, rowWorst: rowWorst)
    }

    /// Layer l's coupling, and layer l + 1's share in its coupling, from one pass over G_l (the
    /// final residual's two products of the same state).
    func computeCouplingFormingTheNextOnesShare(_ circuit: ResistiveCircuit, _ l: Int, lane: Lane, state: [DoubleMatrix]) {
        var state = state
        passOverUpperCrossbar(circuit, l, lane: lane, state: &state, solving: false, rowWorst: nil)
    }

    /// One pass over G_l by blocks of rows: layer l's coupling from above, then (`solving`) the
    /// block's nodes, then their share of layer l + 1's coupling. Returns the largest change.
    @discardableResult
    private func passOverUpperCrossbar(_ circuit: ResistiveCircuit, _ l: Int, lane: Lane, state: inout [DoubleMatrix],
                                       solving: Bool, rowWorst: UnsafeMutablePointer<Double>?) -> Double {
        computeCoupling(circuit, l, lane: lane, state, upper: false)
        let g = circuit.crossbar(l)
        let batch = state[l - 1].rows, rows = g.rows, n = g.columns, gain = circuit.amplifierGain
        // ~128 KB of G per block: it stays in the core's L2 between the two products.
        let block = max(8, (1 << 14) / max(n, 1))
        let halves: [Range<Int>]
        if rows * n < CrossbarKernels.parallelCells || rows < 2 * block {
            halves = [0..<rows]
        } else {
            let (a, b) = CrossbarKernels.halves(rows)
            halves = [a, b]
        }
        // Each half's partial share (B × n, small beside the pass over G) and per-sample largest change.
        var share0 = DoubleMatrix(rows: batch, columns: n), share1 = share0
        var rowWorst0 = [Double](repeating: 0, count: batch), rowWorst1 = rowWorst0
        let upperVoltages = state[l]
        var worst = [0.0, 0.0]
        lane.constant[l - 1].withUnsafeBufferPointer { pk in
        lane.coupling[l - 1].withUnsafeMutableBufferPointer { pd in
        upperVoltages.withUnsafeBufferPointer { pUpper in
        state[l - 1].withUnsafeMutableBufferPointer { pv in
        g.withUnsafeBufferPointer { pg in
        share0.withUnsafeMutableBufferPointer { p0 in
        share1.withUnsafeMutableBufferPointer { p1 in
        rowWorst0.withUnsafeMutableBufferPointer { w0 in
        rowWorst1.withUnsafeMutableBufferPointer { w1 in
            let k = pk.baseAddress!, d = pd.baseAddress!, upper = pUpper.baseAddress!, v = pv.baseAddress!, g = pg.baseAddress!
            let shares = [p0.baseAddress!, p1.baseAddress!], rowWorsts = [w0.baseAddress!, w1.baseAddress!]
            func solve(half h: Int) -> Double {
                var worst = 0.0
                var i0 = halves[h].lowerBound
                while i0 < halves[h].upperBound {
                    let i1 = min(i0 + block, halves[h].upperBound)
                    eqp_product_transposed(upper, g, d, batch, rows, n, i0, i1, 1 / gain, 1)
                    if solving {
                        worst = max(worst, solveNodes(l, i0..<i1, batch: batch, lane: lane, constant: k, coupling: d,
                                                      voltages: v, rowWorst: rowWorsts[h]))
                    }
                    eqp_product_accumulate_rows(v, g, shares[h], batch, rows, n, i0, i1, 0, n)
                    i0 = i1
                }
                return worst
            }
            if halves.count == 1 {
                worst[0] = solve(half: 0)
            } else {
                (worst[0], worst[1]) = Parallel.both({ solve(half: 0) }, { solve(half: 1) })
            }
        }}}}}}}}}
        // Layer l + 1's share: A·(first half + second half).
        let two = halves.count == 2
        lane.coupling[l].withUnsafeMutableBufferPointer { out in
            share0.withUnsafeBufferPointer { a in
                share1.withUnsafeBufferPointer { b in
                    for i in out.indices { out[i] = gain * (two ? a[i] + b[i] : a[i]) }
                }
            }
        }
        if let rowWorst {
            for b in 0..<batch { rowWorst[b] = max(rowWorst[b], rowWorst0[b], two ? rowWorst1[b] : 0) }
        }
        lane.lowerShareFormed.insert(l + 1)
        return max(worst[0], worst[1])
    }
}
