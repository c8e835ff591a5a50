extension WireCost {
    /// One wire resistance and tile size: the ladder's column currents and the network's
    /// build time, relaxation and output shifts.
    public struct Row: Encodable, Sendable {
        public var resistanceOhms: Double
        public var tileRows: Int
        public var ladderMeshCurrentAmperes: Double
        public var ladderFirstOrderCurrentAmperes: Double
        public var ladderIdealCurrentAmperes: Double
        /// |first order − mesh| / |mesh|.
        public var ladderFirstOrderErrorOfMesh: Double
        /// |first order − mesh| / Σ|G·u|.
        public var ladderFirstOrderErrorOfTotal: Double
        /// |ideal − mesh| / Σ|G·u|.
        public var ladderIdealErrorOfTotal: Double
        public var buildSeconds: Double
        public var relaxSeconds: Double
        public var relaxSweeps: Int
        /// Largest output-node difference to the network on ideal wires, V.
        public var outputShiftFromIdealVolts: Double
        /// Largest output-node difference between first-order and meshed wires, V.
        public var outputShiftFirstOrderVsMeshVolts: Double
        enum CodingKeys: String, CodingKey {
            case resistanceOhms = "resistance_ohms", tileRows = "tile_rows"
            case ladderMeshCurrentAmperes = "ladder_mesh_current_amperes"
            case ladderFirstOrderCurrentAmperes = "ladder_first_order_current_amperes"
            case ladderIdealCurrentAmperes = "ladder_ideal_current_amperes"
            case ladderFirstOrderErrorOfMesh = "ladder_first_order_error_of_mesh"
            case ladderFirstOrderErrorOfTotal = "ladder_first_order_error_of_total"
            case ladderIdealErrorOfTotal = "ladder_ideal_error_of_total"
            case buildSeconds = "build_seconds", relaxSeconds = "relax_seconds", relaxSweeps = "relax_sweeps"
            case outputShiftFromIdealVolts = "output_shift_from_ideal_volts"
            case outputShiftFirstOrderVsMeshVolts = "output_shift_first_order_vs_mesh_volts"
        }
    }

    /// Every row, and the network on ideal wires.
    public struct Report: Encodable, Sendable {
        public var architecture: [Int]
        public var idealBuildSeconds: Double
        public var idealRelaxSeconds: Double
        /// Not in the JSON.
        public var idealRelaxSweeps: Int
        public var rows: [Row]
        enum CodingKeys: String, CodingKey {
            case architecture, rows
            case idealBuildSeconds = "ideal_build_seconds", idealRelaxSeconds = "ideal_relax_seconds"
        }
    }
}
