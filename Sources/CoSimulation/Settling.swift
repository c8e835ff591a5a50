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
    public func timeConstants() -> (fastest: Double, slowest: Double) { circuit.nodeTimeConstants() }

    /// What one transient ran: the standalone deck (Norton form, `.ic` at the start state, a
    /// `.control` block that runs the same `tran` and quits) and its waveforms.
    public struct Run: Sendable {
        public var deck: String
        public var waveforms: SpiceRawFile
    }

    /// Settling of one sample (pixels x ∈ [0, 1]) from `start` (nil: 0 V) toward `fixedPoint`
    /// (free nodes, layer by layer), simulated by an ngspice worker.
    public func measure(pixels: [Double], start: [Double]?, fixedPoint: [Double], pool: NgspiceWorkerPool) throws -> Sample {
        try measureRun(pixels: pixels, start: start, fixedPoint: fixedPoint, pool: pool).sample
    }

    /// `measure`, and the deck and waveforms of the run (for `eqprop settle --keep`).
    public func measureRun(pixels: [Double], start: [Double]?, fixedPoint: [Double], pool: NgspiceWorkerPool) throws -> (sample: Sample, run: Run) {
        precondition(circuit.preset.nodeCapacitance > 0, "settling needs node capacitances")
        guard case let .transient(step, stop) = circuit.settlingTransient(stepTimeConstants: stepTimeConstants,
                                                                          windowTimeConstants: windowTimeConstants) else {
            preconditionFailure("settlingTransient returns a transient")
        }
        let u = CircuitConditions.inputVoltages(pixels: DoubleMatrix(rows: 1, columns: pixels.count, elements: pixels),
                                                gain: circuit.preset.inputGain)
        let conditions = CircuitConditions(inputVoltages: u)
        let startState = start ?? Array(repeating: 0, count: fixedPoint.count)
        var standalone = try circuit.netlist(conditions, options: NetlistOptions(form: .nortonInputs, analysis: .transient(step: step, stop: stop),
                                                                                 startState: startState,
                                                                                 description: ["settling from " + (start == nil ? "0 V" : "the feedforward prediction s^f")]))
        let deck = try SpiceWriter.write(standalone)
        // The worker runs its own `tran`: the same deck without the .control block.
        standalone.control = []
        let text = try SpiceWriter.write(standalone)
        let nodes = circuit.names.freeNodes
        let job = PoolJob(deckID: "settle-\(UUID().uuidString)", deck: text, analysis: "tran", sources: [],
                          values: [[step, stop]], nodes: nodes)
        let rows = try pool.run([job])[0]
        let time = rows[0]
        let trajectory = Array(rows.dropFirst())  // node × time
        let settled = circuit.settling(time: time, trajectory: trajectory, fixedPoint: fixedPoint, conditions: conditions, band: band)
        let waveforms = SpiceRawFile(title: standalone.title, plotName: "Transient Analysis",
                                     variables: [.init("time", "time")] + nodes.map { .init("v(\($0))", "voltage") },
                                     points: time.indices.map { t in [time[t]] + trajectory.map { $0[t] } })
        return (Sample(seconds: settled.seconds, joules: settled.joules, initialError: settled.initialError), Run(deck: deck, waveforms: waveforms))
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
    /// diodes (the preset's diode equations); see `ResistiveCircuit.sourcePower`.
    public func power(_ u: [Double], state: [Double]) -> Double {
        circuit.sourcePower(CircuitConditions(inputVoltages: DoubleMatrix(rows: 1, columns: u.count, elements: u)), state: state).total
    }
}
