import Circuit
import EqProp
import Numerics

/// A deep resistive network as an `EnergyModel` for one input sample: E is the co-content
/// (DESIGN §2.2), the state the free node voltages (V), θ the crossbar conductances and the
/// bias conductances (S), C = ½‖readout − y‖² (V²), and the nudge a current β(y − V⁰) into
/// each output (β in S).
///
/// With bidirectional amplifiers of gain A between free layers (forward VCVS ×A, backward CCCS
/// ×1/A), KCL at layer l is the gradient of Ẽ = Σ_l w_l E_l scaled by 1/w_l, with
/// w_l = A^{2(L−l)} (the output layer's weight is 1, so the nudge enters unweighted); row i of
/// crossbar l is driven at r_i = A·V_{l−1,i} (the input sources for l = 1):
///
///     ∂Ẽ/∂G_ij = w_l ½ΔV_ij²,  ∂Ẽ/∂B⁺_j = w_l ½(V_j − V_b)²,  ∂Ẽ/∂B⁻_j = w_l ½(V_j + V_b)²
///     H = w_l (a_j + diode conductance) on the diagonal, −w_l W_jk within a layer (wires),
///         −w_l A K_ij between node i of layer l−1 and node j of layer l
///     dJ/dG_ij = −w_l ΔV_ij ΔV^λ_ij,  dJ/dB±_j = −w_l λ_j (V_j ∓ V_b)   (λ = H⁻¹ ∂C/∂V)
///
/// ΔV_ij is the voltage across the device: r_i − V_j with ideal wires; with a wire mesh the
/// difference of its row-wire and column-wire nodes (`CrossbarMesh.nodeVoltages`), K the
/// mesh's cross conductances and W its coupling within a layer (`ResistiveCircuit`), all exact
/// (the mesh is eliminated exactly, so its reduced quadratic form is the co-content minimized
/// over the wire nodes). ΔV^λ is the same with the ports at the adjoint voltages (A·λ_{l−1}
/// on the rows, 0 for the input sources, λ_l on the columns): the internal nodes are linear in
/// the ports. With ideal diodes a node held at its clamp is inactive. First-order wires are
/// refused: they are an approximation whose co-content is not modelled here.
public struct ResistiveEnergyModel: EnergyModel {
    public var circuit: ResistiveCircuit
    public let diodeModel: CircuitSolver.DiodeModel
    /// Pixels of the sample, in [0, 1].
    public let pixels: [Double]
    /// Target readouts (classes), V.
    public let target: [Double]
    public var tolerance = 1e-14

    public init(circuit: ResistiveCircuit, diodeModel: CircuitSolver.DiodeModel, pixels: [Double], target: [Double]) throws {
        guard !circuit.preset.usesFirstOrderWires else {
            throw GradientError("gradient checks need exact wires: '\(circuit.preset.name)' uses the first-order wire model (an approximation); set \"wire_model\": \"mesh\" or wire_resistance_ohms 0")
        }
        self.circuit = circuit
        self.diodeModel = diodeModel
        self.pixels = pixels
        self.target = target
    }

    var net: ResistiveNetwork { circuit.network }
    var sizes: [Int] { net.layerSizes }
    var offsets: [Int] { sizes.reduce(into: [0]) { $0.append($0.last! + $1) } }
    var inputVoltages: [Double] { CircuitConditions.inputVoltages(pixels: pixels, gain: circuit.preset.inputGain) }
    public var stateCount: Int { sizes.reduce(0, +) }
    var gain: Double { circuit.amplifierGain }

    /// w_l of free layer index l (0-based): A^{2(L−1−l)}, 1 for the output layer.
    var layerWeights: [Double] {
        let a2 = gain * gain, depth = net.depth
        return (0..<depth).map { l in (0..<(depth - 1 - l)).reduce(1.0) { r, _ in r * a2 } }
    }

