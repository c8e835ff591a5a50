import Circuit
import EqProp
import Numerics

/// A deep resistive network as an `EnergyModel` for one input sample: E is the co-content
/// (DESIGN §2.2), the state the free node voltages (V), θ the crossbar conductances and the
/// bias conductances (S), C = ½‖readout − y‖² (V²), and the nudge a current β(y − V⁰) into
/// each output (β in S).
///
///     ∂E/∂G_ij = ½(u_i − V_j)²,  ∂E/∂B⁺_j = ½(V_j − V_b)²,  ∂E/∂B⁻_j = ½(V_j + V_b)²
///     H = the nodes' conductance matrix (a_i on the diagonal, −G between connected nodes)
///         + each diode's differential conductance (Shockley) on the diagonal
///     dJ/dG_ij = (u_i − V_j)(λ_j − λ_i),  dJ/dB±_j = −λ_j (V_j ∓ V_b)   (λ = H⁻¹ ∂C/∂V)
///
/// With ideal diodes a node held at its clamp is inactive. Amplifiers and wire resistance
/// are not supported here (their co-content weights and chain rules are not modelled).
public struct ResistiveEnergyModel: EnergyModel {
    public var circuit: ResistiveCircuit
    public let diodeModel: CircuitSolver.DiodeModel
    /// Pixels of the sample, in [0, 1].
    public let pixels: [Double]
    /// Target readouts (classes), V.
    public let target: [Double]
    public var tolerance = 1e-14

