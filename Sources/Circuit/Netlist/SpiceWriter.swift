/// Writes a `Netlist` as an ngspice deck: title, `.param` cards, body, `.subckt` blocks, model
/// cards, options, `.nodeset`, `.ic`, `.save`, the `.control` block, `.end`. Values are in
/// engineering notation with every significant digit (`SpiceNumber.engineering`). The same netlist always gives the same
/// bytes. Long `.nodeset`/`.ic`/`.save` lists are split over continuation lines (`+`).
///
/// Nothing user-controlled reaches a deck unfiltered. The title and comments are the only free
/// text in a deck, and they carry names from files a user may have been handed (a hardware
/// preset's name, a network file's preset, a run folder's name). ngspice 39.3 cuts a line after
/// 4,999 bytes and reads the rest as a new card, so an unbounded name ending in `.include FILE`
/// would make `ngspice -b deck.cir` run FILE's `.control`/`shell` block. Free text is therefore
/// reduced to printable ASCII (anything else becomes `?`) and cut to `maxTextLength`; names are
/// letters, digits and `_` of at most `maxNameLength`; and every line the writer emits is
/// checked against `maxLineLength`, far below ngspice's cut.
public enum SpiceWriter {
    /// The longest line the writer emits, bytes (ngspice splits lines at 4,999).
    public static let maxLineLength = 1000
    /// The longest title or comment text kept, characters (longer text ends in `...`).
    public static let maxTextLength = 200
    /// The longest element, node or model name, characters.
    public static let maxNameLength = 64

    public enum WriterError: Error, CustomStringConvertible, Equatable {
        case invalidName(String)
        case duplicateName(String)
        case nonFinite(element: String, value: Double)
        case lineTooLong(line: Int, length: Int)

        public var description: String {
            switch self {
            case let .invalidName(n):
                return "invalid SPICE name '\(SpiceWriter.safeText(n))' (letters, digits and _ only, at most \(SpiceWriter.maxNameLength), element names start with their kind letter)"
            case let .lineTooLong(line, length):
                return "deck line \(line) would be \(length) bytes long (at most \(SpiceWriter.maxLineLength))"
            case let .duplicateName(n): return "element name '\(n)' is used twice"
            case let .nonFinite(e, v): return "element \(e) has a non-finite value \(v)"
            }
        }
    }

    /// Checks names (characters, uniqueness, kind letter) and values, then writes.
    public static func write(_ netlist: Netlist) throws -> String {
        var seen = Set<String>()
        for e in netlist.elements {
            let upper = e.name.uppercased()
            guard isValidName(e.name), let first = e.name.first,
                  ["R", "C", "D", "V", "I", "E", "F"].contains(String(first).uppercased()) else {
                throw WriterError.invalidName(e.name)
            }
            guard seen.insert(upper).inserted else { throw WriterError.duplicateName(e.name) }
            for n in e.nodes where !isValidName(n) { throw WriterError.invalidName(n) }
            if let v = value(of: e), !v.isFinite { throw WriterError.nonFinite(element: e.name, value: v) }
        }
        for m in netlist.diodeModels where !isValidName(m.name) { throw WriterError.invalidName(m.name) }
        for p in netlist.parameters where !isValidName(p.name) || !p.value.isFinite {
            throw p.value.isFinite ? WriterError.invalidName(p.name) : WriterError.nonFinite(element: p.name, value: p.value)
        }
        let parameterNames = Set(netlist.parameters.map { $0.name.lowercased() })
        for e in netlist.elements {
            if case let .voltageSource(_, _, _, .parameter(x, _)) = e, !isValidExpression(x, parameters: parameterNames) { throw WriterError.invalidName(x) }
            if case let .currentSource(_, _, _, .parameter(x, _)) = e, !isValidExpression(x, parameters: parameterNames) { throw WriterError.invalidName(x) }
        }
        for (name, x) in netlist.valueExpressions where !isValidExpression(x, parameters: parameterNames) || !isValidName(name) {
            throw WriterError.invalidName(isValidName(name) ? x : name)
        }
        let subcircuitNames = Set(netlist.subcircuits.map { $0.name.lowercased() })
        for s in netlist.subcircuits {
            for n in [s.name] + s.ports where !isValidName(n) { throw WriterError.invalidName(n) }
        }
        for item in netlist.items {
            guard case .instance(let x) = item else { continue }
            guard isValidName(x.name), x.name.uppercased().hasPrefix("X"), subcircuitNames.contains(x.subcircuit.lowercased()) else {
                throw WriterError.invalidName(x.name)
            }
            for n in x.nodes where !isValidName(n) { throw WriterError.invalidName(n) }
            guard seen.insert(x.name.uppercased()).inserted else { throw WriterError.duplicateName(x.name) }
        }
        let lines = render(netlist)
        if let i = lines.firstIndex(where: { $0.utf8.count > maxLineLength }) {
            throw WriterError.lineTooLong(line: i + 1, length: lines[i].utf8.count)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Letters, digits and underscores, at most `maxNameLength`; SPICE is case-insensitive, so
    /// uniqueness is checked on upper-cased names.
    public static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.count <= maxNameLength && s.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
        }
    }

