extension DeckRequest {
    /// The phase a deck holds, as `eqprop netlist --phase` names it (the nudge's strength,
    /// class and target are given apart: `DeckRequest.Phase`).
    public enum PhaseChoice: String, Sendable, CaseIterable {
        /// Inputs only: the free phase's fixed point s⁰.
        case free
        /// With the nudge of EqProp's second phase at the outputs.
        case nudged
    }

    /// The analysis a deck runs, as `eqprop netlist --analysis` names it.
    public enum AnalysisChoice: String, Sendable, CaseIterable {
        /// The operating point (`NetlistOptions.Analysis.operatingPoint`).
        case op
        /// A transient from `.ic` with the preset's node capacitances, then the operating point
        /// (`ResistiveCircuit.settlingTransient()`).
        case tran
    }
}
