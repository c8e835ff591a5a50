/// The messages between `NgspiceWorkerPool` and an ngspice worker process
/// (`eqprop ngspice-worker`): requests on the worker's standard input, one reply per request
/// on its standard output, each a frame of `WorkerWire` (a length-prefixed binary payload
/// whose first byte is the message's kind).

/// What a worker computes on its loaded deck.
public enum WorkerAnalysis: Sendable, Equatable {
    /// One operating point per row of `values` (points × sources; V for voltage sources, A for
    /// current sources) in one `dc` sweep of the deck's `Vsweep`: the voltages of the
    /// request's nodes at each point.
    case sweep(sources: [String], values: [[Double]])
    /// One operating point with the named external sources at `values` (V or A), the rest of
    /// the deck as written (ngspice falls back to gmin and source stepping).
    case operatingPoint(sources: [String], values: [Double])
    /// The deck's own operating point (from its `.nodeset`, if any) and the Newton iterations
    /// it took: a freshly loaded deck, so the count is this operating point's alone.
    case operatingPointIterations
    /// A transient `tran step stop uic` from the deck's `.ic`, s.
    case transient(step: Double, stop: Double)
}

/// One request: which circuit, what to compute, which node voltages to return.
public struct WorkerRequest: Sendable, Equatable {
    /// Chosen by the pool; the reply carries it back.
    public var id: UInt64
    /// Identifies the circuit; the deck is sent only when the worker does not hold it yet.
    public var deckID: String
    /// The deck's text (`SpiceWriter.write`), or nil when the worker should hold it already.
    public var deck: String?
    public var analysis: WorkerAnalysis
    /// The nodes whose voltages are returned, in this order.
    public var nodes: [String]

    public init(id: UInt64, deckID: String, deck: String?, analysis: WorkerAnalysis, nodes: [String]) {
        self.id = id
        self.deckID = deckID
        self.deck = deck
        self.analysis = analysis
        self.nodes = nodes
    }
}

/// A worker's answer to one request.
public struct WorkerReply: Sendable, Equatable {
    /// The request's id (0 for a request too malformed to read one from).
    public var id: UInt64
    public var outcome: Outcome

    public enum Outcome: Sendable, Equatable {
        /// `sweep` and `operatingPoint`: points × nodes, V; `seconds` inside ngspice.
        case points([[Double]], seconds: Double)
        /// `operatingPointIterations`: the node voltages, V, and ngspice's Newton iterations.
        case iterations(voltages: [Double], newton: Int, seconds: Double)
        /// `transient`: the time points, s, and per node its voltage at each, V.
        case transient(time: [Double], voltages: [[Double]], seconds: Double)
        /// The worker does not hold the request's deck (it restarted, or was given another
        /// circuit): the pool sends the request again with the deck.
        case needDeck
        case failed(Failure, message: String)
    }

    public enum Failure: UInt8, Sendable {
        /// Anything else (a deck ngspice cannot parse, a missing node): not retried.
        case worker = 0
        /// The analysis ran and failed (no convergence, singular matrix, a sweep cut short): a
        /// property of the circuit, not of the worker, so the pool does not retry it.
        case analysis = 1
        /// ngspice asked to exit: the worker quits after this reply and the pool restarts it.
        case engineQuit = 2
        /// The request did not decode (a bug on the pool's side, not the worker's).
        case malformedRequest = 3
    }

    public init(id: UInt64, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }

    /// The outcome as rows, as `NgspiceWorkerPool.run` returns it: points × nodes; for
    /// `iterations` the voltages then one row holding the count; for `transient` the time
    /// axis then one row per node. Nil for `needDeck` and `failed`.
    var rows: [[Double]]? {
        switch outcome {
        case .points(let v, _): return v
        case let .iterations(v, n, _): return [v, [Double(n)]]
        case let .transient(time, v, _): return [time] + v
        case .needDeck, .failed: return nil
        }
    }

    /// Seconds spent inside ngspice (0 when the worker did not simulate).
    var seconds: Double {
        switch outcome {
        case .points(_, let s), .iterations(_, _, let s), .transient(_, _, let s): return s
        case .needDeck, .failed: return 0
        }
    }
}

