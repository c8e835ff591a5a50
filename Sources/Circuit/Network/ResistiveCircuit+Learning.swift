import Numerics

/// Equilibrium Propagation for a DRN (DESIGN §2.2): every conductance learns from its own
/// voltage drop. With E the co-content (power dissipation / 2 summed per element),
///
///     ∂E/∂G_ij = ½ (u_i − V_j)²,   ∂E/∂B⁺_j = ½ (V_j − V_b)²,   ∂E/∂B⁻_j = ½ (V_j + V_b)²
///
/// where u_i is the voltage driving cell (i, j) from below (an input source, or A·V_i with
/// amplifiers). For two phases relaxed at nudging β₁ ≠ β₂ (free and ±β, or −β and +β):
///
///     ΔG = −η · (∂E/∂G(s²) − ∂E/∂G(s¹)) / ((β₂ − β₁)·B),
///
/// then programmed by the preset's update scheme (`UpdateScheme`, `CellProgrammer`): clipped to
/// [G_min, G_max] on ideal continuous devices; with `conductance_levels` rounded to a level
/// (deterministically, where a step below half a level is lost, or stochastically), sent as
/// programming pulses through the device's response, or accumulated at full precision on the
/// digital side until it crosses a level.
///
/// Batched, Σ_b (u_bi − V_bj)² = Σ_b u_bi² + Σ_b V_bj² − 2 (uᵀV)_ij: a rank-B product per phase
/// plus rank-one terms; for the input crossbar u is the same in both phases, so a single product
/// of uᵀ with the state difference suffices.
///
/// With first-order wire resistance the rule applies to the effective conductance, and the
/// device conductance moves by the chain rule dG_eff/dG = (G_eff/G)². With a wire mesh the
/// co-content includes every wire segment, whose conductance does not learn; each device
/// learns from the voltage across itself, ΔV_ij = x_ij − y_ij between its row-wire and
/// column-wire nodes, recovered per sample by back-substitution through the factorized mesh
/// (`CrossbarMesh.weightedDeviceVoltageSquares`). With amplifiers the co-content
/// of layer l carries a weight A^{−2(l−1)} that the per-layer learning rates absorb.
public struct EquilibriumPropagationStep: Sendable {
    /// η per crossbar (and its layer's bias conductances), in S²/V²: ΔG [S] per
    /// (½ΔV² [V²] / β [S]).
    public var learningRates: [Double]
    public var biasLearningRates: [Double]
    /// μ of momentum, in [0, 1) (`MomentumBuffers`); 0: the plain step.
    public var momentum: Double

    public init(learningRates: [Double], biasLearningRates: [Double], momentum: Double = 0) {
        self.learningRates = learningRates
        self.biasLearningRates = biasLearningRates
        self.momentum = momentum
    }
}