    public var parameterShapes: [(name: String, rows: Int, columns: Int)] {
        (0..<net.depth).flatMap { l in
            [("G\(l + 1)", net.nodes(inLayer: l), sizes[l]), ("B+\(l + 1)", 1, sizes[l]), ("B-\(l + 1)", 1, sizes[l])]
        }
    }
    public var parameterLayers: [Int] { (0..<net.depth).flatMap { [$0, $0, $0] } }
    public var parameters: [[Double]] {
        (0..<net.depth).flatMap { [net.conductances[$0].elements, net.biasToPositiveRail[$0], net.biasToNegativeRail[$0]] }
    }

    func conditions(beta: Double, free: [Double]?) -> CircuitConditions {
        var c = CircuitConditions(inputVoltages: DoubleMatrix(rows: 1, columns: 2 * net.inputs, elements: inputVoltages))
        if beta != 0, let free {
            let out = DoubleMatrix(rows: 1, columns: sizes.last!, elements: Array(free[offsets[net.depth - 1]...]))
            c.nudge = .currents(NudgeCurrents.fromFreeState(out, targets: DoubleMatrix(rows: 1, columns: net.classes, elements: target),
                                                            beta: beta, classes: net.classes, differential: net.isDifferential))
        }
        return c
    }

    func split(_ s: [Double]) -> [DoubleMatrix] {
        let o = offsets
        return (0..<net.depth).map { DoubleMatrix(rows: 1, columns: sizes[$0], elements: Array(s[o[$0]..<o[$0 + 1]])) }
    }

    public func fixedPoint(beta: Double, free: [Double]?) throws -> [Double] {
        var state = free.map(split) ?? sizes.map { DoubleMatrix(rows: 1, columns: $0) }
        let solver = CircuitSolver(diodeModel: diodeModel, tolerance: tolerance, maxSweeps: 100_000)
        let stats = solver.relax(circuit, conditions: conditions(beta: beta, free: free), state: &state)
        guard stats.converged else {
            throw GradientError("the circuit's \(beta == 0 ? "free" : "nudged") phase did not converge (residual \(stats.residual) V); RBP needs a fixed point")
        }
        return state.flatMap(\.elements)
    }

    /// The voltages driving crossbar l's rows for state s (`adjoint`: the adjoint's, with the
    /// input sources at 0 V): the inputs for l = 0, else A·V_{l−1}.
    func rowVoltages(_ s: [Double], crossbar l: Int, adjoint: Bool = false) -> [Double] {
        guard l > 0 else { return adjoint ? [Double](repeating: 0, count: 2 * net.inputs) : inputVoltages }
        let o = offsets
        return s[o[l - 1]..<o[l]].map { gain * $0 }
    }

    /// KCL at every free node without its diodes and without the nudge: the current into node
    /// j of layer l from its crossbars, wires and bias conductances at state s (A), per layer.
    func nodeCurrents(_ s: [Double]) -> [[Double]] {
        let o = offsets, vb = circuit.preset.biasVolts, a = circuit.nodeConductances()
        let sources = circuit.inputCurrents(DoubleMatrix(rows: 1, columns: 2 * net.inputs, elements: inputVoltages))
        return (0..<net.depth).map { l in
            let w = circuit.intraLayerCoupling(layer: l + 1)
            let below = rowVoltages(s, crossbar: l), k = circuit.crossbar(l)
            return (0..<sizes[l]).map { j in
                let v = s[o[l] + j]
                var current = (net.biasToPositiveRail[l][j] - net.biasToNegativeRail[l][j]) * vb - a[l][j] * v
                if l == 0 {
                    current += sources[0, j]
                } else {
                    for i in 0..<k.rows { current += k[i, j] * below[i] }
                }
                if l + 1 < net.depth {
                    let up = circuit.crossbar(l + 1)
                    for m in 0..<up.columns { current += up[j, m] * s[o[l + 1] + m] / gain }
                }
                if let w { for m in 0..<sizes[l] where m != j { current += w[j, m] * s[o[l] + m] } }
                return current
            }
        }
    }

