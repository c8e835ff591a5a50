import Circuit
import Equilibrium
import Foundation
import Numerics

/// Relaxes DRN batches in ngspice through a pool of worker processes: the circuit is
/// written as a deck whose per-sample sources are EXTERNAL, loaded once per circuit in each
/// worker, and each worker sweeps its share of the batch (`dc vsweep`, one operating point per
/// sample). The answer is the circuit's own operating point; the starting point only changes
/// how many Newton iterations ngspice needs.
public final class NgspiceRelaxer {
    public let pool: NgspiceWorkerPool
    /// The deck form: the full crossbar (the physical circuit) or its Norton-reduced inputs
    /// (the same circuit at every free node, a much smaller matrix).
    public var form: NetlistOptions.Form
    /// The deck of the last circuit, keyed by the circuit's identity and revision and the
    /// conditions' shape (nudge and tether change the set of sources, not the per-sample
    /// values); its id is unique across relaxers sharing a pool.
    private var cachedDeck: (key: String, text: String, id: String)?
    /// Samples per job: a worker sweeps at most this many points per request.
    public var chunk = 64

    public init(pool: NgspiceWorkerPool, form: NetlistOptions.Form = .nortonInputs) {
        self.pool = pool
        self.form = form
    }

    /// The free nodes' voltages (one B × n_l matrix per free layer) at the operating point of
    /// each sample of `conditions`. `phase` names the phase in error messages.
    public func relax(_ circuit: ResistiveCircuit, conditions original: CircuitConditions, phase: String = "free") throws -> [DoubleMatrix] {
        let batch = original.batchSize
        var conditions = original
        // The free phase uses the nudged phases' deck with zero nudge currents: one deck (and
        // one load per worker) serves every phase of a batch.
        if case .none = conditions.nudge {
            conditions.nudge = .currents(DoubleMatrix(rows: batch, columns: circuit.network.nodes(inLayer: circuit.depth)))
        }
        let key: String
        switch conditions.nudge {
        case .none, .currents: key = "currents"
        case .conductance(let beta, _): key = "conductance \(beta)"
        }
        let fullKey = "\(circuit.identity).\(circuit.revision) " + key + (conditions.tether.map { " tether \($0.conductance)" } ?? "")
        if cachedDeck?.key != fullKey {
            var options = NetlistOptions(form: form, analysis: .none, externalInputs: true)
            options.sweepSource = true
            options.nodeCapacitances = false
            let netlist = try circuit.netlist(conditions, options: options)
            cachedDeck = (fullKey, try SpiceWriter.write(netlist), UUID().uuidString)
        } else {
            try circuit.validateInputs(conditions.inputVoltages)
        }
        let deck = cachedDeck!
        let sources = circuit.externalSourceValues(conditions, form: form)
        let nodes = circuit.names.freeNodes
        var jobs: [PoolJob] = []
        let per = max(1, min(chunk, (batch + pool.size - 1) / pool.size))
        var start = 0
        while start < batch {
            let end = min(start + per, batch)
            jobs.append(PoolJob(deckID: deck.id, deck: deck.text, sources: sources.names,
                                values: Array(sources.values[start..<end]), nodes: nodes))
            start = end
        }
        let results: [[[Double]]]
        do {
            results = try pool.run(jobs)
        } catch let error as NgspiceError {
            guard case .simulationFailed = error else { throw error }
            throw try diagnose(error, circuit: circuit, conditions: conditions, deck: deck, phase: phase)
        }
        // Jobs come back in order, each with its samples in order.
        let rows = results.flatMap { $0 }
        let nodeCount = nodes.count
        guard rows.count == batch, rows.allSatisfy({ $0.count == nodeCount }) else {
            throw NgspiceError.worker("the workers returned \(rows.count) operating points for \(batch) samples, or rows of another length than \(nodeCount) nodes")
        }
        return circuit.network.states(fromNodeRows: rows)
    }

    /// A failed sweep: find the first sample whose own operating point (`op`, which falls
    /// back to gmin and source stepping) fails, and name it.
    private func diagnose(_ error: Error, circuit: ResistiveCircuit, conditions: CircuitConditions,
                          deck: (key: String, text: String, id: String), phase: String) throws -> Error {
        let sources = circuit.externalSourceValues(conditions, form: form)
        for b in 0..<conditions.batchSize {
            let job = PoolJob(deckID: deck.id, deck: deck.text, analysis: "op", sources: sources.names,
                              values: [sources.values[b]], nodes: circuit.names.freeNodes)
            do { _ = try pool.run([job]) } catch {
                return NgspiceError.notConverged(phase: phase, sample: b, detail: "\(error)")
            }
        }
        return error
    }
}

/// ngspice behind the common relaxation interface. The starting state does not enter: a
/// convex circuit's operating point does not depend on it, and each sample of a sweep starts
/// from the previous one.
public final class NgspiceCircuitRelaxer: EquilibriumRelaxer {
    public let relaxer: NgspiceRelaxer
    public var nudgeKind: NudgeKind

    public init(relaxer: NgspiceRelaxer, nudgeKind: NudgeKind = .current) {
        self.relaxer = relaxer
        self.nudgeKind = nudgeKind
    }

    public func relax(_ model: ResistiveCircuit, _ request: RelaxationRequest<Double>) throws -> Relaxation<Double> {
        let conditions = try request.conditions(for: model, nudgeKind: nudgeKind)
        do {
            let states = try relaxer.relax(model, conditions: conditions, phase: request.phase.name)
            return Relaxation(states: states, statistics: RelaxationStatistics(iterations: 1, residual: 0, converged: true))
        } catch let error as NgspiceError {
            // Reported like a Swift phase that hits its sweep limit: the trainer skips the batch.
            guard case .notConverged = error else { throw error }
            let states = model.network.layerSizes.map { DoubleMatrix(rows: conditions.batchSize, columns: $0) }
            return Relaxation(states: states, statistics: RelaxationStatistics(iterations: 1, residual: .infinity, converged: false,
                                                                               failure: error.description))
        }
    }
}
