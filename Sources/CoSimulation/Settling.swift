import Circuit
import Foundation
import Ngspice
import Numerics

/// Settling of the physical circuit (DESIGN §2.2, "Init-EqProp on the DRN"): with the preset's
/// node capacitances, a transient from the feedforward prediction (`.ic` = s^f) or from 0 V,
/// the time until every free node stays within `band` of its fixed point, and the energy the
/// sources deliver until then. This is the paper's "fewer steps to converge" in seconds and
/// joules.
public struct SettlingMeasurement {
    public struct Sample: Codable, Sendable {
        /// Time until every node stays within the band, s (nil: not within the simulated window).
        public var seconds: Double?
        /// Energy delivered by all sources from t = 0 until settled, J.
        public var joules: Double?
        /// Largest initial distance from the fixed point, V.
        public var initialError: Double
    }

    public var circuit: ResistiveCircuit
    /// Settling band around the fixed point, V.
    public var band = 1e-3
    /// Transient window, in units of the slowest node time constant C/a_i.
    public var windowTimeConstants = 60.0
    /// Print (and maximum) step, in units of the fastest node time constant.
    public var stepTimeConstants = 0.2

    public init(circuit: ResistiveCircuit) { self.circuit = circuit }

    /// Node time constants C / a_i (a_i: total conductance at node i), s.
    public func timeConstants() -> (fastest: Double, slowest: Double) {
        let c = circuit.preset.nodeCapacitance
        let a = circuit.nodeConductances().joined()
        return (c / a.max()!, c / a.min()!)
    }

    /// Settling of one sample (pixels x ∈ [0, 1]) from `start` (nil: 0 V) toward `fixedPoint`
    /// (free nodes, layer by layer), simulated by an ngspice worker.
    public func measure(pixels: [Double], start: [Double]?, fixedPoint: [Double], pool: NgspiceWorkerPool) throws -> Sample {
        precondition(circuit.preset.nodeCapacitance > 0, "settling needs node capacitances")
        let (fast, slow) = timeConstants()
        let step = fast * stepTimeConstants, stop = slow * windowTimeConstants
        let (deck, u) = try sampleDeck(pixels: pixels, start: start ?? Array(repeating: 0, count: fixedPoint.count))
        // .ic applies with a transient only: mark the deck as transient for the writer.
        var transientDeck = deck
        transientDeck.initialConditions = transientDeck.nodeset
        transientDeck.nodeset = []
        let text = try SpiceWriter.write(transientDeck)
        let nodes = circuit.names.freeNodes
        let job = PoolJob(deckID: "settle-\(UUID().uuidString)", deck: text, analysis: "tran", sources: [],
                          values: [[step, stop]], nodes: nodes)
        let rows = try pool.run([job])[0]
        let time = rows[0]
        let trajectory = Array(rows.dropFirst())  // node × time
        // Settled: the first time point after which every node stays within the band.
        var settledIndex: Int?
        for t in stride(from: time.count - 1, through: 0, by: -1) {
            let inside = (0..<nodes.count).allSatisfy { abs(trajectory[$0][t] - fixedPoint[$0]) <= band }
            if inside { settledIndex = t } else { break }
        }
        let initialError = (0..<nodes.count).map { abs(trajectory[$0][0] - fixedPoint[$0]) }.max() ?? 0
        guard let settled = settledIndex else { return Sample(seconds: nil, joules: nil, initialError: initialError) }
        var energy = 0.0
        var previous = power(u, state: (0..<nodes.count).map { trajectory[$0][0] })
        if settled > 0 {
            for t in 1...settled {
                let p = power(u, state: (0..<nodes.count).map { trajectory[$0][t] })
                energy += 0.5 * (p + previous) * (time[t] - time[t - 1])
                previous = p
            }
        }
        return Sample(seconds: time[settled], joules: energy, initialError: initialError)
    }

    /// ngspice's Newton iterations for the operating point of one sample (pixels x ∈ [0, 1]) of
    /// the Norton-form deck with `.nodeset` at `start` (nil: no `.nodeset`, ngspice's own start
    /// from 0 V without the extra pass a `.nodeset` costs): what the prediction buys the
    /// simulator's own solver. A fresh deck per call, so the count is this `op`'s alone.
    public func newtonIterations(pixels: [Double], start: [Double]?, pool: NgspiceWorkerPool) throws -> Int {
        let text = try SpiceWriter.write(try sampleDeck(pixels: pixels, start: start).netlist)
        let job = PoolJob(deckID: "newton-\(UUID().uuidString)", deck: text, analysis: "op-iterations", sources: [],
                          values: [[]], nodes: circuit.names.freeNodes)
        let rows = try pool.run([job])[0]
        guard rows.count == 2, let n = rows[1].first else { throw NgspiceError.worker("op-iterations: no iteration count in the reply") }
        return Int(n)
    }

    /// The Norton-form deck of one sample (pixels x ∈ [0, 1]), no analysis, with a `.nodeset` at
    /// `start` (free nodes, layer by layer, V; nil: none), and the sample's source voltages ±g·x, V.
    private func sampleDeck(pixels: [Double], start: [Double]?) throws -> (netlist: Netlist, inputVoltages: [Double]) {
        let u = CircuitConditions.inputVoltages(pixels: DoubleMatrix(rows: 1, columns: pixels.count, elements: pixels),
                                                gain: circuit.preset.inputGain)
        let netlist = try circuit.netlist(CircuitConditions(inputVoltages: u),
                                          options: NetlistOptions(form: .nortonInputs, analysis: .none, startState: start))
        return (netlist, u.row(0))
    }

    /// Power delivered by every source of the full circuit at a given free-node state, W:
    /// input sources through the crossbar, the bias rails, and the clamp rails through their
    /// diodes (the preset's diode equations).
    public func power(_ u: [Double], state: [Double]) -> Double {
        let net = circuit.network
        var p = 0.0
        var offset = 0
        var layers: [[Double]] = []
        for l in 1...circuit.depth {
            layers.append(Array(state[offset..<(offset + net.layerSizes[l - 1])]))
            offset += net.layerSizes[l - 1]
        }
        let g0 = circuit.crossbar(0)
        for k in 0..<u.count {
            var current = 0.0
            for j in 0..<g0.columns { current += g0[k, j] * (u[k] - layers[0][j]) }
            p += u[k] * current
        }
        let vb = circuit.preset.biasVolts
        let diode = circuit.preset.junctionDiode
        for l in 1...circuit.depth {
            for j in 0..<net.layerSizes[l - 1] {
                let v = layers[l - 1][j]
                p += vb * net.biasToPositiveRail[l - 1][j] * (vb - v)
                p += -vb * net.biasToNegativeRail[l - 1][j] * (-vb - v)
                switch circuit.clamp(layer: l, index: j) {
                case .none: break
                case let .excitatory(_, rail): p += rail * diode.terminal(rail - v).current
                case let .inhibitory(_, rail): p -= rail * diode.terminal(v - rail).current
                case let .twoSided(_, lowRail, _, highRail):
                    p += lowRail * diode.terminal(lowRail - v).current
                    p -= highRail * diode.terminal(v - highRail).current
                }
            }
        }
        return p
    }
}
