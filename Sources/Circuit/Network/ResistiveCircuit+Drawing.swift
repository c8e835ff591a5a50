import Foundation

extension ResistiveCircuit {
    /// A schematic of the circuit as SVG: each crossbar as a grid (rows: the layer below and
    /// the two bias rails; columns: the layer above; one resistor per cell), each hidden node
    /// with its diode clamp to a rail, each output node with its nudge current source. Layers
    /// are joined by net labels (a node drawn at the bottom of one crossbar enters the next
    /// one as a row of the same name). Large layers are cut to their first and last rows and
    /// columns around an ellipsis.
    public func schematicSVG(maxShown: Int = 10) -> String {
        var svg = SVGCanvas()
        let cell = 34.0, left = 150.0, top = 70.0
        var x0 = left
        let g = preset.inputGain, f = SpiceNumber.format
        svg.text(20, 28, "Deep resistive network \(network.architecture.map(String.init).joined(separator: "-")), preset '\(preset.name)'", size: 15, bold: true)
        svg.text(20, 48, "Each crossbar cell is one resistor G (a weight); inputs come in pairs +g·x and −g·x (g = \(f(g)) V) so positive conductances give signed weights.", size: 11, color: "#444")
        var bottom = 0.0
        for l in 1...depth {
            let rowsAll = (0..<network.nodes(inLayer: l - 1)).map { names.node(layer: l - 1, index: $0) } + ["bp", "bn"]
            let colsAll = (0..<network.nodes(inLayer: l)).map { names.node(layer: l, index: $0) }
            let rows = Self.shown(rowsAll, maxShown + 2), cols = Self.shown(colsAll, maxShown)
            let width = Double(cols.count) * cell, height = Double(rows.count) * cell
            // Row wires with their sources or net labels.
            for (r, name) in rows.enumerated() {
                let y = top + 20 + Double(r) * cell
                guard let name else { svg.text(x0 - 40, y + 4, "⋮", size: 14); continue }
                svg.line(x0 - 24, y, x0 + width, y, color: name.hasPrefix("b") ? "#8a5a00" : "#222")
                if l == 1 && name.hasPrefix("x") {
                    svg.source(x0 - 36, y, label: name.hasSuffix("p") ? "+g·x\(name.dropFirst().dropLast())" : "−g·x\(name.dropFirst().dropLast())")
                } else if name == "bp" || name == "bn" {
                    svg.text(x0 - 30, y + 4, name == "bp" ? "+V_b" : "−V_b", size: 11, color: "#8a5a00", anchor: "end")
                } else {
                    svg.text(x0 - 28, y + 4, name, size: 11, anchor: "end")
                }
            }
            // Column wires, cells, and the nodes below.
            for (c, name) in cols.enumerated() {
                let x = x0 + cell / 2 + Double(c) * cell
                guard let name else { svg.text(x - 4, top + height / 2, "…", size: 14); continue }
                svg.line(x, top + 8, x, top + height + 26, color: "#222")
                for (r, row) in rows.enumerated() where row != nil {
                    svg.resistor(x, top + 20 + Double(r) * cell, bias: row!.hasPrefix("b"))
                }
                let ny = top + height + 26
                svg.dot(x, ny)
                svg.text(x, ny + 62, name, size: 9, anchor: "middle")
                let index = colsAll.firstIndex(of: name)!
                switch clamp(layer: l, index: index) {
                case .none:
                    svg.currentSource(x, ny + 28, label: "")
                case .excitatory:
                    svg.diode(x, ny + 26, up: true, color: "#1b7f3a")
                case .inhibitory:
                    svg.diode(x, ny + 26, up: false, color: "#b3261e")
                case .twoSided:
                    svg.diode(x - 6, ny + 26, up: true, color: "#1b7f3a")
                    svg.diode(x + 6, ny + 26, up: false, color: "#b3261e")
                }
            }
            let ny = top + height + 26
            if l < depth {
                let oneSided = preset.clamp == .oneSided
                svg.text(x0, ny + 82, oneSided
                         ? "diodes: green to rail ce (node ≥ \(f(preset.clampLow)) V, excitatory), red to rail ci (node ≤ \(f(preset.clampHigh)) V, inhibitory)"
                         : "diodes to rails cl and ch: node within [\(f(preset.clampLow)), \(f(preset.clampHigh))] V", size: 10, color: "#444")
            } else {
                svg.text(x0, ny + 82, "nudge: a current source I = β(y − V⁰) into each output node (or a conductance β to a source at y)", size: 10, color: "#444")
            }
            svg.text(x0, top - 8, "crossbar \(l): layer \(l - 1) → layer \(l)", size: 12, bold: true)
            bottom = max(bottom, ny + 96)
            x0 += width + 190
        }
        return svg.render(width: max(x0 + 260, 1000), height: bottom + 10)
    }