    public func activeUnits(at s: [Double]) -> [Bool] {
        guard diodeModel == .ideal else { return [Bool](repeating: true, count: stateCount) }
        let o = offsets, a = circuit.nodeConductances(), currents = nodeCurrents(s)
        var active = [Bool](repeating: true, count: stateCount)
        for l in 0..<net.depth {
            for j in 0..<sizes[l] {
                let (lo, hi) = circuit.clamp(layer: l + 1, index: j).bounds
                // b/a: the node's voltage if it had no diode, given its neighbours (no nudge).
                let v = s[o[l] + j] + currents[l][j] / a[l][j]
                if v <= lo || v >= hi { active[o[l] + j] = false }
            }
        }
        return active
    }

    public func hessian(at s: [Double], active: [Int]) -> [Double] {
        let n = active.count, o = offsets, weights = layerWeights
        var position = [Int: Int]()
        for (k, i) in active.enumerated() { position[i] = k }
        var h = [Double](repeating: 0, count: n * n)
        let nodeConductance = circuit.nodeConductances()
        for l in 0..<net.depth {
            let g = circuit.crossbar(l), wl = weights[l], coupling = circuit.intraLayerCoupling(layer: l + 1)
            for j in 0..<sizes[l] {
                guard let b = position[o[l] + j] else { continue }
                var a = nodeConductance[l][j]
                if diodeModel == .shockley {
                    let (low, high) = circuit.clampDiodes(layer: l + 1, index: j)
                    a += circuit.clamp(layer: l + 1, index: j).diodeCurrent(at: s[o[l] + j], low: low, high: high).conductance
                }
                h[b * n + b] = wl * a
                if let coupling {
                    for m in 0..<sizes[l] where m != j {
                        guard let c = position[o[l] + m] else { continue }
                        h[b * n + c] = -wl * coupling[j, m]
                    }
                }
                if l >= 1 {
                    for i in 0..<g.rows {
                        guard let c = position[o[l - 1] + i] else { continue }
                        h[b * n + c] = -wl * gain * g[i, j]
                        h[c * n + b] = -wl * gain * g[i, j]
                    }
                }
            }
        }
        return h
    }

    func readout(_ s: [Double]) -> [Double] {
        let out = Array(s[offsets[net.depth - 1]...])
        guard net.isDifferential else { return out }
        return (0..<net.classes).map { out[$0] - out[$0 + net.classes] }
    }

