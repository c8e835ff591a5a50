import Circuit
import Ngspice

extension NetlistJob {
    /// What `eqprop netlist --json` prints: the deck, the Swift solver's fixed point for it,
    /// its static power and, when ngspice ran, the comparison and the transient's settling.
    public struct Report: Encodable {
        public var path: String
        public var architecture: [Int]
        public var preset: String
        public var phase: String
        public var form: String
        public var elements: [String: Int]
        public var nodes: Int
        public var freeNodes: Int
        /// Free node → the Swift solver's voltage for this deck, V.
        public var swiftVoltages: [String: Double]
        public var swiftSweeps: Int
        /// Free node → the `.nodeset`/`.ic` voltage (the digital network's prediction), V.
        public var nodeset: [String: Double]?
        public var analysis: String
        public var predictedClass: Int?
        /// Static power of one inference: the sources at the Swift solver's fixed point, W.
        public var staticPowerWatts: Double
        public var sourcePower: SourcePower
        /// A transient run (with --raw or --verify): settling time and energy until settled.
        public var settling: TransientSettling?
        public var raw: String?
        public var verification: DeckVerification?
        /// False when an existing deck was run (`existing`); not in the JSON.
        public var wroteDeck: Bool
        /// The settling band, V; not in the JSON.
        public var band: Double

        enum CodingKeys: String, CodingKey {
            case path, architecture, preset, phase, form, elements, nodes, nodeset, analysis, settling, raw, verification
            case freeNodes = "free_nodes", swiftVoltages = "swift_voltages", swiftSweeps = "swift_sweeps"
            case predictedClass = "predicted_class", staticPowerWatts = "static_power_watts", sourcePower = "source_power"
        }
    }
}