    /// The first and last items around a nil (drawn as an ellipsis) when there are too many.
    static func shown(_ items: [String], _ limit: Int) -> [String?] {
        guard items.count > limit else { return items }
        let head = (limit - 1) / 2, tail = limit - 1 - head
        return Array(items.prefix(head)) + [nil] + Array(items.suffix(tail))
    }
}

/// A minimal SVG builder for schematics.
struct SVGCanvas {
    var body: [String] = []
    func n(_ v: Double) -> String { String(format: "%.1f", v) }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String = "#222", width: Double = 1.2) {
        body.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(color)\" stroke-width=\"\(n(width))\"/>")
    }

    mutating func text(_ x: Double, _ y: Double, _ s: String, size: Double = 12, bold: Bool = false, color: String = "#111", anchor: String = "start") {
        let escaped = s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        body.append("<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" fill=\"\(color)\" text-anchor=\"\(anchor)\"\(bold ? " font-weight=\"bold\"" : "")>\(escaped)</text>")
    }

    mutating func dot(_ x: Double, _ y: Double) {
        body.append("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"3.5\" fill=\"#111\"/>")
    }

    /// A resistor at a crossbar crossing: a small box on a diagonal from the row to the column.
    mutating func resistor(_ x: Double, _ y: Double, bias: Bool) {
        let color = bias ? "#8a5a00" : "#0b4f8a"
        body.append("<rect x=\"\(n(x - 9))\" y=\"\(n(y - 3.5))\" width=\"18\" height=\"7\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"1.2\" transform=\"rotate(-45 \(n(x)) \(n(y)))\"/>")
    }

    /// An independent voltage source (circle with ±) on the left end of a row.
    mutating func source(_ x: Double, _ y: Double, label: String) {
        body.append("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"9\" fill=\"white\" stroke=\"#222\" stroke-width=\"1.2\"/>")
        text(x, y + 4, "±", size: 10, anchor: "middle")
        text(x - 14, y + 4, label, size: 10, anchor: "end")
    }

    /// A diode from a node down to a rail: triangle pointing into the node (`up`: current flows
    /// from the rail into the node, an excitatory clamp) or away from it.
    mutating func diode(_ x: Double, _ y: Double, up: Bool, color: String) {
        line(x, y - 18, x, y + 18, color: color)
        let tip = up ? y - 6 : y + 6, base = up ? y + 6 : y - 6
        body.append("<polygon points=\"\(n(x - 6)),\(n(base)) \(n(x + 6)),\(n(base)) \(n(x)),\(n(tip))\" fill=\"\(color)\"/>")
        line(x - 6, tip, x + 6, tip, color: color, width: 2)
        line(x - 7, y + 18, x + 7, y + 18, color: color, width: 2)
    }

    /// A current source (circle with an arrow pointing up into the node above).
    mutating func currentSource(_ x: Double, _ y: Double, label: String) {
        line(x, y - 18, x, y - 9, color: "#6b2fa0")
        body.append("<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"9\" fill=\"white\" stroke=\"#6b2fa0\" stroke-width=\"1.2\"/>")
        line(x, y + 5, x, y - 5, color: "#6b2fa0")
        body.append("<polygon points=\"\(n(x - 3)),\(n(y - 2)) \(n(x + 3)),\(n(y - 2)) \(n(x)),\(n(y - 6))\" fill=\"#6b2fa0\"/>")
        line(x - 6, y + 14, x + 6, y + 14, color: "#6b2fa0", width: 2)
    }

    func render(width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }
}
