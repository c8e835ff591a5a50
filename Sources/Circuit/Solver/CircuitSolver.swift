import Equilibrium
import Foundation
import Numerics

/// The pure-Swift solver of a DRN's fixed point, batched over samples (DESIGN §2.2).
///
/// Kirchhoff's current law at free node i of layer l, with u_k the voltages driving
/// crossbar l from below (input sources, or A·V of the layer below with amplifiers):
///
///     Σ_k G_ki (u_k − V_i) + (1/A) Σ_j G_ij (V_j − A·V_i) + B⁺_i (V_b − V_i) + B⁻_i (−V_b − V_i)
///       + λ (s^f_i − V_i) + nudge_i + diode currents into i  =  0
///
/// is linear in V_i apart from the diodes: b_i − a_i·V_i + I_D(V_i) = 0 with
/// a_i = Σ_k G_ki + Σ_j G_ij + B⁺_i + B⁻_i + λ (+ β for a conductance nudge), which depends on
/// conductances only, and b_i collecting everything else. Consecutive layers form a bipartite
/// graph, so all odd layers can be solved exactly at once given the even ones and vice versa:
/// block coordinate descent on the co-content. Without amplifiers and with every a_i > 0 the
/// co-content is strictly convex and the fixed point unique. With amplifiers (A ≠ 1) each
/// layer solve is still exact but the sweep is a Gauss–Seidel iteration on a non-symmetric
/// system, and a negative conductance nudge (β < 0) can make an output's a_i ≤ 0, where the
/// node has no stable operating point: such a call returns at once with `converged == false`.
///
/// With a wire mesh (`CrossbarMesh`) each crossbar is replaced by its exact port admittance:
/// G_l becomes the cross conductances K_l, a_i sums the diagonal of the port blocks, and the
/// nodes of a layer also see each other through the wires, Σ_k W_ik V_k (W ≥ 0, small against
/// a_i). Those terms use the layer's voltages from before its update (Jacobi within a layer,
/// Gauss–Seidel between layers); the system is still an M-matrix, so the sweep converges, and
/// the final residual is the exact KCL of the reduced circuit, i.e. of the full mesh.
///
/// - Ideal diodes: V_i = clamp(b_i/a_i, low_i, high_i), the exact minimizer of the QP.
/// - Shockley diodes: a safeguarded Newton solve of the node's monotone scalar equation with
///   ngspice's diode equations (`JunctionDiode`).
///
/// Convergence: the largest KCL imbalance of a node divided by a_i (the voltage step that
/// would absorb it), checked on the final state, must be at most `tolerance` volts. A state
/// that does not reach it within `maxSweeps` sweeps is reported with `converged == false`,
/// never as a fixed point.
public final class CircuitSolver {
    public enum DiodeModel: String, Sendable, Codable, CaseIterable { case ideal, shockley }

    public let diodeModel: DiodeModel
    /// Convergence tolerance on max_i |KCL_i| / a_i, V.
    public var tolerance: Double
    public var maxSweeps: Int
    /// Batches of at least this many samples are split over the two cores.
    public var parallelThreshold = 8
    /// Makes every sample's fixed point bitwise independent of the other samples in its batch,
    /// so that a batch split over MPI ranks (or lanes) relaxes to the same bits as the whole
    /// batch (`DataParallelRelaxer`). Two things differ from the default:
    ///
    /// - each sample stops at its own convergence (its largest change ≤ tolerance/10 after a
    ///   sweep) instead of when the whole batch has converged: later sweeps still compute it, but
    ///   its converged state is put back after each of them;
    /// - the coupling products always use the one-pass kernels (`CrossbarKernels`), whose sum
    ///   for one output runs over the same terms in the same order for any batch size. BLAS's
    ///   dgemm does not: OpenBLAS 0.3 gives other bits for a 1-row product than for the same
    ///   row inside a 4-row one (measured on 784 × 1024, 500 × 500 and 100 × 10 crossbars).
    ///
    /// A batch's result then differs from the default mode's by the extra sweeps the default
    /// gives its early samples (below the tolerance). Off by default: single-process runs keep
    /// their bits.
    public var batchInvariant = false
    /// Reads the large crossbar above each odd layer once per sweep instead of twice, forming
    /// the upper layer's share while the lower layer is solved (`solveLayerFormingTheNextOnesShare`).
    /// Off: two passes, with the one-pass kernels' order of additions (last-bit differences).
    public var fusesCrossbarPasses = true

