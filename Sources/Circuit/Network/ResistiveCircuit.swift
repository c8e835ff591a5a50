import Numerics
import Synchronization

/// The electrical facts of one DRN built from one hardware preset, shared by the netlist
/// mapping and the Swift solver so that both describe the same circuit:
///
/// - the effective conductance of every crossbar cell (device in series with its wires, first
///   order), or with a wire mesh (`CrossbarMesh`) the exact port admittance of every crossbar,
/// - the clamp of every free node (which diodes, to which rail),
/// - the input, bias and clamp source voltages,
/// - amplifier gains between free layers.
public struct ResistiveCircuit: Sendable {
    public private(set) var network: ResistiveNetwork
    public let preset: HardwarePreset
    /// G_eff of every crossbar under the first-order wire model (else the network's own
    /// matrices serve; see `HardwarePreset.effectiveConductance`), S.
    private var wireCorrected: [DoubleMatrix]
    /// With a wire mesh: every crossbar's factorized mesh and its port admittance (crossbar 0
    /// without its row ports, which are ideal sources). Empty otherwise.
    public private(set) var meshes: [CrossbarMesh] = []
    public private(set) var meshAdmittances: [MeshAdmittance] = []
    /// With a wire mesh: the input crossbar's forward substitution of the last inputs
    /// `inputCurrents` saw, for the learning step of the same minibatch (same inputs, same
    /// revision). Shared by copies of the circuit, which the revision tells apart.
    let inputForward = InputForwardCache()
    public let names: NodeNames
    /// The chip's per-cell variation and the mixed-precision accumulators.
    public internal(set) var devices: DeviceState
    /// The velocities of momentum on the learning step (`MomentumBuffers`), nil without.
    public internal(set) var velocities: MomentumBuffers? = nil
    /// Identifies this circuit and its conductances for caches: a fresh identity per circuit,
    /// a new revision after every `updateNetwork`. Revisions come from one process-wide
    /// counter, so two copies of a circuit changed in different ways never share a key.
    public let identity = UInt64.random(in: 1...UInt64.max)
    public private(set) var revision = Self.nextRevision()

    private static let revisions = Atomic<Int>(0)
    private static func nextRevision() -> Int { revisions.add(1, ordering: .relaxed).newValue }

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

        /// The current its Shockley diodes drive into the node at `v` (A) and the node's
        /// small-signal conductance to the rails through them, −d current/dv (S, ≥ 0): `low`
        /// is the diode from the low rail (excitatory), `high` the one to the high rail
        /// (inhibitory); see `ResistiveCircuit.clampDiodes`.
        @inlinable
        public func diodeCurrent(at v: Double, low: JunctionDiode, high: JunctionDiode) -> (current: Double, conductance: Double) {
            switch self {
            case .none: return (0, 0)
            case let .excitatory(_, rail): return low.terminal(rail - v)
            case let .inhibitory(_, rail):
                let d = high.terminal(v - rail)
                return (-d.current, d.conductance)
            case let .twoSided(_, lowRail, _, highRail):
                let l = low.terminal(lowRail - v), h = high.terminal(v - highRail)
                return (l.current - h.current, l.conductance + h.conductance)
            }
        }

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

    /// The circuit of `network` built on `preset`'s devices. On a chip with variation, stuck
    /// cells take their stuck value and every cell is clipped to its own window, as programming
    /// the network onto that chip would leave it.
    public init(network: ResistiveNetwork, preset: HardwarePreset) {
        let devices = DeviceState(preset: preset, network: network)
        self.network = devices.chip.map { $0.imposed(on: network, preset: preset) } ?? network
        self.devices = devices
        self.preset = preset
        self.names = NodeNames(network: network)
        wireCorrected = []
        cellSums = ([], [])
        refreshWires()
        refreshCellSums()
    }

    /// The effective conductances of crossbar `index` (0 = inputs → layer 1), S: the devices'
    /// own with ideal wires, G_eff with first-order wires, and with a mesh the cross
    /// conductances K = −Y_rc of its port admittance (crossbar 0: the devices' own, since its
    /// K is never formed; use `inputCurrents` for what the sources drive).
    public func crossbar(_ index: Int) -> DoubleMatrix {
        if preset.usesFirstOrderWires { return wireCorrected[index] }
        if !meshes.isEmpty && index > 0 { return meshAdmittances[index].cross }
        return network.conductances[index]
    }

