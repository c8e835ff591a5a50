import Numerics

/// The power the sources of the physical circuit deliver at a given state of the free nodes:
/// the static power of one inference once the circuit has settled (at its fixed point), or
/// the instantaneous power along a transient.
public struct SourcePower: Sendable, Equatable, Codable {
    /// Input sources ±g·x through the first crossbar, W.
    public var inputs = 0.0
    /// The ±V_b bias rails through the bias conductances, W.
    public var biasRails = 0.0
    /// The clamp rails through their diodes (the preset's Shockley equations), W.
    public var clampRails = 0.0
    /// The nudge sources (currents into the outputs, or targets behind a conductance β), W.
    public var nudge = 0.0
    /// The λ-tether sources (DACs at s^f), W.
    public var tether = 0.0
    /// Everything above, W.
    public var total: Double { inputs + biasRails + clampRails + nudge + tether }

    enum CodingKeys: String, CodingKey {
        case inputs = "inputs_watts", biasRails = "bias_rails_watts", clampRails = "clamp_rails_watts"
        case nudge = "nudge_watts", tether = "tether_watts", total = "total_watts"
    }
    public init() {}
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inputs = try c.decode(Double.self, forKey: .inputs)
        biasRails = try c.decode(Double.self, forKey: .biasRails)
        clampRails = try c.decode(Double.self, forKey: .clampRails)
        nudge = try c.decode(Double.self, forKey: .nudge)
        tether = try c.decode(Double.self, forKey: .tether)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(biasRails, forKey: .biasRails)
        try c.encode(clampRails, forKey: .clampRails)
        try c.encode(nudge, forKey: .nudge)
        try c.encode(tether, forKey: .tether)
        try c.encode(total, forKey: .total)
    }
}

extension ResistiveCircuit {
    /// The power delivered by every source of sample row `row` of `conditions` with the free
    /// nodes at `state` (layer by layer, V): P = Σ V_source · I_out of the source. Amplifiers
    /// (E/F) are not counted. The same quantities a deck's `.control` block prints.
    public func sourcePower(_ conditions: CircuitConditions, row b: Int = 0, state: [Double]) -> SourcePower {
        let net = network
        var layers: [[Double]] = []
        var offset = 0
        for l in 1...depth {
            layers.append(Array(state[offset..<(offset + net.layerSizes[l - 1])]))
            offset += net.layerSizes[l - 1]
        }
        var p = SourcePower()
        let u = conditions.inputVoltages.row(b)
        if isMeshed {
            // The current each source drives into its row wire, through the wires' own drops.
            let currents = meshes[0].portCurrents(rowVoltages: DoubleMatrix(rows: 1, columns: u.count, elements: u),
                                                  columnVoltages: DoubleMatrix(rows: 1, columns: layers[0].count, elements: layers[0])).rows
            for k in 0..<u.count { p.inputs += u[k] * currents[0, k] }
        } else {
            let g0 = crossbar(0)
            for k in 0..<u.count {
                var current = 0.0
                for j in 0..<g0.columns { current += g0[k, j] * (u[k] - layers[0][j]) }
                p.inputs += u[k] * current
            }
        }
        let vb = preset.biasVolts
        for l in 1...depth {
            for j in 0..<net.layerSizes[l - 1] {
                let v = layers[l - 1][j]
                let (low, high) = clampDiodes(layer: l, index: j)
                p.biasRails += vb * net.biasToPositiveRail[l - 1][j] * (vb - v)
                p.biasRails += -vb * net.biasToNegativeRail[l - 1][j] * (-vb - v)
                switch clamp(layer: l, index: j) {
                case .none: break
                case let .excitatory(_, rail): p.clampRails += rail * low.terminal(rail - v).current
                case let .inhibitory(_, rail): p.clampRails -= rail * high.terminal(v - rail).current
                case let .twoSided(_, lowRail, _, highRail):
                    p.clampRails += lowRail * low.terminal(lowRail - v).current
                    p.clampRails -= highRail * high.terminal(v - highRail).current
                }
            }
        }
        let outputs = layers[depth - 1]
        switch conditions.nudge {
        case .none: break
        case .currents(let c):
            for k in 0..<outputs.count { p.nudge += c[b, k] * outputs[k] }
        case let .conductance(beta, y):
            for k in 0..<outputs.count { p.nudge += y[b, k] * beta * (y[b, k] - outputs[k]) }
        }
        if let tether = conditions.tether {
            for l in 1...depth {
                for j in 0..<layers[l - 1].count {
                    let t = tether.targets[l - 1][b, j]
                    p.tether += t * tether.conductance * (t - layers[l - 1][j])
                }
            }
        }
        return p
    }
}