    private(set) var nodes: [NodeCache] = []
    private var cacheKey: (identity: UInt64, revision: Int)?
    private let lanes = [Lane(), Lane()]

    /// Per free layer, what depends on the circuit only: recomputed when its revision changes.
    struct NodeCache {
        var count = 0
        /// Σ of the node's crossbar and bias conductances, S.
        var conductanceSum: [Double] = []
        /// B⁺_i·V_b − B⁻_i·V_b, A.
        var biasCurrent: [Double] = []
        /// 0 none, 1 excitatory, 2 inhibitory, 3 two-sided.
        var clampKind: [UInt8] = []
        var railLow: [Double] = []
        var railHigh: [Double] = []
        var boundLow: [Double] = []
        var boundHigh: [Double] = []
        /// Each node's low-side (anode at the low rail) and high-side diode: the preset's, or
        /// the chip's own with diode mismatch (`ResistiveCircuit.clampDiodes`).
        var lowDiode: [JunctionDiode] = []
        var highDiode: [JunctionDiode] = []
        /// With a wire mesh, the layer's nodes' coupling to each other, W (S; see
        /// `ResistiveCircuit.intraLayerCoupling`); nil otherwise.
        var intraCoupling: DoubleMatrix?
    }

    public init(diodeModel: DiodeModel, tolerance: Double = 1e-10, maxSweeps: Int = 10_000) {
        self.diodeModel = diodeModel
        self.tolerance = tolerance
        self.maxSweeps = maxSweeps
    }

    /// The diode model the Swift twin of a netlist must use: the card's Shockley equations.
    /// Training may use `.ideal` when the preset's diodes are ideal.
    public static func trainingModel(for preset: HardwarePreset) -> DiodeModel {
        preset.diodeKind == .ideal ? .ideal : .shockley
    }

    /// Fixed points for a batch, starting from `state` (one B × n_l matrix per free layer, V;
    /// zeros or a prediction), written back into `state`. Samples are independent: a large
    /// batch is relaxed as two halves on the two cores.
    @discardableResult
    public func relax(_ circuit: ResistiveCircuit, conditions: CircuitConditions,
                      state: inout [DoubleMatrix]) -> RelaxationStatistics {
        refreshNodeCache(circuit)
        let batch = conditions.batchSize
        guard batch >= parallelThreshold else {
            return lanes[0].relax(self, circuit, conditions, &state)
        }
        let mid = (batch + 1) / 2
        let halves = [0..<mid, mid..<batch]
        for (lane, rows) in zip(lanes, halves) {
            lane.conditions = conditions.rows(rows)
            if lane.state.count != state.count { lane.state = state.map { DoubleMatrix(rows: 0, columns: $0.columns) } }
            for l in 0..<state.count { lane.state[l].assignRows(rows, of: state[l]) }
        }
        let (a, b) = Parallel.both({ self.lanes[0].relaxOwnState(self, circuit) },
                                   { self.lanes[1].relaxOwnState(self, circuit) })
        for (lane, rows) in zip(lanes, halves) {
            for l in 0..<state.count { state[l].writeRows(startingAt: rows.lowerBound, from: lane.state[l]) }
        }
        let residual = max(a.residual, b.residual)
        return RelaxationStatistics(iterations: max(a.iterations, b.iterations), residual: residual,
                                    converged: a.converged && b.converged)
    }

    // MARK: - Set-up