    public init(circuit: ResistiveCircuit, diodeModel: CircuitSolver.DiodeModel, pixels: [Double], target: [Double]) throws {
        guard circuit.preset.amplifierGain == 1, circuit.preset.wireResistance == 0 else {
            throw GradientError("gradient checks need a preset without amplifiers or wire resistance ('\(circuit.preset.name)' has them)")
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

    /// b_i/a_i: the node's voltage if it had no diode, given its neighbours (no nudge).
    func unclamped(_ s: [Double], layer l: Int, index j: Int, nodeConductance: [[Double]]) -> Double {
        let o = offsets
        var b = (net.biasToPositiveRail[l][j] - net.biasToNegativeRail[l][j]) * circuit.preset.biasVolts
        let below = l == 0 ? inputVoltages : Array(s[o[l - 1]..<o[l]])
        let g = circuit.crossbar(l)
        for i in 0..<g.rows { b += g[i, j] * below[i] }
        if l + 1 < net.depth {
            let up = circuit.crossbar(l + 1)
            for k in 0..<up.columns { b += up[j, k] * s[o[l + 1] + k] }
        }
        return b / nodeConductance[l][j]
    }

    public func activeUnits(at s: [Double]) -> [Bool] {
        guard diodeModel == .ideal else { return [Bool](repeating: true, count: stateCount) }
        let o = offsets
        var active = [Bool](repeating: true, count: stateCount)
        let a = circuit.nodeConductances()
        for l in 0..<net.depth {
            for j in 0..<sizes[l] {
                let (lo, hi) = circuit.clamp(layer: l + 1, index: j).bounds
                let v = unclamped(s, layer: l, index: j, nodeConductance: a)
                if v <= lo || v >= hi { active[o[l] + j] = false }
            }
        }
        return active
    }

    public func hessian(at s: [Double], active: [Int]) -> [Double] {
        let n = active.count, o = offsets
        var position = [Int: Int]()
        for (k, i) in active.enumerated() { position[i] = k }
        var h = [Double](repeating: 0, count: n * n)
        let diode = circuit.preset.junctionDiode
        let nodeConductance = circuit.nodeConductances()
        for l in 0..<net.depth {
            let g = circuit.crossbar(l)
            for j in 0..<sizes[l] {
                guard let b = position[o[l] + j] else { continue }
                var a = nodeConductance[l][j]
                if diodeModel == .shockley {
                    a += circuit.clamp(layer: l + 1, index: j).diodeCurrent(at: s[o[l] + j], diode).conductance
                }
                h[b * n + b] = a
                if l >= 1 {
                    for i in 0..<g.rows {
                        guard let c = position[o[l - 1] + i] else { continue }
                        h[b * n + c] = -g[i, j]
                        h[c * n + b] = -g[i, j]
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

    public func energyParameterGradient(at s: [Double]) -> [[Double]] {
        let o = offsets, vb = circuit.preset.biasVolts
        return (0..<net.depth).flatMap { l -> [[Double]] in
            let below = l == 0 ? inputVoltages : Array(s[o[l - 1]..<o[l]])
            let here = Array(s[o[l]..<o[l + 1]])
            var g = [Double](repeating: 0, count: below.count * here.count)
            for i in 0..<below.count { for j in 0..<here.count { let d = below[i] - here[j]; g[i * here.count + j] = 0.5 * d * d } }
            return [g, here.map { 0.5 * ($0 - vb) * ($0 - vb) }, here.map { 0.5 * ($0 + vb) * ($0 + vb) }]
        }
    }

    public func adjointParameterGradient(at s: [Double], adjoint lambda: [Double]) -> [[Double]] {
        let o = offsets, vb = circuit.preset.biasVolts
        return (0..<net.depth).flatMap { l -> [[Double]] in
            let below = l == 0 ? inputVoltages : Array(s[o[l - 1]..<o[l]])
            let lambdaBelow = l == 0 ? [Double](repeating: 0, count: below.count) : Array(lambda[o[l - 1]..<o[l]])
            let here = Array(s[o[l]..<o[l + 1]]), lh = Array(lambda[o[l]..<o[l + 1]])
            var g = [Double](repeating: 0, count: below.count * here.count)
            for i in 0..<below.count {
                for j in 0..<here.count { g[i * here.count + j] = (below[i] - here[j]) * (lh[j] - lambdaBelow[i]) }
            }
            return [g, (0..<here.count).map { -lh[$0] * (here[$0] - vb) }, (0..<here.count).map { -lh[$0] * (here[$0] + vb) }]
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

    public func mass() -> [Double] { [Double](repeating: circuit.preset.nodeCapacitance, count: stateCount) }

    public func force(at s: [Double], beta: Double, free: [Double]) -> [Double] {
        let o = offsets, vb = circuit.preset.biasVolts
        let diode = circuit.preset.junctionDiode
        var nudge = [Double](repeating: 0, count: sizes.last!)
        if beta != 0, case .currents(let c) = conditions(beta: beta, free: free).nudge { nudge = c.row(0) }
        var f = [Double](repeating: 0, count: stateCount)
        for l in 0..<net.depth {
            let below = l == 0 ? inputVoltages : Array(s[o[l - 1]..<o[l]])
            let g = circuit.crossbar(l)
            for j in 0..<sizes[l] {
                let v = s[o[l] + j]
                var current = net.biasToPositiveRail[l][j] * (vb - v) + net.biasToNegativeRail[l][j] * (-vb - v)
                for i in 0..<g.rows { current += g[i, j] * (below[i] - v) }
                if l + 1 < net.depth {
                    let up = circuit.crossbar(l + 1)
                    for k in 0..<up.columns { current += up[j, k] * (s[o[l + 1] + k] - v) }
                } else {
                    current += nudge[j]
                }
                let clamp = circuit.clamp(layer: l + 1, index: j)
                if diodeModel == .shockley {
                    current += clamp.diodeCurrent(at: v, diode).current
                } else {
                    let (lo, hi) = clamp.bounds
                    if (v <= lo && current < 0) || (v >= hi && current > 0) { current = 0 }
                }
                f[o[l] + j] = current
            }
        }
        return f
    }

    public func kinkMargin(at s: [Double]) -> Double {
        guard diodeModel == .ideal else { return .infinity }
        var margin = Double.infinity
        let a = circuit.nodeConductances()
        for l in 0..<(net.depth - 1) {
            for j in 0..<sizes[l] {
                let (lo, hi) = circuit.clamp(layer: l + 1, index: j).bounds
                let v = unclamped(s, layer: l, index: j, nodeConductance: a)
                margin = min(margin, abs(v - lo), abs(v - hi))
            }
        }
        return margin
    }
}
