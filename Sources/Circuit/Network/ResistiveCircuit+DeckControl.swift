import Numerics

/// The `.control` block of a deck written for a person: it runs the analysis, prints every
/// free node (`v(node) = …`), the predicted class (`predicted_class = k`) and the static power
/// delivered by each group of sources (`p_inputs = …`, …, `p_total = …`, W), then quits so
/// that `ngspice -b deck.cir` exits with status 0.
extension ResistiveCircuit {
    /// File name (letters, digits, `_`, `-`, `.`) of the raw file a transient writes with
    /// `write` when `rawFile` is set, relative to ngspice's working directory.
    public static func isValidRawFileName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= SpiceWriter.maxNameLength && !name.hasPrefix(".") && name.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-" || c == "."
        }
    }

    /// The control lines for `analysis` (empty for `.none`: libngspice decks).
    func controlBlock(_ analysis: NetlistOptions.Analysis, conditions: CircuitConditions, form: NetlistOptions.Form,
                      rawFile: String?, deck: Netlist) -> [String] {
        let f = SpiceNumber.engineering
        var c = ["set numdgt=15"]
        switch analysis {
        case .none: return []
        case .operatingPoint:
            c.append("op")
            if let rawFile { c += ["set filetype=ascii", "write \(rawFile)"] }
        case let .transient(step, stop):
            c.append("* transient from .ic with the node capacitances: print step = TMAX = \(f(step)) s, window \(f(stop)) s")
            c.append("tran \(f(step)) \(f(stop)) 0 \(f(step)) uic")
            if let rawFile { c += ["set filetype=ascii", "write \(rawFile)"] }
            c.append("* the operating point the transient settles to")
            c.append("op")
        }
        let free = names.freeNodes
        c.append("* every free node, V")
        var i = 0
        while i < free.count {
            c.append("print " + free[i..<min(i + 8, free.count)].map { "v(\($0))" }.joined(separator: " "))
            i += 8
        }
        c += predictedClassLines()
        c += powerLines(deck: deck, conditions: conditions, form: form)
        c.append("quit")
        return c
    }

    /// argmax over classes of the output score: v(oK) (single-ended) or v(oKp) − v(oKn)
    /// (differential); the first of equal scores wins.
    func predictedClassLines() -> [String] {
        let classes = network.classes, depth = self.depth
        let differential = network.isDifferential
        func score(_ k: Int) -> String {
            differential ? "v(\(names.node(layer: depth, index: k)))-v(\(names.node(layer: depth, index: k + classes)))"
                : "v(\(names.node(layer: depth, index: k)))"
        }
        var c = [differential ? "* predicted class: argmax over k of v(oKp)-v(oKn)" : "* predicted class: argmax over k of v(oK)",
                 "let predicted_class = 0", "let best_score = \(score(0))"]
        for k in 1..<max(classes, 1) {
            c += ["if \(score(k)) > best_score", "let predicted_class = \(k)", "let best_score = \(score(k))", "end"]
        }
        c.append("echo predicted_class = $&predicted_class")
        return c
    }

    /// Static power delivered by each group of sources at the operating point, W. ngspice's
    /// `@src[p]` is the power a source absorbs, so a source delivers −@src[p]. In the Norton
    /// form the physical input sources deliver Σ_k u_k² Σ_j G_kj − Σ_j I_j V_j (I_j the Norton
    /// current into node j), printed as p_inputs so that both forms report the same circuit.
    func powerLines(deck: Netlist, conditions: CircuitConditions, form: NetlistOptions.Form) -> [String] {
        var groups: [(name: String, start: String, terms: [String])] = [
            ("p_inputs", "0", []), ("p_bias_rails", "0", []), ("p_clamp_rails", "0", []),
            ("p_nudge", "0", []), ("p_tether", "0", []), ("p_amplifiers", "0", []),
        ]
        func add(_ group: Int, _ term: String) { groups[group].terms.append(term) }
        for e in deck.elements {
            let n = e.name.lowercased()
            switch e {
            case .voltageSource, .currentSource:
                if n.hasPrefix("iin_") { add(0, "+@\(n)[p]") }
                else if n.hasPrefix("vx") { add(0, "-@\(n)[p]") }
                else if n == "vbp" || n == "vbn" { add(1, "-@\(n)[p]") }
                else if ["vce", "vci", "vcl", "vch"].contains(n) { add(2, "-@\(n)[p]") }
                else if n.hasPrefix("in_") || n.hasPrefix("vy_") { add(3, "-@\(n)[p]") }
                else if n.hasPrefix("vt_") { add(4, "-@\(n)[p]") }
            case let .vcvs(_, outPlus, _, _, _, _): add(5, "-v(\(outPlus))*i(\(n))")
            case let .cccs(_, from, _, control, gain): add(5, "-\(SpiceNumber.engineering(gain))*i(\(control.lowercased()))*v(\(from))")
            default: break
            }
        }
        if form == .nortonInputs {
            let u = conditions.inputVoltages.row(0), g = crossbar(0)
            var p0 = 0.0
            for k in 0..<u.count {
                var total = 0.0
                for j in 0..<g.columns { total += g[k, j] }
                p0 += u[k] * u[k] * total
            }
            groups[0].start = SpiceNumber.engineering(p0)
        }
        var c = ["* static power delivered by the sources at the operating point, W (-@src[p]: ngspice's p is absorbed power)"]
        if form == .nortonInputs {
            c.append("* p_inputs: the physical input sources, sum_k u_k^2 sum_j G_kj - sum_j I_j V_j over the Norton currents I_j")
        }
        var printed: [String] = []
        for group in groups where !group.terms.isEmpty || (group.name == "p_inputs") {
            c.append("let \(group.name) = \(group.start)")
            var i = 0
            while i < group.terms.count {
                c.append("let \(group.name) = \(group.name) " + group.terms[i..<min(i + 12, group.terms.count)].joined(separator: " "))
                i += 12
            }
            printed.append(group.name)
        }
        c.append("let p_total = " + printed.joined(separator: " + "))
        c.append("print " + printed.joined(separator: " ") + " p_total")
        return c
    }
}

extension ResistiveCircuit {
    /// The class a deck's `.control` block prints for these node voltages (node name → V):
    /// argmax of the output scores, the first of equal scores winning. nil when an output
    /// node is missing.
    public func predictedClass(voltages: [String: Double]) -> Int? {
        let classes = network.classes
        var best: (k: Int, score: Double)?
        for k in 0..<classes {
            guard let p = voltages[names.node(layer: depth, index: k)] else { return nil }
            var score = p
            if network.isDifferential {
                guard let n = voltages[names.node(layer: depth, index: k + classes)] else { return nil }
                score = p - n
            }
            if best == nil || score > best!.score { best = (k, score) }
        }
        return best?.k
    }
}
