/// Messages between the parent and an ngspice worker process: one JSON object per line on
/// the worker's standard input and output.
public struct WorkerRequest: Codable, Sendable {
    public var id: Int
    /// Identifies the circuit; the deck is sent only when the worker does not hold it yet.
    public var deckID: String
    /// The deck's text: one JSON string encodes and decodes several times faster than an
    /// array of its few thousand lines.
    public var deck: String?
    /// "sweep": one operating point per row of `values` (`dc` sweep of `Vsweep`);
    /// "op": one operating point with the deck's own values; "op-iterations": the same, with
    /// the Newton iterations it took as a second row; "tran": a transient (see the worker).
    public var analysis: String
    public var sources: [String]
    public var values: [[Double]]
    public var nodes: [String]

    enum CodingKeys: String, CodingKey {
        case id, deck, analysis, sources, values, nodes
        case deckID = "deck_id"
    }
}

public struct WorkerResponse: Codable, Sendable {
    public var id: Int
    public var ok: Bool
    /// points × nodes, V.
    public var voltages: [[Double]]?
    public var error: String?
    /// The worker needs the deck for `deck_id` (it restarted or was given another circuit).
    public var needDeck: Bool?
    /// ngspice asked to exit: the worker quits after this reply.
    public var fatal: Bool?
    /// The analysis ran and failed (no convergence, singular matrix, a sweep cut short): a
    /// property of the circuit, not of the worker, so the pool does not retry it.
    public var analysisFailed: Bool?
    /// Time spent inside ngspice, s.
    public var seconds: Double?

    enum CodingKeys: String, CodingKey {
        case id, ok, voltages, error, fatal, seconds
        case needDeck = "need_deck"
        case analysisFailed = "analysis_failed"
    }
}