    /// A `.param` expression of a source value: a parameter name with an optional leading
    /// minus (`v_bias`, `-v_bias`), or a parameter times a number (`g_in*0.5`).
    public static func isValidExpression(_ x: String, parameters: Set<String>) -> Bool {
        var body = Substring(x)
        if body.hasPrefix("-") { body = body.dropFirst() }
        let parts = body.split(separator: "*", maxSplits: 1, omittingEmptySubsequences: false)
        guard parameters.contains(parts[0].lowercased()) else { return false }
        return parts.count == 1 || (SpiceNumber.parse(String(parts[1])).map { $0.isFinite } ?? false)
    }

    static func value(of e: Element) -> Double? {
        switch e {
        case let .resistor(_, _, _, v), let .capacitor(_, _, _, v): return v
        case let .voltageSource(_, _, _, .dc(v)), let .currentSource(_, _, _, .dc(v)): return v
        case let .voltageSource(_, _, _, .parameter(_, v)), let .currentSource(_, _, _, .parameter(_, v)): return v
        case let .vcvs(_, _, _, _, _, g), let .cccs(_, _, _, _, g): return g
        default: return nil
        }
    }

    /// Free text as it may appear in a title or comment: line breaks and tabs become spaces,
    /// any other character outside printable ASCII becomes `?`, and text longer than `limit`
    /// characters is cut and ends in `...`.
    public static func safeText(_ text: String, limit: Int = maxTextLength) -> String {
        var out = String.UnicodeScalarView()
        for c in text.unicodeScalars {
            if out.count >= limit { break }
            switch c.value {
            case 0x0A, 0x0D, 0x09: out.append(" ")
            case 0x20...0x7E: out.append(c)
            default: out.append("?")
            }
        }
        let kept = String(out)
        return text.unicodeScalars.count > limit ? String(kept.dropLast(3)) + "..." : kept
    }

    /// A comment: one line of safe text.
    static func commentLine(_ text: String) -> String { "* " + safeText(text) }

    static func line(_ e: Element, expressions: [String: String] = [:]) -> String {
        let f = { (v: Double) -> String in expressions[e.name].map { "{\($0)}" } ?? SpiceNumber.engineering(v) }
        func source(_ v: SourceValue) -> String {
            switch v {
            case .dc(let x): return "DC " + f(x)
            case .parameter(let x, _): return "DC {\(x)}"
            case .external: return "external"  // no DC value: libngspice 39.3 crashes on "DC x external"
            }
        }
        switch e {
        case let .resistor(n, a, b, ohms): return "\(n) \(a) \(b) \(f(ohms))"
        case let .capacitor(n, a, b, c): return "\(n) \(a) \(b) \(f(c))"
        case let .diode(n, a, k, m): return "\(n) \(a) \(k) \(m)"
        case let .voltageSource(n, p, m, v): return "\(n) \(p) \(m) \(source(v))"
        case let .currentSource(n, from, into, v): return "\(n) \(from) \(into) \(source(v))"
        case let .vcvs(n, op, om, cp, cm, g): return "\(n) \(op) \(om) \(cp) \(cm) \(f(g))"
        case let .cccs(n, from, into, ctl, g): return "\(n) \(from) \(into) \(ctl) \(f(g))"
        }
    }