    public func cost(at s: [Double]) -> Double {
        zip(readout(s), target).reduce(0) { $0 + 0.5 * ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    public func costGradient(at s: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: stateCount)
        let start = offsets[net.depth - 1]
        let r = readout(s)
        for k in 0..<net.classes {
            let e = r[k] - target[k]
            g[start + k] += e
            if net.isDifferential { g[start + k + net.classes] -= e }
        }
        return g
    }

    /// The voltage across every device of crossbar l (rows × columns, V) for row voltages
    /// `rows` and column (layer l) voltages `columns`: through the mesh's wire nodes, or r_i − V_j.
    func deviceVoltages(crossbar l: Int, rows: [Double], columns: [Double]) -> [Double] {
        if circuit.isMeshed {
            var d: [Double] = []
            circuit.meshes[l].nodeVoltages(rowVoltages: DoubleMatrix(rows: 1, columns: rows.count, elements: rows),
                                           columnVoltages: DoubleMatrix(rows: 1, columns: columns.count, elements: columns)) { _, x, y in
                d = zip(x.elements, y.elements).map { $0 - $1 }
            }
            return d
        }
        var d = [Double](repeating: 0, count: rows.count * columns.count)
        for i in 0..<rows.count { for j in 0..<columns.count { d[i * columns.count + j] = rows[i] - columns[j] } }
        return d
    }

    public func energyParameterGradient(at s: [Double]) -> [[Double]] {
        let o = offsets, vb = circuit.preset.biasVolts, weights = layerWeights
        return (0..<net.depth).flatMap { l -> [[Double]] in
            let here = Array(s[o[l]..<o[l + 1]]), wl = weights[l]
            let g = deviceVoltages(crossbar: l, rows: rowVoltages(s, crossbar: l), columns: here).map { wl * 0.5 * $0 * $0 }
            return [g, here.map { wl * 0.5 * ($0 - vb) * ($0 - vb) }, here.map { wl * 0.5 * ($0 + vb) * ($0 + vb) }]
        }
    }

    public func adjointParameterGradient(at s: [Double], adjoint lambda: [Double]) -> [[Double]] {
        let o = offsets, vb = circuit.preset.biasVolts, weights = layerWeights
        return (0..<net.depth).flatMap { l -> [[Double]] in
            let here = Array(s[o[l]..<o[l + 1]]), lh = Array(lambda[o[l]..<o[l + 1]]), wl = weights[l]
            let across = deviceVoltages(crossbar: l, rows: rowVoltages(s, crossbar: l), columns: here)
            let adjointAcross = deviceVoltages(crossbar: l, rows: rowVoltages(lambda, crossbar: l, adjoint: true), columns: lh)
            let g = zip(across, adjointAcross).map { -wl * $0 * $1 }
            return [g, (0..<here.count).map { -wl * lh[$0] * (here[$0] - vb) }, (0..<here.count).map { -wl * lh[$0] * (here[$0] + vb) }]
        }
    }

    public func perturbed(tensor: Int, index: Int, by delta: Double) -> ResistiveEnergyModel {
        var m = self
        let l = tensor / 3
        m.circuit.updateNetwork { n in
            switch tensor % 3 {
            case 0: n.conductances[l].elements[index] += delta
            case 1: n.biasToPositiveRail[l][index] += delta
            default: n.biasToNegativeRail[l][index] += delta
            }
        }
        return m
    }

    /// w_l·C per node: C dV/dt = KCL is the gradient flow of Ẽ with these masses.
    public func mass() -> [Double] {
        let weights = layerWeights
        return (0..<net.depth).flatMap { l in [Double](repeating: weights[l] * circuit.preset.nodeCapacitance, count: sizes[l]) }
    }

    public func force(at s: [Double], beta: Double, free: [Double]) -> [Double] {
        let o = offsets, weights = layerWeights
        var nudge = [Double](repeating: 0, count: sizes.last!)
        if beta != 0, case .currents(let c) = conditions(beta: beta, free: free).nudge { nudge = c.row(0) }
        let currents = nodeCurrents(s)
        var f = [Double](repeating: 0, count: stateCount)
        for l in 0..<net.depth {
            for j in 0..<sizes[l] {
                let v = s[o[l] + j]
                var current = currents[l][j] + (l == net.depth - 1 ? nudge[j] : 0)
                let clamp = circuit.clamp(layer: l + 1, index: j)
                if diodeModel == .shockley {
                    let (low, high) = circuit.clampDiodes(layer: l + 1, index: j)
                    current += clamp.diodeCurrent(at: v, low: low, high: high).current
                } else {
                    let (lo, hi) = clamp.bounds
                    if (v <= lo && current < 0) || (v >= hi && current > 0) { current = 0 }
                }
                f[o[l] + j] = weights[l] * current
            }
        }
        return f
    }

    public func kinkMargin(at s: [Double]) -> Double {
        guard diodeModel == .ideal else { return .infinity }
        var margin = Double.infinity
        let o = offsets, a = circuit.nodeConductances(), currents = nodeCurrents(s)
        for l in 0..<(net.depth - 1) {
            for j in 0..<sizes[l] {
                let (lo, hi) = circuit.clamp(layer: l + 1, index: j).bounds
                let v = s[o[l] + j] + currents[l][j] / a[l][j]
                margin = min(margin, abs(v - lo), abs(v - hi))
            }
        }
        return margin
    }
}
