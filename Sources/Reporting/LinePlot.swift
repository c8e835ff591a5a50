import Foundation

/// A line chart rendered as a standalone SVG file: learning curves (error vs. epoch, in the
/// style of O'Connor et al. 2019, Fig. 2), sweeps and alignment plots.
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var color: String
        public var dashed: Bool
        public var markers: Bool

        public init(name: String, points: [(x: Double, y: Double)], color: String,
                    dashed: Bool = false, markers: Bool = false) {
            self.name = name
            self.points = points
            self.color = color
            self.dashed = dashed
            self.markers = markers
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    public var logY = false
    public var series: [Series] = []
    /// Lines of small print under the title (data subset, epochs, seed…).
    public var notes: [String] = []
    /// Fixed y range, else fitted to the data.
    public var yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, logX: Bool = false, logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logX = logX
        self.logY = logY
    }

    /// A palette that stays readable in print and for common colour-vision deficiencies.
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    /// Ticks on whole numbers only (epochs, steps): never 1.2, 1.4, ….
    public var integerXTicks = false

    /// Legend entries laid out in rows under the axis label, outside the plot area, each as wide
    /// as its name needs (Helvetica 11 px: ≤ 6.5 px per character), so no name is cut.
    private func legendRows(width: Double) -> [[(index: Int, x: Double)]] {
        var rows: [[(index: Int, x: Double)]] = [[]]
        var x = 0.0
        for (i, serie) in series.enumerated() {
            let w = 32 + 6.5 * Double(serie.name.count) + 22
            if x > 0 && x + w > width { rows.append([]); x = 0 }
            rows[rows.count - 1].append((i, x))
            x += w
        }
        return rows.last!.isEmpty ? [] : rows
    }

    /// The chart as SVG. `height` is the height of the chart without its legend; the legend's
    /// rows are added below it.
    public func svg(width: Double = 720, height plotHeight: Double = 440) -> String {
        let left = 70.0, right = 24.0, top = 46.0 + 14.0 * Double(notes.count), bottom = 50.0
        let plotW = width - left - right
        let legend = legendRows(width: plotW)
        let height = plotHeight + 18 * Double(legend.count) + (legend.isEmpty ? 0 : 6)
        let plotH = plotHeight - top - bottom
        let all = series.flatMap(\.points).filter { p in
            p.x.isFinite && p.y.isFinite && (!logX || p.x > 0) && (!logY || p.y > 0)
        }
        func tx(_ v: Double) -> Double { logX ? log10(v) : v }
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        var xs = (all.map { tx($0.x) }.min() ?? 0, all.map { tx($0.x) }.max() ?? 1)
        var ys = (all.map { ty($0.y) }.min() ?? 0, all.map { ty($0.y) }.max() ?? 1)
        if let yRange { ys = (ty(yRange.lowerBound), ty(yRange.upperBound)) }
        if xs.0 == xs.1 { xs = (xs.0 - 0.5, xs.1 + 0.5) }
        if ys.0 == ys.1 { ys = (ys.0 - 0.5, ys.1 + 0.5) }
        // Extend the range to whole decades on log axes, to the outer ticks on linear axes.
        if logX { xs = (floor(xs.0), max(ceil(xs.1), floor(xs.0) + 1)) }
        if logY { ys = (floor(ys.0), max(ceil(ys.1), floor(ys.0) + 1)) }
        let xTicks = Self.ticks(xs.0, xs.1, log: logX, integer: integerXTicks && !logX)
        let yTicks = Self.ticks(ys.0, ys.1, log: logY)
        if !logX, let f = xTicks.first, let l = xTicks.last { xs = (min(xs.0, f), max(xs.1, l)) }
        if !logY, yRange == nil, let f = yTicks.first, let l = yTicks.last { ys = (min(ys.0, f), max(ys.1, l)) }
        func px(_ v: Double) -> Double { left + (tx(v) - xs.0) / (xs.1 - xs.0) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (ty(v) - ys.0) / (ys.1 - ys.0) * plotH }
        func gx(_ t: Double) -> Double { left + (t - xs.0) / (xs.1 - xs.0) * plotW }
        func gy(_ t: Double) -> Double { top + plotH - (t - ys.0) / (ys.1 - ys.0) * plotH }

        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left))" y="22" font-size="15" font-weight="bold">\(Self.escape(title))</text>

        """
        for (i, note) in notes.enumerated() {
            s += "<text x=\"\(f(left))\" y=\"\(f(38 + 14 * Double(i)))\" font-size=\"11\" fill=\"#555\">\(Self.escape(note))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        let inRange = { (t: Double, r: (Double, Double)) in t >= r.0 - 1e-9 && t <= r.1 + 1e-9 }
        for t in xTicks where inRange(t, xs) {
            let x = gx(t)
            s += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(Self.label(t, log: logX))</text>\n"
        }
        for t in yTicks where inRange(t, ys) {
            let y = gy(t)
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Self.label(t, log: logY))</text>\n"
        }
        // Minor ticks on log axes: 2…9 × each decade, short marks inside the frame.
        if logX { for t in Self.minorTicks(xs) { s += "<line x1=\"\(f(gx(t)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(gx(t)))\" y2=\"\(f(top + plotH - 5))\" stroke=\"#333\"/>\n" } }
        if logY { for t in Self.minorTicks(ys) { s += "<line x1=\"\(f(left))\" y1=\"\(f(gy(t)))\" x2=\"\(f(left + 5))\" y2=\"\(f(gy(t)))\" stroke=\"#333\"/>\n" } }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(plotHeight - 12))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(18 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        for serie in series {
            let pts = serie.points.filter { p in
                p.x.isFinite && p.y.isFinite && (!logX || p.x > 0) && (!logY || p.y > 0)
            }
            let dash = serie.dashed ? " stroke-dasharray=\"6 4\"" : ""
            if pts.count > 1 {
                let path = pts.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                s += "<polyline fill=\"none\" stroke=\"\(serie.color)\" stroke-width=\"1.8\"\(dash) points=\"\(path)\"/>\n"
            }
            if serie.markers || pts.count == 1 {
                for p in pts {
                    s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(serie.color)\"/>\n"
                }
            }
        }
        for (row, entries) in legend.enumerated() {
            let ly = plotHeight + 4 + 18 * Double(row)
            for (i, x) in entries {
                let serie = series[i], lx = left + x
                let dash = serie.dashed ? " stroke-dasharray=\"6 4\"" : ""
                s += "<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 26))\" y2=\"\(f(ly))\" stroke=\"\(serie.color)\" stroke-width=\"2\"\(dash)/>\n"
                s += "<text x=\"\(f(lx + 32))\" y=\"\(f(ly + 4))\" font-size=\"11\">\(Self.escape(serie.name))</text>\n"
            }
        }
        s += "</svg>\n"
        return s
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Tick positions in transformed coordinates (log10 for log axes): on a log axis every
    /// decade in [lo, hi] (whole decades: the caller extends the range to them), with 2 and 5
    /// added when the range spans a single decade; on a linear axis a 1-2-2.5-5 step, at least
    /// 1 when `integer`.
    static func ticks(_ lo: Double, _ hi: Double, log: Bool, integer: Bool = false) -> [Double] {
        if log {
            var t: [Double] = []
            var d = floor(lo)
            while d <= ceil(hi) + 1e-9 { t.append(d); d += 1 }
            if t.count <= 2 {
                t = t.flatMap { d in [1.0, 2.0, 5.0].map { d + log10($0) } }.filter { $0 >= lo - 1e-9 && $0 <= hi + 1e-9 }
            }
            return t
        }
        let span = hi - lo
        let raw = span / 6
        let mag = pow(10, floor(log10(raw)))
        var step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * mag }.first { $0 >= raw } ?? raw
        if integer { step = max(1, step.rounded(.up)) }
        var t: [Double] = []
        var v = floor(lo / step) * step
        while v <= hi + step * 1e-6 { t.append(v); v += step }
        if let last = t.last, last < hi - step * 1e-6 { t.append(last + step) }
        return t
    }

    /// 2…9 × 10^d inside (lo, hi), in log10 coordinates, for every decade d of a log axis.
    static func minorTicks(_ range: (Double, Double)) -> [Double] {
        var t: [Double] = []
        for d in stride(from: floor(range.0), to: ceil(range.1), by: 1) {
            for m in 2...9 {
                let v = d + log10(Double(m))
                if v > range.0 + 1e-9 && v < range.1 - 1e-9 { t.append(v) }
            }
        }
        return t
    }

    /// A tick's label: plain decimals from 0.001 to 10⁵, else a power of ten written as 10 with
    /// a superscript exponent (decades) or in e-notation (other values).
    static func label(_ t: Double, log: Bool) -> String {
        let v = log ? pow(10, t) : t
        if v == 0 { return "0" }
        if abs(v) >= 1e5 || abs(v) < 1e-3 {
            if log && abs(t - t.rounded()) < 1e-9 {
                return "10<tspan dy=\"-5\" font-size=\"9\">\(Int(t.rounded()))</tspan><tspan dy=\"5\"></tspan>"
            }
            return String(format: "%.0e", v)
        }
        var s = String(format: "%.4f", v)
        while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
        return s
    }
}