extension ResistiveCircuit {
    /// Applies one EqProp step from the states of two phases (one B × n_l matrix per free
    /// layer), `inputVoltages` B × 2n₀, and clips to the preset's window.
    ///
    /// Every crossbar is programmed in one pass over its cells (`CrossbarKernels`): with
    /// Δ_ij = −∂E/∂G(s²) + ∂E/∂G(s¹) summed over the batch,
    ///
    ///     Δ_ij = Σ_b [A·u²_bi·V²_bj − A·u¹_bi·V¹_bj] − ½ Σ_b (V²_bj² − V¹_bj²) − ½ A² Σ_b (u²_bi² − u¹_bi²),
    ///
    /// where u is the layer below (the same input voltages in both phases for crossbar 0, so its
    /// first two terms merge into Σ_b u_bi (V²_bj − V¹_bj) and the last vanishes).
    ///
    /// With momentum (`step.momentum` > 0) each cell's and bias's Δ/((β₂ − β₁)·B) first goes
    /// into its velocity, and the velocity times η is the step (`MomentumBuffers`).
    ///
    /// `programmingKey` names this programming event (e.g. seed and minibatch) for the random
    /// draws of stochastic schemes and write noise. Returns how many cells were asked to move
    /// and how many did not.
    @discardableResult
    public mutating func applyEquilibriumPropagation(
        _ step: EquilibriumPropagationStep, inputVoltages u: DoubleMatrix,
        first s1: [DoubleMatrix], second s2: [DoubleMatrix], betaDifference: Double, programmingKey: UInt64 = 0
    ) -> ProgrammingTally {
        let depth = self.depth
        let batch = Double(u.rows)
        let gain = amplifierGain
        let preset = self.preset
        let vb = preset.biasVolts
        let programmed = DeviceState.needsProgrammer(preset)
        var devices = self.devices
        let isMeshed = self.isMeshed
        // With a mesh, every crossbar's −½ΔV² terms first: read from the factorization of the
        // conductances before the update (and without a second reference to it, which would
        // make the refactorization after the update copy it).
        let meshCellTerms: [DoubleMatrix?] = (0..<depth).map { l in
            isMeshed ? meshCellTerm(l, inputVoltages: u, first: s1, second: s2) : nil
        }
        let mu = step.momentum, gradientScale = 1 / (betaDifference * batch)
        precondition(mu >= 0 && mu < 1, "momentum μ = \(mu) outside [0, 1)")
        // With momentum the velocity carries the 1/((β₂ − β₁)·B), and η alone scales the step
        // (η/1 is η: without momentum the rates divide exactly as they always have).
        let divisor = mu > 0 ? 1 : betaDifference * batch
        let momentum = mu > 0 ? (mu: mu, gradientScale: gradientScale) : nil
        // Taken out of self while the step writes them: a second reference would make the first
        // write copy every buffer. Without momentum, empty.
        var velocities = mu > 0 ? self.velocities ?? MomentumBuffers(zeroFor: network) : MomentumBuffers(unusedFor: depth)
        if mu > 0 { self.velocities = nil }
        var tally = ProgrammingTally()
        defer {
            self.devices = devices
            if mu > 0 { self.velocities = velocities }
        }
        programNetwork { net in
            var columnSums: [[Double]?] = []
            for l in 0..<depth {
                let scale = step.learningRates[l] / divisor
                let v1 = s1[l], v2 = s2[l]
                let squares2 = Self.columnSquareSums(v2), squares1 = Self.columnSquareSums(v1)
                let columnTerm = isMeshed ? [Double](repeating: 0, count: v1.columns) : (0..<v1.columns).map { -0.5 * (squares2[$0] - squares1[$0]) }
                var terms: [CrossbarKernels.Term]
                var rowTerm: [Double]? = nil
                var cellTerm: DoubleMatrix? = nil
                if let meshTerm = meshCellTerms[l] {
                    cellTerm = meshTerm
                    terms = []
                } else if l == 0 {
                    var diff = v2
                    diff.withUnsafeMutableBufferPointer { d in
                        v1.withUnsafeBufferPointer { a in for i in 0..<d.count { d[i] -= a[i] } }
                    }
                    terms = [.init(x: u, y: diff)]
                } else {
                    let below2 = s2[l - 1], below1 = s1[l - 1]
                    var scaled2 = below2, scaled1 = below1
                    scaled2.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= gain } }
                    scaled1.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= -gain } }
                    terms = [.init(x: scaled2, y: v2), .init(x: scaled1, y: v1)]
                    let rowSquares2 = Self.columnSquareSums(below2), rowSquares1 = Self.columnSquareSums(below1)
                    rowTerm = (0..<below1.columns).map { -0.5 * gain * gain * (rowSquares2[$0] - rowSquares1[$0]) }
                }
                let update = CellProgrammer.with(preset: preset, cells: devices.chip?.crossbars[l],
                                                 key: CounterRandom.key(programmingKey, UInt64(l))) { programmer in
                    CrossbarKernels.programmedUpdate(&net.conductances[l], terms: terms, columnTerm: columnTerm,
                                                     rowTerm: rowTerm, cellTerm: cellTerm, scale: scale, preset: preset,
                                                     programmer: programmed ? programmer : nil, accumulator: &devices.accumulators[l],
                                                     momentum: momentum, velocity: &velocities.crossbars[l])
                }
                columnSums.append(update.sums)
                tally.add(update.tally)
                // Bias conductances: −∂E/∂B⁺ = −½(V − V_b)², −∂E/∂B⁻ = −½(V + V_b)²; cells
                // 0..<n of the layer's bias devices go to the + rail, n..<2n to the − rail.
                let biasScale = step.biasLearningRates[l] / divisor
                let n = net.layerSizes[l]
                CellProgrammer.with(preset: preset, cells: devices.chip?.biases[l],
                                    key: CounterRandom.key(programmingKey, UInt64(l), 1)) { biasProgrammer in
                devices.biasAccumulators[l].withUnsafeMutableBufferPointer { acc in
                    var biasTally = ProgrammingTally()
                    for j in 0..<n {
                        var dp = 0.0, dn = 0.0
                        for b in 0..<v2.rows {
                            let a = v2[b, j], c = v1[b, j]
                            dp -= 0.5 * ((a - vb) * (a - vb) - (c - vb) * (c - vb))
                            dn -= 0.5 * ((a + vb) * (a + vb) - (c + vb) * (c + vb))
                        }
                        if mu > 0 {
                            velocities.biases[l][j] = mu * velocities.biases[l][j] + gradientScale * dp
                            velocities.biases[l][n + j] = mu * velocities.biases[l][n + j] + gradientScale * dn
                            (dp, dn) = (velocities.biases[l][j], velocities.biases[l][n + j])
                        }
                        if programmed {
                            net.biasToPositiveRail[l][j] = biasProgrammer.program(
                                net.biasToPositiveRail[l][j], biasScale * dp, cell: j, accumulator: acc.baseAddress.map { $0 + j }, tally: &biasTally)
                            net.biasToNegativeRail[l][j] = biasProgrammer.program(
                                net.biasToNegativeRail[l][j], biasScale * dn, cell: n + j, accumulator: acc.baseAddress.map { $0 + n + j }, tally: &biasTally)
                        } else {
                            net.biasToPositiveRail[l][j] = preset.programmable(net.biasToPositiveRail[l][j] + biasScale * dp)
                            net.biasToNegativeRail[l][j] = preset.programmable(net.biasToNegativeRail[l][j] + biasScale * dn)
                        }
                    }
                    tally.add(biasTally)
                }
                }
            }
            return columnSums
        }
        return tally
    }

    /// Σ_b m_bj² per column.
    static func columnSquareSums(_ m: DoubleMatrix) -> [Double] {
        var s = [Double](repeating: 0, count: m.columns)
        let n = m.columns
        m.withUnsafeBufferPointer { p in
            for i in 0..<p.count { s[i % n] += p[i] * p[i] }
        }
        return s
    }

    /// With a wire mesh, crossbar l's cell term −½(ΔV²(s²) − ΔV²(s¹)) summed over the batch
    /// (rows × columns, V²): each device's own voltage, across its two mesh nodes, recovered
    /// for both phases in one pass (second phase's samples weighted −½, the first's +½).
    func meshCellTerm(_ l: Int, inputVoltages u: DoubleMatrix, first s1: [DoubleMatrix], second s2: [DoubleMatrix]) -> DoubleMatrix {
        let v1 = s1[l], v2 = s2[l], b = v1.rows
        let below2 = l == 0 ? u : s2[l - 1], below1 = l == 0 ? u : s1[l - 1]
        var rows = DoubleMatrix(rows: 2 * b, columns: below1.columns), columns = DoubleMatrix(rows: 2 * b, columns: v1.columns)
        rows.writeRows(startingAt: 0, from: below2)
        rows.writeRows(startingAt: b, from: below1)
        let gain = amplifierGain
        if l > 0 && gain != 1 {
            rows.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= gain } }
        }
        columns.writeRows(startingAt: 0, from: v2)
        columns.writeRows(startingAt: b, from: v1)
        let weights = [Double](repeating: -0.5, count: b) + [Double](repeating: 0.5, count: b)
        // The input crossbar's rows are the inputs in both phases: the forward substitution that
        // `inputCurrents` made for them (when it was for these inputs) is reused.
        let forward = l == 0 ? inputForward.lookup(revision: revision) : nil
        return meshes[l].weightedDeviceVoltageSquares(rowVoltages: rows, columnVoltages: columns, weights: weights, forward: forward)
    }

    /// The input crossbar's Norton currents u·G₁ into the first free layer (B × n₁, A) for
    /// input voltages u (B × 2n₀, V): I_bj = Σ_k G_kj u_bk, summed over k in increasing order.
    /// With a wire mesh: the current the sources drive into each first-layer node held at 0 V,
    /// −(Y_cr u)_j, from one substitution per sample through the factorized mesh.
    public func inputCurrents(_ u: DoubleMatrix) -> DoubleMatrix {
        if isMeshed {
            // The forward substitution of these inputs serves the learning step of the minibatch too.
            let forward = meshes[0].rowForward(u)
            inputForward.store(forward, revision: revision)
            var i = meshes[0].portCurrents(rowVoltages: u, columnVoltages: DoubleMatrix(rows: u.rows, columns: meshes[0].columns),
                                           rowPorts: false, forward: forward).columns
            i.withUnsafeMutableBufferPointer { p in for k in p.indices { p[k] = -p[k] } }
            return i
        }
        return CrossbarKernels.product(u, crossbar(0))
    }
}
