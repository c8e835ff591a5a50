/// A SPICE circuit as typed data: elements, model cards, analysis directives and a `.control`
/// block. `SpiceWriter` turns it into an ngspice deck; nothing here does I/O.
public struct Netlist: Sendable, Equatable {
    /// One line of the deck's body, in order.
    public enum Item: Sendable, Equatable {
        case comment(String)
        case blank
        case element(Element)
        /// An `X` line: one use of a subcircuit of `Netlist.subcircuits`.
        case instance(SubcircuitInstance)
    }

    /// The first line of a SPICE deck (always treated as a title by SPICE).
    public var title: String
    public var items: [Item] = []
    /// `.param` cards, written after the title in this order.
    public var parameters: [Parameter] = []
    /// Element name (as written) → a `.param` expression written in place of its numeric value
    /// (`C_h1_0 h1_0 0 {c_node}`); the element keeps the value the expression evaluates to.
    public var valueExpressions: [String: String] = [:]
    /// `.subckt` definitions, written after the body; used by `.instance` items.
    public var subcircuits: [Subcircuit] = []
    public var diodeModels: [DiodeModelCard] = []
    /// `.options` key/value pairs, written in this order.
    public var options: [(String, Double)] = []
    /// `.nodeset` initial guesses for the operating point, V.
    public var nodeset: [(node: String, volts: Double)] = []
    /// `.ic` initial conditions for a transient analysis from a given state, V.
    public var initialConditions: [(node: String, volts: Double)] = []
    /// `.save` vectors (empty: ngspice's default).
    public var saves: [String] = []
    /// Lines of the `.control` block (without `.control` / `.endc`); empty: no block.
    public var control: [String] = []

    public init(title: String) { self.title = title }

    public static func == (a: Netlist, b: Netlist) -> Bool {
        a.title == b.title && a.items == b.items && a.diodeModels == b.diodeModels
            && a.parameters == b.parameters && a.subcircuits == b.subcircuits && a.valueExpressions == b.valueExpressions
            && a.options.map(\.0) == b.options.map(\.0) && a.options.map(\.1) == b.options.map(\.1)
            && a.nodeset.map(\.node) == b.nodeset.map(\.node) && a.nodeset.map(\.volts) == b.nodeset.map(\.volts)
            && a.initialConditions.map(\.node) == b.initialConditions.map(\.node)
            && a.initialConditions.map(\.volts) == b.initialConditions.map(\.volts)
            && a.saves == b.saves && a.control == b.control
    }

    public mutating func add(_ element: Element) { items.append(.element(element)) }
    public mutating func comment(_ text: String) { items.append(.comment(text)) }

    /// Every element of the circuit, those inside subcircuit instances included (in the
    /// order of the deck; a subcircuit's elements once per instance, under their own names).
    /// Subcircuits here name their ports after the nodes they are used on, so these elements'
    /// nodes are the circuit's nodes.
    public var elements: [Element] {
        let bodies = Dictionary(subcircuits.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        return items.flatMap { item -> [Element] in
            switch item {
            case .element(let e): return [e]
            case .instance(let x): return bodies[x.subcircuit.lowercased()]?.elements ?? []
            default: return []
            }
        }
    }

    /// Every node name used by an element, ground ("0") excluded, in order of first use.
    public var nodes: [String] {
        var seen = Set<String>(), ordered: [String] = []
        for e in elements {
            for n in e.nodes where n != "0" && !seen.contains(n) {
                seen.insert(n)
                ordered.append(n)
            }
        }
        return ordered
    }

    /// Element counts by kind ("R", "C", "D", "V", "I", "E", "F").
    public var elementCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for e in elements { counts[e.kind, default: 0] += 1 }
        return counts
    }
}

/// A `.param name=value` card: a named physical constant, with a comment line saying what
/// it is (units included).
public struct Parameter: Sendable, Equatable {
    public var name: String
    public var value: Double
    public var comment: String
    public init(_ name: String, _ value: Double, _ comment: String) {
        self.name = name
        self.value = value
        self.comment = comment
    }
}

/// A `.subckt NAME ports… / .ends` block: a part of the schematic drawn once (a crossbar).
/// Its elements are written inside the block; `Netlist.elements` lists them once per use.
public struct Subcircuit: Sendable, Equatable {
    public var name: String
    public var ports: [String]
    public var items: [Netlist.Item] = []
    public init(name: String, ports: [String]) {
        self.name = name
        self.ports = ports
    }
    public mutating func add(_ element: Element) { items.append(.element(element)) }
    public mutating func comment(_ text: String) { items.append(.comment(text)) }
    public var elements: [Element] {
        items.compactMap { if case .element(let e) = $0 { return e } else { return nil } }
    }
}