    private func refreshNodeCache(_ circuit: ResistiveCircuit) {
        if let key = cacheKey, key.identity == circuit.identity, key.revision == circuit.revision { return }
        let net = circuit.network
        let depth = circuit.depth
        let conductance = circuit.nodeConductances()
        nodes = []
        for l in 1...depth {
            var c = NodeCache()
            let n = net.nodes(inLayer: l)
            c.count = n
            let bp = net.biasToPositiveRail[l - 1], bn = net.biasToNegativeRail[l - 1]
            let vb = circuit.preset.biasVolts
            c.conductanceSum = conductance[l - 1]
            c.biasCurrent = (0..<n).map { bp[$0] * vb - bn[$0] * vb }
            c.intraCoupling = circuit.intraLayerCoupling(layer: l)
            for j in 0..<n {
                let clamp = circuit.clamp(layer: l, index: j)
                let (lo, hi) = clamp.bounds
                c.boundLow.append(lo); c.boundHigh.append(hi)
                let diodes = circuit.clampDiodes(layer: l, index: j)
                c.lowDiode.append(diodes.low); c.highDiode.append(diodes.high)
                switch clamp {
                case .none: c.clampKind.append(0); c.railLow.append(0); c.railHigh.append(0)
                case let .excitatory(_, rail): c.clampKind.append(1); c.railLow.append(rail); c.railHigh.append(0)
                case let .inhibitory(_, rail): c.clampKind.append(2); c.railLow.append(0); c.railHigh.append(rail)
                case let .twoSided(_, lowRail, _, highRail): c.clampKind.append(3); c.railLow.append(lowRail); c.railHigh.append(highRail)
                }
            }
            nodes.append(c)
        }
        cacheKey = (circuit.identity, circuit.revision)
    }

    /// The buffers of one batch (or half batch): per-call constants and couplings.
    final class Lane {
        /// a_i for this call (node sums plus tether and conductance nudge), per layer, S.
        var denominator: [[Double]] = []
        /// The state-independent part of b, B × n_l per layer, A.
        var constant: [DoubleMatrix] = []
        var coupling: [DoubleMatrix] = []
        var conditions: CircuitConditions?
        var state: [DoubleMatrix] = []
        /// The layers whose coupling already holds their share from the crossbar below, formed
        /// during the solve of the layer below (`solveLayerFormingTheNextOnesShare`).
        var lowerShareFormed: Set<Int> = []

        func relaxOwnState(_ solver: CircuitSolver, _ circuit: ResistiveCircuit) -> RelaxationStatistics {
            var s = state
            state = []
            defer { state = s }
            return relax(solver, circuit, conditions!, &s)
        }

        func relax(_ solver: CircuitSolver, _ circuit: ResistiveCircuit, _ conditions: CircuitConditions,
                   _ state: inout [DoubleMatrix]) -> RelaxationStatistics {
            prepare(solver, circuit, conditions)
            guard denominator.allSatisfy({ $0.allSatisfy { $0 > 0 } }) else {
                return RelaxationStatistics(iterations: 0, residual: .infinity, converged: false)
            }
            let depth = circuit.depth
            var sweeps = 0
            lowerShareFormed = []
            let rows = solver.batchInvariant ? SampleConvergence(batch: conditions.batchSize, state: state) : nil
            // Without a mesh an even layer's solve is exact, so the odd layers' imbalance before
            // their update is the residual of the state the sweep started from. With a mesh a
            // layer's solve is one Jacobi step in its intra-layer coupling W, and an even layer
            // can keep a residual while the odd ones no longer move (e.g. every hidden node
            // clamped): its change counts too.
            let evenLayersExact = solver.nodes.allSatisfy { $0.intraCoupling == nil }
            while sweeps < solver.maxSweeps {
                sweeps += 1
                var worst = 0.0
                rows?.beginSweep()
                for parity in [1, 0] {
                    let counted = parity == 1 || !evenLayersExact
                    for l in stride(from: parity == 1 ? 1 : 2, through: depth, by: 2) {
                        let r = solver.solveLayer(circuit, l, lane: self, state: &state,
                                                  rowWorst: counted ? rows?.sweepWorst : nil)
                        if counted { worst = max(worst, r) }
                    }
                }
                if rows != nil {
                    if rows!.endSweep(sweeps, tolerance: solver.tolerance * 0.1, state: &state) { break }
                } else if sweeps > 1 && worst <= solver.tolerance * 0.1 { break }
            }
            let residual = solver.finalResidual(circuit, lane: self, state: state)
            return RelaxationStatistics(iterations: sweeps, residual: residual, converged: residual <= solver.tolerance)
        }