    /// Whether the crossbars are wire meshes (`HardwarePreset.usesMesh`).
    public var isMeshed: Bool { !meshes.isEmpty }

    /// Changes the network in place, keeping derived values current.
    public mutating func updateNetwork(_ body: (inout ResistiveNetwork) -> Void) {
        body(&network)
        revision = Self.nextRevision()
        refreshWires()
        refreshCellSums()
    }

    /// The same for a learning step that returns, per crossbar, the column sums of its new
    /// conductances when it computed them on the way (nil: recompute).
    mutating func programNetwork(_ body: (inout ResistiveNetwork) -> [[Double]?]) {
        let known = body(&network)
        revision = Self.nextRevision()
        refreshWires()
        refreshCellSums(knownColumnSums: known)
    }

    /// Per crossbar, Σ_i G_ij over its rows (one per column) and Σ_j G_ij over its columns (one
    /// per row; empty for crossbar 0, whose rows are sources) of the effective conductances, S.
    private var cellSums: (columns: [[Double]], rows: [[Double]])

    private mutating func refreshCellSums(knownColumnSums known: [[Double]?] = []) {
        if isMeshed {
            // The diagonal of each port block: a node's own conductance into the mesh.
            cellSums.columns = meshAdmittances.map { y in (0..<y.columnSelf.rows).map { y.columnSelf[$0, $0] } }
            cellSums.rows = meshAdmittances.enumerated().map { l, y in l == 0 ? [] : (0..<y.rowSelf.rows).map { y.rowSelf[$0, $0] } }
            return
        }
        cellSums.columns = (0..<depth).map { l in (l < known.count ? known[l] : nil) ?? crossbar(l).columnSums() }
        cellSums.rows = (0..<depth).map { l in
            guard l > 0 else { return [] }
            return CrossbarKernels.rowSums(crossbar(l))
        }
    }

