import CCrossbar
import Circuit
import EqProp
import Numerics
import Testing
import TestSupport

/// The one-pass crossbar kernels against the plain formulas they replace: BLAS for the input
/// crossbar's Norton currents, and a cell-by-cell EqProp step for the programmed update. The
/// circuits are large enough (1568 × 40 cells) for the kernels to split their columns over
/// the two cores.
@Suite struct CrossbarKernelsTests {
    /// MNIST-like inputs: most pixels black (exactly 0), the rest in (0, 1].
    static func pixels(batch: Int, count: Int, seed: UInt64) -> DoubleMatrix {
        var rng = SeededGenerator(seed: seed)
        var x = DoubleMatrix(rows: batch, columns: count)
        for b in 0..<batch { for i in 0..<count where rng.next() % 5 == 0 { x[b, i] = Double(rng.next() % 1000 + 1) / 1000 } }
        return x
    }

    /// One phase's node voltages: a few hundred mV, as in training.
    static func state(_ c: ResistiveCircuit, batch: Int, seed: UInt64) -> [DoubleMatrix] {
        var r = SeededGenerator(seed: seed)
        return c.network.layerSizes.map { n in
            var m = DoubleMatrix(rows: batch, columns: n)
            for k in 0..<m.count { m.elements[k] = Double(Int(r.next() % 2001) - 1000) * 4e-4 * c.preset.inputGain }
            return m
        }
    }

    @Test func inputCurrentsMatchBLAS() throws {
        let c = try TestSupport.circuit("ideal", [784, 40, 10], seed: 5)
        let u = CircuitConditions.inputVoltages(pixels: Self.pixels(batch: 4, count: 784, seed: 1), gain: c.preset.inputGain)
        let fast = c.inputCurrents(u), blas = DoubleMatrix.product(u, c.crossbar(0))
        // Rounding error of a sum scales with the sum of the magnitudes of its terms, not with
        // the result (which cancellation between +g·x and −g·x sources can make small): each
        // element within 2γ·Σ_k |u_bk|·G_kj (RoundingBound).
        let worst = RoundingBound.worstRatio(fast, blas, bounds: RoundingBound.product(u, c.crossbar(0)))
        #expect(worst <= 1, "largest difference is \(worst) of its bound 2γ_(n+2)·Σ|u||G|")
    }

    /// The hidden-crossbar couplings of large crossbars (one pass over G) against BLAS, both
    /// products, accumulating, to 2γ_(n+2)·(0.5·Σ|v||G| + |C₀|) per element.
    @Test func hiddenCouplingsMatchBLAS() throws {
        let c = try TestSupport.circuit("ideal", [64, 600, 600, 10], seed: 5)
        let g = c.crossbar(1)
        #expect(g.rows == 600 && g.columns == 600)
        let v = Self.state(c, batch: 4, seed: 8)[0]
        for transposed in [false, true] {
            let start = Self.state(c, batch: 4, seed: 9)[1]
            var fast = start, blas = start
            if transposed {
                CrossbarKernels.productTransposed(v, g, into: &fast, alpha: 0.5, beta: 1)
            } else {
                CrossbarKernels.product(v, g, into: &fast, alpha: 0.5, beta: 1)
            }
            DoubleMatrix.multiply(v, g, transposeB: transposed, into: &blas, alpha: 0.5, beta: 1)
            // Bounded by the magnitudes summed, 0.5·Σ|v||G| + |C₀|, not by the result.
            let bounds = RoundingBound.product(v, g, transposeB: transposed, alpha: 0.5, beta: 1, accumulated: start)
            let worst = RoundingBound.worstRatio(fast, blas, bounds: bounds)
            #expect(worst <= 1, "transposed \(transposed): \(worst) of the bound")
        }
        #expect(CrossbarKernels.prefersOnePass(cells: g.count, batch: 4) && !CrossbarKernels.prefersOnePass(cells: 1024 * 10, batch: 4))
    }