/// `X<name> nodes… <subcircuit>`: the subcircuit's ports connected to `nodes`, in order.
public struct SubcircuitInstance: Sendable, Equatable {
    public var name: String
    public var nodes: [String]
    public var subcircuit: String
    public init(name: String, nodes: [String], subcircuit: String) {
        self.name = name
        self.nodes = nodes
        self.subcircuit = subcircuit
    }
}

/// The value of an independent source: a DC level, or EXTERNAL (taken at run time from the
/// `GetVSRCData`/`GetISRCData` callbacks of libngspice).
public enum SourceValue: Sendable, Equatable {
    case dc(Double)
    /// A DC value written as a `.param` expression (`DC {v_bias}`, `DC {-v_bias}`), with its
    /// value in volts or amperes. ngspice's numparam keeps 15 significant digits: the mapping
    /// uses parameters only for values that have at most 15, which it then reads exactly.
    case parameter(String, value: Double)
    case external
}

/// One circuit element. Node "0" is ground. Values in SI units.
public enum Element: Sendable, Equatable {
    /// R: resistance in Ω (negative allowed: ngspice accepts it in DC analyses).
    case resistor(name: String, a: String, b: String, ohms: Double)
    /// C: capacitance in F.
    case capacitor(name: String, a: String, b: String, farads: Double)
    /// D: junction diode, current flows from anode to cathode when forward biased.
    case diode(name: String, anode: String, cathode: String, model: String)
    /// V: the voltage of `plus` minus that of `minus`.
    case voltageSource(name: String, plus: String, minus: String, value: SourceValue)
    /// I: a current in A that flows from `from` through the source into `into`
    /// (SPICE's `I name from into value`).
    case currentSource(name: String, from: String, into: String, value: SourceValue)
    /// E: V(outPlus, outMinus) = gain · V(controlPlus, controlMinus).
    case vcvs(name: String, outPlus: String, outMinus: String, controlPlus: String, controlMinus: String, gain: Double)
    /// F: a current gain · I(controlSource) flowing from `from` through the element into `into`,
    /// where I(controlSource) is the current through a voltage source (SPICE's `F name from into Vctl gain`).
    case cccs(name: String, from: String, into: String, controlSource: String, gain: Double)

    public var name: String {
        switch self {
        case let .resistor(n, _, _, _), let .capacitor(n, _, _, _), let .diode(n, _, _, _),
             let .voltageSource(n, _, _, _), let .currentSource(n, _, _, _),
             let .vcvs(n, _, _, _, _, _), let .cccs(n, _, _, _, _):
            return n
        }
    }

    /// The SPICE letter of the element kind.
    public var kind: String { String(name.prefix(1)).uppercased() }

    public var nodes: [String] {
        switch self {
        case let .resistor(_, a, b, _), let .capacitor(_, a, b, _): return [a, b]
        case let .diode(_, a, k, _): return [a, k]
        case let .voltageSource(_, p, m, _): return [p, m]
        case let .currentSource(_, f, i, _): return [f, i]
        case let .vcvs(_, op, om, cp, cm, _): return [op, om, cp, cm]
        case let .cccs(_, f, i, _, _): return [f, i]
        }
    }
}

/// A `.model NAME D(...)` card: the level-1 junction diode parameters ngspice uses.
public struct DiodeModelCard: Sendable, Equatable, Codable {
    public var name: String
    /// Saturation current IS, A.
    public var saturationCurrent: Double
    /// Emission coefficient N (dimensionless).
    public var emissionCoefficient: Double
    /// Series resistance RS, Ω (0: none).
    public var seriesResistance: Double
    /// Zero-bias junction capacitance CJO, F (0: none; node capacitances are explicit).
    public var junctionCapacitance: Double

    public init(name: String, saturationCurrent: Double, emissionCoefficient: Double,
                seriesResistance: Double = 0, junctionCapacitance: Double = 0) {
        self.name = name
        self.saturationCurrent = saturationCurrent
        self.emissionCoefficient = emissionCoefficient
        self.seriesResistance = seriesResistance
        self.junctionCapacitance = junctionCapacitance
    }
}