// MARK: encoding (payload layouts; kinds are the first byte)

extension WorkerRequest {
    /// The request as one frame (length prefix and payload). Payload: kind 1, id, deck id, has-deck byte [, deck], analysis kind and its values, nodes.
    public func frame() throws -> [UInt8] {
        var w = WorkerWire.Writer(capacity: (deck?.utf8.count ?? 0) + 64 * nodes.count)
        w.byte(1)
        w.uint64(id)
        w.string(deckID)
        if let deck { w.byte(1); w.string(deck) } else { w.byte(0) }
        switch analysis {
        case let .sweep(sources, values): w.byte(1); w.strings(sources); w.rows(values)
        case let .operatingPoint(sources, values): w.byte(2); w.strings(sources); w.doubles(values)
        case .operatingPointIterations: w.byte(3)
        case let .transient(step, stop): w.byte(4); w.double(step); w.double(stop)
        }
        w.strings(nodes)
        return try w.frame()
    }

    /// Decodes a request's payload (a frame without its length prefix); throws for a payload
    /// that is truncated, has trailing bytes, or holds counts beyond its end.
    public init(payload: UnsafeRawBufferPointer) throws {
        var r = WorkerWire.Reader(payload)
        guard try r.byte() == 1 else { throw WorkerWire.Malformed("not a request") }
        id = try r.uint64()
        deckID = try r.string()
        deck = try r.byte() == 0 ? nil : try r.string()
        switch try r.byte() {
        case 1: analysis = .sweep(sources: try r.strings(), values: try r.rows())
        case 2: analysis = .operatingPoint(sources: try r.strings(), values: try r.doubles())
        case 3: analysis = .operatingPointIterations
        case 4: analysis = .transient(step: try r.double(), stop: try r.double())
        case let k: throw WorkerWire.Malformed("unknown analysis kind \(k)")
        }
        nodes = try r.strings()
        guard r.isAtEnd else { throw WorkerWire.Malformed("bytes after the request") }
    }
}

extension WorkerReply {
    /// The reply as one frame (length prefix and payload). Payload: kind 2, id, outcome kind and its values.
    public func frame() throws -> [UInt8] {
        var w = WorkerWire.Writer()
        w.byte(2)
        w.uint64(id)
        switch outcome {
        case let .points(v, s): w.byte(1); w.double(s); w.rows(v)
        case let .iterations(v, n, s): w.byte(2); w.double(s); w.doubles(v); w.uint64(UInt64(clamping: n))
        case let .transient(time, v, s): w.byte(3); w.double(s); w.doubles(time); w.rows(v)
        case .needDeck: w.byte(4)
        case let .failed(kind, message): w.byte(5); w.byte(kind.rawValue); w.string(message)
        }
        return try w.frame()
    }

    /// Decodes a reply's payload (a frame without its length prefix), as `init(payload:)` of
    /// `WorkerRequest` does.
    public init(payload: UnsafeRawBufferPointer) throws {
        var r = WorkerWire.Reader(payload)
        guard try r.byte() == 2 else { throw WorkerWire.Malformed("not a reply") }
        id = try r.uint64()
        switch try r.byte() {
        case 1:
            let s = try r.double()
            outcome = .points(try r.rows(), seconds: s)
        case 2:
            let s = try r.double()
            let v = try r.doubles()
            outcome = .iterations(voltages: v, newton: Int(clamping: try r.uint64()), seconds: s)
        case 3:
            let s = try r.double()
            outcome = .transient(time: try r.doubles(), voltages: try r.rows(), seconds: s)
        case 4: outcome = .needDeck
        case 5:
            guard let kind = Failure(rawValue: try r.byte()) else { throw WorkerWire.Malformed("unknown failure kind") }
            outcome = .failed(kind, message: try r.string())
        case let k: throw WorkerWire.Malformed("unknown reply kind \(k)")
        }
        guard r.isAtEnd else { throw WorkerWire.Malformed("bytes after the reply") }
    }
}
