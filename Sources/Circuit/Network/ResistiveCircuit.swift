import Numerics

/// The electrical facts of one DRN built from one hardware preset, shared by the netlist
/// mapping and the Swift solver so that both describe the same circuit:
///
/// - the effective conductance of every crossbar cell (device in series with its wires),
/// - the clamp of every free node (which diodes, to which rail),
/// - the input, bias and clamp source voltages,
/// - amplifier gains between free layers.
public struct ResistiveCircuit: Sendable {
    public private(set) var network: ResistiveNetwork
    public let preset: HardwarePreset
    /// G_eff of every crossbar when wires have resistance (else the network's own matrices
    /// serve): 1 / (1/G + r_wire·(i + j + 2)), S.
    private var wireCorrected: [DoubleMatrix]
    public let names: NodeNames
    /// Identifies this circuit and its conductances for caches: a fresh identity per circuit,
    /// a new revision after every `updateNetwork`.
    public let identity = UInt64.random(in: 1...UInt64.max)
    public private(set) var revision = 0

    /// What clamps a free node.
    public enum NodeClamp: Sendable, Equatable {
        /// A linear node (outputs).
        case none
        /// V ≥ bound: a diode from a rail at `rail` (anode) to the node (cathode).
        case excitatory(bound: Double, rail: Double)
        /// V ≤ bound: a diode from the node (anode) to a rail at `rail` (cathode).
        case inhibitory(bound: Double, rail: Double)
        /// low ≤ V ≤ high: both diodes.
        case twoSided(low: Double, lowRail: Double, high: Double, highRail: Double)

        /// The interval an ideal-diode node is confined to.
        public var bounds: (low: Double, high: Double) {
            switch self {
            case .none: return (-.infinity, .infinity)
            case let .excitatory(b, _): return (b, .infinity)
            case let .inhibitory(b, _): return (-.infinity, b)
            case let .twoSided(l, _, h, _): return (l, h)
            }
        }
    }

    public init(network: ResistiveNetwork, preset: HardwarePreset) {
        self.network = network
        self.preset = preset
        self.names = NodeNames(network: network)
        wireCorrected = []
        refreshWires()
    }

    /// The effective conductances of crossbar `index` (0 = inputs → layer 1), S.
    public func crossbar(_ index: Int) -> DoubleMatrix {
        preset.wireResistance > 0 ? wireCorrected[index] : network.conductances[index]
    }

    /// Changes the network in place (e.g. a learning step), keeping derived values current.
    public mutating func updateNetwork(_ body: (inout ResistiveNetwork) -> Void) {
        body(&network)
        revision += 1
        refreshWires()
    }

    private mutating func refreshWires() {
        let r = preset.wireResistance
        guard r > 0 else { wireCorrected = []; return }
        wireCorrected = network.conductances.map { g in
            var e = g
            for i in 0..<g.rows {
                for j in 0..<g.columns { e[i, j] = 1 / (1 / g[i, j] + r * Double(i + j + 2)) }
            }
            return e
        }
    }

    public var depth: Int { network.depth }

    /// The clamp of node `index` in free layer `layer` (1…L).
    public func clamp(layer: Int, index: Int) -> NodeClamp {
        if layer == depth { return .none }
        let p = preset
        switch p.clamp {
        case .oneSided:
            return index < network.layerSizes[layer - 1] / 2
                ? .excitatory(bound: p.clampLow, rail: p.clampLow + p.diodeOffset)
                : .inhibitory(bound: p.clampHigh, rail: p.clampHigh - p.diodeOffset)
        case .twoSided:
            return .twoSided(low: p.clampLow, lowRail: p.clampLow + p.diodeOffset,
                             high: p.clampHigh, highRail: p.clampHigh - p.diodeOffset)
        }
    }

    /// The amplifier gain A between free layer l and l+1 (l = 1…L−1).
    public var amplifierGain: Double { preset.amplifierGain }
    public var hasAmplifiers: Bool { preset.amplifierGain != 1 && depth > 1 }

    /// The effective conductance of device G at cell (i, j) of a crossbar.
    public func effective(_ g: Double, row i: Int, column j: Int) -> Double {
        preset.wireResistance > 0 ? 1 / (1 / g + preset.wireResistance * Double(i + j + 2)) : g
    }

    /// d G_eff / d G at cell (i, j): (G_eff / G)², for the chain rule of the learning rule.
    public func effectiveSlope(_ g: Double, row i: Int, column j: Int) -> Double {
        guard preset.wireResistance > 0 else { return 1 }
        let e = effective(g, row: i, column: j)
        return (e / g) * (e / g)
    }
}