        func prepare(_ solver: CircuitSolver, _ circuit: ResistiveCircuit, _ conditions: CircuitConditions) {
            let depth = circuit.depth
            let batch = conditions.batchSize
            let tetherG = conditions.tether?.conductance ?? 0
            var nudgeG = 0.0
            if case .conductance(let beta, _) = conditions.nudge { nudgeG = beta }
            if constant.count != depth {
                constant = Array(repeating: DoubleMatrix(rows: 0, columns: 0), count: depth)
                coupling = constant
            }
            denominator = []
            for l in 1...depth {
                let c = solver.nodes[l - 1]
                let n = c.count
                denominator.append(c.conductanceSum.map { $0 + tetherG + (l == depth ? nudgeG : 0) })
                if constant[l - 1].rows != batch || constant[l - 1].columns != n {
                    constant[l - 1] = DoubleMatrix(rows: batch, columns: n)
                    coupling[l - 1] = DoubleMatrix(rows: batch, columns: n)
                }
                // Constant part of b: input crossbar's Norton current, bias rails, tether, nudge.
                if l == 1 {
                    constant[0].assignRows(0..<batch, of: conditions.inputCurrents ?? circuit.inputCurrents(conditions.inputVoltages))
                } else {
                    constant[l - 1].fill(0)
                }
                constant[l - 1].addToEachRow(c.biasCurrent)
                if let tether = conditions.tether {
                    let t = tether.targets[l - 1]
                    constant[l - 1].withUnsafeMutableBufferPointer { k in
                        for i in 0..<k.count { k[i] += tetherG * t.elements[i] }
                    }
                }
                if l == depth {
                    switch conditions.nudge {
                    case .none: break
                    case .currents(let currents):
                        constant[l - 1].withUnsafeMutableBufferPointer { k in
                            for i in 0..<k.count { k[i] += currents.elements[i] }
                        }
                    case let .conductance(beta, targets):
                        constant[l - 1].withUnsafeMutableBufferPointer { k in
                            for i in 0..<k.count { k[i] += beta * targets.elements[i] }
                        }
                    }
                }
            }
        }
    }