    /// The AVX2 loops of CCrossbar against its portable loops, bit for bit: both do the same
    /// additions in the same order, so a run gives the same bits on a machine without AVX2.
    /// 602 columns leave a tail past the last multiple of 8; batch 5 is one group of four
    /// samples sharing each load of G, then one alone. (On a processor without AVX2 both
    /// paths are the portable one and the test shows only that the switch is harmless.)
    @Test func vectorAndPortableLoopsAgreeBitForBit() throws {
        let c = try TestSupport.circuit("ideal", [64, 600, 602, 10], seed: 5)
        let g = c.crossbar(1), batch = 5
        #expect(g.rows == 600 && g.columns == 602)
        var states = Self.state(c, batch: batch, seed: 8)
        for k in stride(from: 0, to: states[0].count, by: 3) { states[0].elements[k] = 0 }  // clamped nodes
        func both(_ vector: Bool) -> [UInt64] {
            _ = eqp_use_vector_unit(vector ? 1 : 0)
            defer { _ = eqp_use_vector_unit(1) }
            var down = Self.state(c, batch: batch, seed: 9)[0], fresh = down, up = Self.state(c, batch: batch, seed: 10)[1]
            CrossbarKernels.productTransposed(states[1], g, into: &down, alpha: 0.5, beta: 1)
            CrossbarKernels.productTransposed(states[1], g, into: &fresh, alpha: 0.5, beta: 0)
            CrossbarKernels.product(states[0], g, into: &up, alpha: 2, beta: 0)
            // A block of rows starting inside the crossbar (the fused layer solve's pass).
            var block = Self.state(c, batch: batch, seed: 11)[1]
            states[0].withUnsafeBufferPointer { u in g.withUnsafeBufferPointer { pg in block.withUnsafeMutableBufferPointer { o in
                eqp_product_accumulate_rows(u.baseAddress!, pg.baseAddress!, o.baseAddress!, batch, g.rows, g.columns, 100, 377, 0, g.columns)
            }}}
            // One row of the learning step: seven pairs (a group of four, then three alone) into
            // acc, then the clipped write, with cells pushed past both ends of the window and a NaN.
            var acc = Self.state(c, batch: 1, seed: 12)[1].elements, sums = Self.state(c, batch: 1, seed: 13)[1].elements
            var row = g.row(7)
            let middle = row.sorted()[row.count / 2], lo = middle * 0.9, hi = middle * 1.1
            row[3] = .nan
            let weights = (0..<7).map { Double($0) - 2.5 }
            let ys = (0..<7).flatMap { k in Self.state(c, batch: 1, seed: UInt64(20 + k))[1].elements }  // 7 rows of 602
            ys.withUnsafeBufferPointer { y in
                let pointers = (0..<7).map { k in Optional(y.baseAddress! + k * 602) }
                eqp_update_accumulate(&acc, pointers, weights, 7, 602)
            }
            eqp_update_apply_clipped(&row, acc, &sums, 602, 3e-4, lo, hi)
            #expect(row[3].isNaN && row.contains(lo) && row.contains(hi) && row.contains { $0 > lo && $0 < hi })
            return (down.elements + fresh.elements + up.elements + block.elements + acc + row + sums).map(\.bitPattern)
        }
        let vector = both(true), portable = both(false)
        let differing = zip(vector, portable).filter { $0 != $1 }.count
        #expect(vector.count == portable.count && differing == 0,
                "\(differing) of \(vector.count) results differ; AVX2 in use: \(eqp_use_vector_unit(1) == 1)")
        #expect(vector.contains { $0 != 0 })
        // The vector path must really run where the processor has AVX2.
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if cpu.split(separator: "\n").first(where: { $0.hasPrefix("flags") })?.split(separator: " ").contains("avx2") == true {
            #expect(eqp_use_vector_unit(1) == 1, "the processor has AVX2 but the kernels do not use it")
        }
    }

    /// The EqProp step cell by cell, as DESIGN §2.2 writes it: ΔG = −η/(Δβ·B)·Σ_b [½ΔV²(s²) − ½ΔV²(s¹)],
    /// times dG_eff/dG with wires, then programmed.
    static func referenceStep(_ c: ResistiveCircuit, _ eta: Double, _ u: DoubleMatrix, _ s1: [DoubleMatrix], _ s2: [DoubleMatrix],
                              _ betaDifference: Double) -> [DoubleMatrix] {
        let p = c.preset, batch = u.rows
        return (0..<c.depth).map { l in
            var g = c.network.conductances[l]
            for i in 0..<g.rows {
                for j in 0..<g.columns {
                    var sum = 0.0
                    for b in 0..<batch {
                        let below2 = l == 0 ? u[b, i] : p.amplifierGain * s2[l - 1][b, i]
                        let below1 = l == 0 ? u[b, i] : p.amplifierGain * s1[l - 1][b, i]
                        let d2 = below2 - s2[l][b, j], d1 = below1 - s1[l][b, j]
                        sum += 0.5 * d2 * d2 - 0.5 * d1 * d1
                    }
                    let e = p.effectiveConductance(g[i, j], row: i, column: j)
                    g[i, j] = p.programmable(g[i, j] - eta / (betaDifference * Double(batch)) * sum * (e / g[i, j]) * (e / g[i, j]))
                }
            }
            return g
        }
    }

    /// `amplified`: ideal hardware with amplifiers of gain 2 between layers, so the hidden
    /// crossbar's drops are A·V_{l−1} − V_l.
    @Test(arguments: ["ideal", "memristive", "levels-without-wires", "amplified"])
    func programmedUpdateMatchesTheCellByCellRule(presetName: String) throws {
        let base = ["levels-without-wires": "memristive", "amplified": "ideal"][presetName] ?? presetName
        var preset = try TestSupport.preset(base)
        // The reference rule is `programmable`: deterministic rounding to the nearest level.
        preset.device.updateScheme = .round
        if presetName == "levels-without-wires" { preset.wireResistance = 0 }
        if presetName == "amplified" { preset.amplifierGain = 2 }
        var rng = SeededGenerator(seed: 9)
        let c = ResistiveCircuit(network: ResistiveNetwork(architecture: [784, 40, 10], preset: preset, conductanceScale: 2e-3, rng: &rng),
                                 preset: preset)
        let batch = 3
        let u = CircuitConditions.inputVoltages(pixels: Self.pixels(batch: batch, count: 784, seed: 2), gain: preset.inputGain)
        let s1 = Self.state(c, batch: batch, seed: 3), s2 = Self.state(c, batch: batch, seed: 4)
        // η large enough that steps are comparable to a level and some cells clip at the window's edges.
        let eta = 5e-9 / (preset.inputGain * preset.inputGain), betaDifference = 2e-4
        var fast = c
        fast.applyEquilibriumPropagation(EquilibriumPropagationStep(learningRates: [eta, eta], biasLearningRates: [0, 0]),
                                         inputVoltages: u, first: s1, second: s2, betaDifference: betaDifference)
        let reference = Self.referenceStep(c, eta, u, s1, s2, betaDifference)
        let window = preset.conductanceMax - preset.conductanceMin
        var changed = 0, clipped = 0, offByLevel = 0
        for l in 0..<c.depth {
            let before = c.network.conductances[l].elements, after = fast.network.conductances[l].elements
            for k in before.indices {
                if after[k] != before[k] { changed += 1 }
                if after[k] == preset.conductanceMin || after[k] == preset.conductanceMax { clipped += 1 }
                // With levels, a step within rounding of a level boundary may land one level apart.
                let d = abs(after[k] - reference[l].elements[k])
                if preset.conductanceLevels >= 2 && d > 1e-12 * window {
                    offByLevel += 1
                    #expect(d <= window / Double(preset.conductanceLevels - 1) * 1.000001)
                } else {
                    #expect(d <= 1e-12 * window, "crossbar \(l) cell \(k): \(after[k]) vs \(reference[l].elements[k])")
                }
            }
        }
        let cells = c.network.conductances.map(\.count).reduce(0, +)
        #expect(changed > cells / 4 && clipped > 0 && offByLevel <= cells / 10_000, "changed \(changed), clipped \(clipped), off by a level \(offByLevel)")

        // Node conductances after the step: the same sums as from the new matrices directly.
        for (l, a) in fast.nodeConductances().enumerated() {
            for j in a.indices {
                var sum = fast.network.biasToPositiveRail[l][j] + fast.network.biasToNegativeRail[l][j]
                var below = 0.0
                for i in 0..<fast.crossbar(l).rows { below += fast.crossbar(l)[i, j] }
                sum += below
                if l + 1 < fast.depth { sum += fast.crossbar(l + 1).row(j).reduce(0, +) }
                #expect(a[j] == sum, "layer \(l + 1) node \(j)")
            }
        }
    }
}
