import Numerics

/// How a deck is built and what it runs.
public struct NetlistOptions: Sendable {
    /// The raw values are the names `eqprop netlist --form` and `crosscheck --form` take.
    public enum Form: String, Sendable, CaseIterable {
        /// One resistor per crossbar cell and one source per input: the physical circuit.
        case fullCrossbar = "full"
        /// The input crossbar reduced to its Norton equivalent at each first-layer node: a
        /// current source Σ_k G_kj·u_k and a conductance Σ_k G_kj to ground. With ideal input
        /// sources this is the same circuit for every free node (Thevenin–Norton): only the
        /// input nodes disappear.
        case nortonInputs = "norton"
    }
    public enum Analysis: Sendable {
        case none
        /// `op`, then print every free node's voltage.
        case operatingPoint
        /// `tran step stop 0 step uic` from `.ic` (at 0 V without a start state), then the
        /// operating point it settles to.
        case transient(step: Double, stop: Double)
    }
    public var form: Form = .fullCrossbar
    public var analysis: Analysis = .operatingPoint
    /// A starting state for the free nodes (one value per node, layer by layer): `.nodeset`
    /// for an operating point, `.ic` for a transient.
    public var startState: [Double]?
    /// Every source that varies from sample to sample (inputs or Norton currents, nudge
    /// currents or targets, tether DACs) as EXTERNAL, fed by libngspice callbacks; see
    /// `ResistiveCircuit.externalSourceValues`.
    public var externalInputs = false
    /// A dummy source `Vsweep` (with a 1 Ω load) whose `dc` sweep steps through the samples of
    /// a batch, one operating point per sample.
    public var sweepSource = false
    /// The preset's node capacitances to ground. Open circuits at an operating point: decks
    /// that only sweep operating points (the co-simulation's) leave them out and load faster.
    public var nodeCapacitances = true
    /// With an analysis, a `write FILE` after it in the `.control` block: the waveforms (or the
    /// operating point) as an ngspice raw file, relative to ngspice's working directory (a
    /// plain file name, see `ResistiveCircuit.isValidRawFileName`).
    public var rawFile: String?
    /// Comment lines describing the sample and phase.
    public var description: [String] = []

    public init(form: Form = .fullCrossbar, analysis: Analysis = .operatingPoint, startState: [Double]? = nil,
                externalInputs: Bool = false, description: [String] = []) {
        self.form = form
        self.analysis = analysis
        self.startState = startState
        self.externalInputs = externalInputs
        self.description = description
    }
}