    /// coupling_l = (A·V_{l−1})·G_l + (1/A)·V_{l+1}·G_{l+1}ᵀ: the state-dependent part of b.
    func computeCoupling(_ circuit: ResistiveCircuit, _ l: Int, lane: Lane, _ state: [DoubleMatrix], upper: Bool = true) {
        let depth = circuit.depth
        let gain = circuit.amplifierGain
        var wrote = false
        if lane.lowerShareFormed.remove(l) != nil {
            // Formed by layer l − 1's solve (`solveLayerFormingTheNextOnesShare`).
            wrote = true
        } else if l >= 2 {
            let g = circuit.crossbar(l - 1)
            if batchInvariant || CrossbarKernels.prefersOnePass(cells: g.count, batch: state[l - 2].rows) {
                CrossbarKernels.product(state[l - 2], g, into: &lane.coupling[l - 1], alpha: gain, beta: 0)
            } else {
                DoubleMatrix.multiply(state[l - 2], g, into: &lane.coupling[l - 1], alpha: gain, beta: 0)
            }
            wrote = true
        }
        if l < depth && upper {
            let g = circuit.crossbar(l)
            if batchInvariant || CrossbarKernels.prefersOnePass(cells: g.count, batch: state[l].rows) {
                CrossbarKernels.productTransposed(state[l], g, into: &lane.coupling[l - 1], alpha: 1 / gain, beta: wrote ? 1 : 0)
            } else {
                DoubleMatrix.multiply(state[l], g, transposeB: true, into: &lane.coupling[l - 1],
                                      alpha: 1 / gain, beta: wrote ? 1 : 0)
            }
            wrote = true
        }
        if let w = nodes[l - 1].intraCoupling {
            // Wire mesh: the layer's own nodes at their current voltages (a Jacobi step within
            // the layer; W is symmetric).
            if batchInvariant {
                CrossbarKernels.product(state[l - 1], w, into: &lane.coupling[l - 1], alpha: 1, beta: wrote ? 1 : 0)
            } else {
                DoubleMatrix.multiply(state[l - 1], w, into: &lane.coupling[l - 1], alpha: 1, beta: wrote ? 1 : 0)
            }
            wrote = true
        }
        if !wrote { lane.coupling[l - 1].fill(0) }
    }

    /// Solves every node of layer l exactly given its neighbours; returns the largest
    /// imbalance / a_i before the update, V.
    /// `rowWorst`, when given, receives each sample's largest imbalance (max with what it holds).
    fileprivate func solveLayer(_ circuit: ResistiveCircuit, _ l: Int, lane: Lane, state: inout [DoubleMatrix],
                                rowWorst: UnsafeMutablePointer<Double>? = nil) -> Double {
        if fusesUpperCrossbar(circuit, l, batch: state[l - 1].rows) {
            return solveLayerFormingTheNextOnesShare(circuit, l, lane: lane, state: &state, rowWorst: rowWorst)
        }
        computeCoupling(circuit, l, lane: lane, state)
        let n = nodes[l - 1].count, batch = state[l - 1].rows
        return lane.constant[l - 1].withUnsafeBufferPointer { k in
            lane.coupling[l - 1].withUnsafeBufferPointer { d in
                state[l - 1].withUnsafeMutableBufferPointer { v in
                    solveNodes(l, 0..<n, batch: batch, lane: lane, constant: k.baseAddress!, coupling: d.baseAddress!,
                               voltages: v.baseAddress!, rowWorst: rowWorst)
                }
            }
        }
    }

    /// Solves nodes `range` of layer l for every sample from b = constant + coupling (B × n_l
    /// each, like the voltages); returns the largest imbalance / a_i before the update, V.
    func solveNodes(_ l: Int, _ range: Range<Int>, batch: Int, lane: Lane, constant k: UnsafePointer<Double>,
                    coupling d: UnsafePointer<Double>, voltages v: UnsafeMutablePointer<Double>,
                    rowWorst: UnsafeMutablePointer<Double>?) -> Double {
        let c = nodes[l - 1]
        let denominator = lane.denominator[l - 1]
        let n = c.count
        let ideal = diodeModel == .ideal
        var worst = 0.0
        for row in 0..<batch {
            for j in range {
                let i = row &* n &+ j
                let a = denominator[j]
                let b = k[i] + d[i]
                let old = v[i]
                let change: Double
                if ideal {
                    let new = min(max(b / a, c.boundLow[j]), c.boundHigh[j])
                    change = abs(new - old)
                    v[i] = new
                } else {
                    let (new, imbalance) = Self.solveNode(b: b, a: a, start: old, kind: c.clampKind[j],
                                                          railLow: c.railLow[j], railHigh: c.railHigh[j],
                                                          low: c.lowDiode[j], high: c.highDiode[j])
                    change = abs(imbalance) / a
                    v[i] = new
                }
                worst = max(worst, change)
                if let rowWorst { rowWorst[row] = max(rowWorst[row], change) }
            }
        }
        return worst
    }