    private mutating func refreshWires() {
        if preset.usesMesh {
            let p = preset
            let reuse = meshes.count == network.depth && zip(meshes, network.conductances).allSatisfy {
                $0.hasGeometry(rows: $1.rows, columns: $1.columns, wireResistance: p.wireResistance,
                               tileRows: p.tileRows, tileColumns: p.tileColumns)
            }
            if reuse {
                for l in meshes.indices { meshes[l].refactorize(conductances: network.conductances[l]) }
            } else {
                meshes = network.conductances.map {
                    CrossbarMesh(conductances: $0, wireResistance: p.wireResistance, tileRows: p.tileRows, tileColumns: p.tileColumns)
                }
            }
            meshAdmittances = meshes.enumerated().map { $1.admittance(rowPorts: $0 > 0) }
        }
        guard preset.usesFirstOrderWires else { wireCorrected = []; return }
        // The wire resistance read once: going through the preset per cell copied the whole
        // struct 157,000 times per minibatch on drn-xs, 3/4 of a `memristive` training's time.
        let r = preset.wireResistance
        wireCorrected = network.conductances.map { g in
            var e = g
            let columns = g.columns
            e.withUnsafeMutableBufferPointer { cells in
                for i in 0..<g.rows {
                    for j in 0..<columns {
                        let k = i * columns + j
                        cells[k] = HardwarePreset.effectiveConductance(cells[k], wireResistance: r, row: i, column: j)
                    }
                }
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

    /// The diodes clamping node `index` of free layer `layer` (1…L): the preset's, or with diode
    /// mismatch the chip's own (`DeviceChip.diodes`: slot j for the low-side or only diode,
    /// n_l + j for the high-side one of a two-sided clamp).
    public func clampDiodes(layer: Int, index j: Int) -> (low: JunctionDiode, high: JunctionDiode) {
        guard let (low, high) = chipDiodeCards(layer: layer, index: j) else { return (preset.junctionDiode, preset.junctionDiode) }
        let gmin = preset.junctionDiode.gmin
        return (JunctionDiode(low, gmin: gmin), JunctionDiode(high, gmin: gmin))
    }

    /// The model cards of a node's clamp diodes in a deck: the preset's shared card, or with
    /// diode mismatch one card per diode, named after its node (`dclamp_h1_3`, and `…_h` for the
    /// high side of a two-sided clamp).
    func clampDiodeCards(layer: Int, index j: Int) -> (low: DiodeModelCard, high: DiodeModelCard) {
        guard var (low, high) = chipDiodeCards(layer: layer, index: j) else { return (preset.diodeCard, preset.diodeCard) }
        let node = names.node(layer: layer, index: j)
        low.name = "\(preset.diodeCard.name)_\(node)"
        guard case .twoSided = clamp(layer: layer, index: j) else { return (low, low) }
        high.name = "\(preset.diodeCard.name)_\(node)_h"
        return (low, high)
    }

    /// The chip's cards of a node's low and high diodes (the same card for a one-sided clamp),
    /// nil without diode mismatch.
    private func chipDiodeCards(layer: Int, index j: Int) -> (DiodeModelCard, DiodeModelCard)? {
        guard let cards = devices.chip?.diodes, !cards.isEmpty else { return nil }
        let own = cards[layer - 1]
        if case .twoSided = clamp(layer: layer, index: j) { return (own[j], own[network.layerSizes[layer - 1] + j]) }
        return (own[j], own[j])
    }

    /// a_i of every free node, per free layer (index 0 = layer 1): the sum of the effective
    /// conductances of its crossbar cells below and above and of its two bias conductances, S.
    /// (With amplifiers the cells above enter unscaled: KCL's (1/A)·G_ij·(V_j − A·V_i).)
    public func nodeConductances() -> [[Double]] {
        (1...depth).map { l in
            let below = cellSums.columns[l - 1]
            return (0..<network.layerSizes[l - 1]).map { j in
                let bias = network.biasToPositiveRail[l - 1][j] + network.biasToNegativeRail[l - 1][j]
                return bias + below[j] + (l < depth ? cellSums.rows[l][j] : 0)
            }
        }
    }

    /// With a wire mesh, the coupling of free layer l's nodes (1…L) to each other through the
    /// wires of the crossbars below and above: W = −offdiag(Y_cc of crossbar l + Y_rr of
    /// crossbar l+1), n_l × n_l, S, ≥ 0, zero diagonal (KCL at node j gains Σ_k W_jk·V_k).
    /// nil with ideal or first-order wires.
    public func intraLayerCoupling(layer l: Int) -> DoubleMatrix? {
        guard isMeshed else { return nil }
        var w = meshAdmittances[l - 1].columnSelf
        if l < depth {
            let up = meshAdmittances[l].rowSelf
            w.withUnsafeMutableBufferPointer { pw in up.withUnsafeBufferPointer { pu in for k in pw.indices { pw[k] += pu[k] } } }
        }
        w.withUnsafeMutableBufferPointer { pw in for k in pw.indices { pw[k] = -pw[k] } }
        for j in 0..<w.rows { w[j, j] = 0 }
        return w
    }

    /// The amplifier gain A between free layer l and l+1 (l = 1…L−1).
    public var amplifierGain: Double { preset.amplifierGain }
    public var hasAmplifiers: Bool { preset.amplifierGain != 1 && depth > 1 }
}

/// The last `CrossbarMesh.RowForward` of a circuit's input crossbar, keyed by the circuit's
/// revision (thread-safe: relaxers run on copies of the circuit, on any thread).
final class InputForwardCache: Sendable {
    private let entry = Mutex<(revision: Int, forward: CrossbarMesh.RowForward)?>(nil)

    func store(_ forward: CrossbarMesh.RowForward, revision: Int) { entry.withLock { $0 = (revision, forward) } }

    /// The stored forward substitution when it belongs to `revision`.
    func lookup(revision: Int) -> CrossbarMesh.RowForward? {
        entry.withLock { e in e.flatMap { $0.revision == revision ? $0.forward : nil } }
    }
}