extension ResistiveCircuit {
    /// The deck for sample row 0 of `conditions`: a pure function of its arguments.
    ///
    /// It reads like a schematic: `.param` cards for the preset's physical constants (input
    /// gain, rails, conductance window, node capacitance), a comment per block, each crossbar
    /// of cells as a `.subckt` drawn once and used once (its ports named after the nodes it
    /// joins, so every node keeps its name in ngspice's vectors), values in engineering
    /// notation with every significant digit. With an analysis, the `.control` block runs it,
    /// prints every free node, the predicted class and the static power of every source
    /// group, and quits (exit status 0 in `ngspice -b`). Co-simulation decks (`analysis:
    /// .none`) have no `.control` block: libngspice runs its own commands.
    public func netlist(_ conditions: CircuitConditions, options: NetlistOptions = NetlistOptions()) throws -> Netlist {
        precondition(conditions.batchSize == 1 || options.externalInputs,
                     "a deck describes one sample (or a batch through EXTERNAL sources)")
        let f = SpiceNumber.engineering
        let net = network
        let arch = net.architecture.map(String.init).joined(separator: "-")
        var deck = Netlist(title: "* eqprop deep resistive network \(arch), hardware preset '\(preset.name)'")
        for line in options.description { deck.comment(line) }
        let u = conditions.inputVoltages.row(0)
        guard u.count == 2 * net.inputs else {
            throw CircuitError("the inputs hold \(u.count) voltages, the network needs \(2 * net.inputs) (2 per pixel)")
        }
        try validateInputs(conditions.inputVoltages)
        if isMeshed && options.form == .nortonInputs {
            throw CircuitError("the Norton-folded deck form is exact only without wire resistance: preset '\(preset.name)' has wire_resistance_ohms = \(preset.wireResistance) with wire_model mesh; use the full crossbar form")
        }
        if let raw = options.rawFile, !Self.isValidRawFileName(raw) {
            throw CircuitError("raw file name '\(SpiceWriter.safeText(raw, limit: 64))' must be a plain file name (letters, digits, _, -, .)")
        }
        if case .transient = options.analysis, !(preset.nodeCapacitance > 0 && options.nodeCapacitances) {
            throw CircuitError("a transient analysis needs node capacitances: preset '\(SpiceWriter.safeText(preset.name, limit: 64))' has node_capacitance_farads = \(preset.nodeCapacitance)")
        }

        // Physical constants of the preset.
        deck.parameters = deckParameters
        /// A rail's value as its parameter (`{v_bias}`), when numparam reads it exactly.
        func rail(_ name: String, _ volts: Double, negated: Bool = false) -> SourceValue {
            let exact = SpiceNumber.digits(volts).digits.count <= 15 && deck.parameters.contains { $0.name == name }
            return exact ? .parameter((negated ? "-" : "") + name, value: negated ? -volts : volts) : .dc(negated ? -volts : volts)
        }

        // Sources.
        deck.items.append(.blank)
        if options.form == .fullCrossbar {
            deck.comment("inputs: ideal sources at +g_in*x (xNp) and -g_in*x (xNn), V")
            for k in 0..<(2 * net.inputs) {
                let node = names.node(layer: 0, index: k)
                deck.add(.voltageSource(name: "V\(node)", plus: node, minus: "0",
                                        value: options.externalInputs ? .external : .dc(u[k])))
            }
        }
        deck.comment("bias rails bp, bn at +/-v_bias")
        deck.add(.voltageSource(name: "Vbp", plus: "bp", minus: "0", value: rail("v_bias", preset.biasVolts)))
        deck.add(.voltageSource(name: "Vbn", plus: "bn", minus: "0", value: rail("v_bias", preset.biasVolts, negated: true)))
        if depth > 1 {
            switch preset.clamp {
            case .oneSided:
                deck.comment("clamp rails: excitatory nodes >= \(f(preset.clampLow)) V (rail ce at v_ce), inhibitory <= \(f(preset.clampHigh)) V (rail ci at v_ci)")
                deck.add(.voltageSource(name: "Vce", plus: "ce", minus: "0", value: rail("v_ce", preset.clampLow + preset.diodeOffset)))
                deck.add(.voltageSource(name: "Vci", plus: "ci", minus: "0", value: rail("v_ci", preset.clampHigh - preset.diodeOffset)))
            case .twoSided:
                deck.comment("clamp rails: hidden nodes within [\(f(preset.clampLow)), \(f(preset.clampHigh))] V (rails cl at v_cl, ch at v_ch)")
                deck.add(.voltageSource(name: "Vcl", plus: "cl", minus: "0", value: rail("v_cl", preset.clampLow + preset.diodeOffset)))
                deck.add(.voltageSource(name: "Vch", plus: "ch", minus: "0", value: rail("v_ch", preset.clampHigh - preset.diodeOffset)))
            }
        }

        // Crossbars, layer by layer. With diode mismatch every clamp diode has its own model
        // card, with the chip's IS and N, collected as the clamps are written.
        let mismatchedDiodes = devices.chip?.diodes.isEmpty == false
        var mismatchCards: [DiodeModelCard] = []
        for l in 1...depth {
            let g = crossbar(l - 1)
            let rows = net.nodes(inLayer: l - 1), columns = net.nodes(inLayer: l)
            deck.items.append(.blank)
            if l == 1 && options.form == .nortonInputs {
                deck.comment("crossbar 1 (\(rows) inputs -> \(columns) nodes) as its Norton equivalent: I = sum_k G_kj u_k into node j, R = 1/sum_k G_kj to ground")
                for j in 0..<columns {
                    var current = 0.0, total = 0.0
                    for k in 0..<rows { current += g[k, j] * u[k]; total += g[k, j] }
                    let node = names.node(layer: 1, index: j)
                    deck.add(.currentSource(name: "Iin_\(node)", from: "0", into: node,
                                            value: options.externalInputs ? .external : .dc(current)))
                    deck.add(.resistor(name: "Rin_\(node)", a: node, b: "0", ohms: 1 / total))
                }
            } else {
                let amplified = l >= 2 && hasAmplifiers
                if amplified {
                    deck.comment("bidirectional amplifiers after layer \(l - 1): drive aN = \(f(amplifierGain))*V(node) (E), return 1/\(f(amplifierGain)) of the drive current (F, sensed by VsN)")
                    for i in 0..<rows {
                        let node = names.node(layer: l - 1, index: i)
                        deck.add(.vcvs(name: "Ea_\(node)", outPlus: "as_\(node)", outMinus: "0",
                                       controlPlus: node, controlMinus: "0", gain: amplifierGain))
                        deck.add(.voltageSource(name: "Vs_\(node)", plus: "as_\(node)", minus: "a_\(node)", value: .dc(0)))
                        deck.add(.cccs(name: "Fa_\(node)", from: node, into: "0", controlSource: "Vs_\(node)", gain: 1 / amplifierGain))
                    }
                }
                if isMeshed {
                    deck.comment("crossbar \(l): layer \(l - 1) (\(rows) nodes) -> layer \(l) (\(columns) nodes), R = 1/G, as a wire mesh")
                    let names = self.names
                    appendMesh(crossbar: l - 1, to: &deck, rowPort: { i in
                        let a = names.node(layer: l - 1, index: i)
                        return amplified ? "a_\(a)" : a
                    }, columnPort: { names.node(layer: l, index: $0) })
                } else {
                    deck.items += addCrossbarSubcircuits(l, amplified: amplified, to: &deck).map { .instance($0) }
                }
            }
            deck.comment("bias conductances of layer \(l) to the + and - rails")
            for j in 0..<columns {
                let node = names.node(layer: l, index: j)
                deck.add(.resistor(name: "Rbp_\(node)", a: "bp", b: node, ohms: 1 / net.biasToPositiveRail[l - 1][j]))
                deck.add(.resistor(name: "Rbn_\(node)", a: "bn", b: node, ohms: 1 / net.biasToNegativeRail[l - 1][j]))
            }
            if l < depth {
                deck.comment("diode clamps of layer \(l)")
                for j in 0..<columns {
                    let node = names.node(layer: l, index: j)
                    let (low, high) = clampDiodeCards(layer: l, index: j)
                    if mismatchedDiodes {
                        mismatchCards.append(low)
                        if high.name != low.name { mismatchCards.append(high) }
                    }
                    switch clamp(layer: l, index: j) {
                    case .none: break
                    case .excitatory: deck.add(.diode(name: "D_\(node)", anode: "ce", cathode: node, model: low.name))
                    case .inhibitory: deck.add(.diode(name: "D_\(node)", anode: node, cathode: "ci", model: high.name))
                    case .twoSided:
                        deck.add(.diode(name: "Dl_\(node)", anode: "cl", cathode: node, model: low.name))
                        deck.add(.diode(name: "Dh_\(node)", anode: node, cathode: "ch", model: high.name))
                    }
                }
            }
        }

        // Nudge at the outputs.
        let outputs = net.nodes(inLayer: depth)
        switch conditions.nudge {
        case .none: break
        case .currents(let c):
            deck.items.append(.blank)
            deck.comment("nudge: currents injected into the output nodes, A")
            for k in 0..<outputs {
                let node = names.node(layer: depth, index: k)
                deck.add(.currentSource(name: "In_\(node)", from: "0", into: node,
                                        value: options.externalInputs ? .external : .dc(c[0, k])))
            }
        case let .conductance(beta, targets):
            deck.items.append(.blank)
            deck.comment("nudge: conductance beta = \(f(beta)) S from each output node to a source at its target")
            for k in 0..<outputs {
                let node = names.node(layer: depth, index: k)
                deck.add(.voltageSource(name: "Vy_\(node)", plus: "y_\(node)", minus: "0",
                                        value: options.externalInputs ? .external : .dc(targets[0, k])))
                deck.add(.resistor(name: "Rn_\(node)", a: node, b: "y_\(node)", ohms: 1 / beta))
            }
        }

        // Tether toward s^f.
        if let tether = conditions.tether {
            deck.items.append(.blank)
            deck.comment("lambda tether: conductance \(f(tether.conductance)) S from every free node to a source (DAC) at the feedforward prediction")
            for l in 1...depth {
                for j in 0..<net.nodes(inLayer: l) {
                    let node = names.node(layer: l, index: j)
                    deck.add(.voltageSource(name: "Vt_\(node)", plus: "t_\(node)", minus: "0",
                                            value: options.externalInputs ? .external : .dc(tether.targets[l - 1][0, j])))
                    deck.add(.resistor(name: "Rt_\(node)", a: node, b: "t_\(node)", ohms: 1 / tether.conductance))
                }
            }
        }

        if preset.nodeCapacitance > 0 && options.nodeCapacitances {
            deck.items.append(.blank)
            deck.comment("node capacitances c_node to ground (transient settling)")
            let exact = SpiceNumber.digits(preset.nodeCapacitance).digits.count <= 15
            for node in names.freeNodes {
                deck.add(.capacitor(name: "C_\(node)", a: node, b: "0", farads: preset.nodeCapacitance))
                if exact { deck.valueExpressions["C_\(node)"] = "c_node" }
            }
        }

        if options.sweepSource {
            deck.items.append(.blank)
            deck.comment("dummy source swept by 'dc vsweep 0 N-1 1': one operating point per sample")
            deck.add(.voltageSource(name: "Vsweep", plus: "sweep", minus: "0", value: .dc(0)))
            deck.add(.resistor(name: "Rsweep", a: "sweep", b: "0", ohms: 1))
        }
        if depth > 1 { deck.diodeModels = mismatchedDiodes ? mismatchCards : [preset.diodeCard] }
        deck.options = preset.spiceOptions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let free = names.freeNodes
        if let start = options.startState {
            guard start.count == free.count else {
                throw CircuitError("the start state holds \(start.count) voltages for \(free.count) free nodes")
            }
            let pairs = zip(free, start).map { (node: $0, volts: $1) }
            if case .transient = options.analysis { deck.initialConditions = pairs } else { deck.nodeset = pairs }
        }
        if case .transient = options.analysis, options.startState == nil {
            deck.initialConditions = free.map { (node: $0, volts: 0) }
        }
        deck.control = controlBlock(options.analysis, conditions: conditions, form: options.form, rawFile: options.rawFile, deck: deck)
        return deck
    }
}