    /// f(V) = b − a·V + (diode currents into the node) and f'(V) < 0.
    @inline(__always)
    static func nodeBalance(_ v: Double, b: Double, a: Double, kind: UInt8, railLow: Double, railHigh: Double,
                            low: JunctionDiode, high: JunctionDiode) -> (Double, Double) {
        var f = b - a * v, df = -a
        if kind == 1 || kind == 3 {  // anode at the low rail, cathode at the node
            let (i, g) = low.terminal(railLow - v)
            f += i; df -= g
        }
        if kind == 2 || kind == 3 {  // anode at the node, cathode at the high rail
            let (i, g) = high.terminal(v - railHigh)
            f -= i; df -= g
        }
        return (f, df)
    }

    /// The root of the node's balance, a decreasing function of V: Newton with a bracket
    /// that bisection falls back on. Returns the new voltage and the imbalance at `start`.
    @inline(__always)
    static func solveNode(b: Double, a: Double, start: Double, kind: UInt8, railLow: Double, railHigh: Double,
                          low: JunctionDiode, high: JunctionDiode) -> (Double, Double) {
        if kind == 0 { return (b / a, b - a * start) }
        var v = start
        var (f, df) = nodeBalance(v, b: b, a: a, kind: kind, railLow: railLow, railHigh: railHigh, low: low, high: high)
        let initial = f
        var lo = -Double.infinity, hi = Double.infinity
        for _ in 0..<200 {
            if f == 0 { break }
            if f > 0 { lo = v } else { hi = v }
            let step = -f / df
            // Quadratic convergence: after a step this small the error is ~1e-18 V, so the
            // step is taken without evaluating the diodes again.
            if abs(step) <= 1e-9 && v + step >= lo && v + step <= hi {
                v += step
                break
            }
            var next = v + step
            if !(next > lo && next < hi) {
                if lo.isFinite && hi.isFinite {
                    next = 0.5 * (lo + hi)
                } else {
                    // One side open: step at most 1 V beyond the known side.
                    next = f > 0 ? min(next.isFinite ? next : v + 1, v + 1) : max(next.isFinite ? next : v - 1, v - 1)
                }
            }
            if abs(next - v) <= 1e-15 * max(abs(v), 1) {
                v = next
                break
            }
            v = next
            (f, df) = nodeBalance(v, b: b, a: a, kind: kind, railLow: railLow, railHigh: railHigh, low: low, high: high)
        }
        return (v, initial)
    }

    /// max_i |KCL_i| / a_i over all free nodes of the final state, V (ideal nodes: the
    /// projected imbalance a_i·|clamp(b_i/a_i) − V_i| / a_i).
    fileprivate func finalResidual(_ circuit: ResistiveCircuit, lane: Lane, state: [DoubleMatrix]) -> Double {
        var worst = 0.0
        for l in 1...circuit.depth {
            if fusesUpperCrossbar(circuit, l, batch: state[l - 1].rows) {
                computeCouplingFormingTheNextOnesShare(circuit, l, lane: lane, state: state)
            } else {
                computeCoupling(circuit, l, lane: lane, state)
            }
            let c = nodes[l - 1]
            let n = c.count
            let v = state[l - 1].elements, k = lane.constant[l - 1].elements, d = lane.coupling[l - 1].elements
            for i in 0..<v.count {
                let j = i % n
                let a = lane.denominator[l - 1][j], b = k[i] + d[i]
                let r: Double
                if diodeModel == .ideal {
                    r = abs(min(max(b / a, c.boundLow[j]), c.boundHigh[j]) - v[i])
                } else {
                    r = abs(Self.nodeBalance(v[i], b: b, a: a, kind: c.clampKind[j], railLow: c.railLow[j],
                                             railHigh: c.railHigh[j], low: c.lowDiode[j], high: c.highDiode[j]).0) / a
                }
                if !(r <= worst) { worst = r.isNaN ? .infinity : r }
            }
        }
        return worst
    }
}