    /// The deck's lines, without their line breaks.
    static func render(_ netlist: Netlist) -> [String] {
        let f = SpiceNumber.engineering
        var out: [String] = []
        out.append(safeText(netlist.title))
        // Comments that open the body (what the deck is, how to run it) stay under the title.
        var items = netlist.items[...]
        while let first = items.first, case .comment(let text) = first {
            out.append(commentLine(text))
            items = items.dropFirst()
        }
        if !netlist.parameters.isEmpty { out += ["", "* physical constants of the hardware preset"] }
        for p in netlist.parameters {
            out.append(commentLine(p.comment))
            out.append(".param \(p.name)=\(f(p.value))")
        }
        func body(_ items: [Netlist.Item]) {
            for item in items {
                switch item {
                case .comment(let text): out.append(commentLine(text))
                case .blank: out.append("")
                case .element(let e): out.append(line(e, expressions: netlist.valueExpressions))
                case .instance(let x): out += listed(x.name, x.nodes + [x.subcircuit])
                }
            }
        }
        body(Array(items))
        for s in netlist.subcircuits {
            out.append("")
            out += listed(".subckt " + s.name, s.ports)
            body(s.items)
            out.append(".ends " + s.name)
        }
        if !netlist.diodeModels.isEmpty { out.append("") }
        for m in netlist.diodeModels {
            var params = "IS=\(f(m.saturationCurrent)) N=\(f(m.emissionCoefficient))"
            if m.seriesResistance != 0 { params += " RS=\(f(m.seriesResistance))" }
            if m.junctionCapacitance != 0 { params += " CJO=\(f(m.junctionCapacitance))" }
            out.append(".model \(m.name) D(\(params))")
        }
        if !netlist.options.isEmpty {
            out.append(".options " + netlist.options.map { "\($0.0)=\(SpiceNumber.format($0.1))" }.joined(separator: " "))
        }
        out += wrapped(".nodeset", netlist.nodeset.map { "v(\($0.node))=\(f($0.volts))" })
        out += wrapped(".ic", netlist.initialConditions.map { "v(\($0.node))=\(f($0.volts))" })
        out += wrapped(".save", netlist.saves)
        if !netlist.control.isEmpty {
            out.append(".control")
            out += netlist.control
            out.append(".endc")
        }
        out.append(".end")
        return out
    }

    /// `head a b c …` over lines of at most ~160 bytes, continued with `+` (ports of a
    /// `.subckt` line, nodes of an `X` line).
    static func listed(_ head: String, _ entries: [String]) -> [String] {
        var lines: [String] = [], current = head
        for e in entries {
            if current.utf8.count + 1 + e.utf8.count > 160 {
                lines.append(current)
                current = "+"
            }
            current += " " + e
        }
        lines.append(current)
        return lines
    }

    /// `keyword a b c …` over lines of at most ~8 entries, continued with `+`.
    static func wrapped(_ keyword: String, _ entries: [String]) -> [String] {
        guard !entries.isEmpty else { return [] }
        var lines: [String] = []
        var i = 0
        while i < entries.count {
            let chunk = entries[i..<min(i + 8, entries.count)].joined(separator: " ")
            lines.append((i == 0 ? keyword : "+") + " " + chunk)
            i += 8
        }
        return lines
    }
}