extension ResistiveCircuit {
    /// Every input voltage must be finite and within the preset's ±g range; the error names
    /// the source and the sample.
    public func validateInputs(_ u: DoubleMatrix) throws {
        guard u.columns == 2 * network.inputs else {
            throw CircuitError("the inputs hold \(u.columns) voltages per sample, the network needs \(2 * network.inputs) (2 per pixel)")
        }
        for b in 0..<u.rows {
            for k in 0..<u.columns where !(u[b, k].isFinite && abs(u[b, k]) <= preset.inputGain * (1 + 1e-12)) {
                throw CircuitError("input \(names.node(layer: 0, index: k)) of sample \(b) is \(u[b, k]) V, outside preset '\(preset.name)' range ±\(preset.inputGain) V")
            }
        }
    }

    /// The EXTERNAL sources of a deck built with `externalInputs` for these conditions, and
    /// their value for each sample (rows = samples, columns = sources), in the deck's units.
    public func externalSourceValues(_ conditions: CircuitConditions, form: NetlistOptions.Form) -> (names: [String], values: [[Double]]) {
        let net = network
        var names: [String] = []
        var columns: [[Double]] = []  // one per source, over samples
        let batch = conditions.batchSize
        let u = conditions.inputVoltages
        switch form {
        case .fullCrossbar:
            for k in 0..<(2 * net.inputs) {
                names.append("V" + self.names.node(layer: 0, index: k))
                columns.append((0..<batch).map { u[$0, k] })
            }
        case .nortonInputs:
            let currents = inputCurrents(u)
            for j in 0..<net.nodes(inLayer: 1) {
                names.append("Iin_" + self.names.node(layer: 1, index: j))
                columns.append((0..<batch).map { currents[$0, j] })
            }
        }
        let outputs = net.nodes(inLayer: depth)
        switch conditions.nudge {
        case .none: break
        case .currents(let c):
            for k in 0..<outputs {
                names.append("In_" + self.names.node(layer: depth, index: k))
                columns.append((0..<batch).map { c[$0, k] })
            }
        case .conductance(_, let targets):
            for k in 0..<outputs {
                names.append("Vy_" + self.names.node(layer: depth, index: k))
                columns.append((0..<batch).map { targets[$0, k] })
            }
        }
        if let tether = conditions.tether {
            for l in 1...depth {
                for j in 0..<net.nodes(inLayer: l) {
                    names.append("Vt_" + self.names.node(layer: l, index: j))
                    columns.append((0..<batch).map { tether.targets[l - 1][$0, j] })
                }
            }
        }
        let values = (0..<batch).map { b in columns.map { $0[b] } }
        return (names, values)
    }
}
