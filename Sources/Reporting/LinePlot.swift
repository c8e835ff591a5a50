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

    public func svg(width: Double = 720, height: Double = 440) -> String {
        let left = 70.0, right = 190.0, top = 46.0 + 14.0 * Double(notes.count), bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
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
        let xTicks = Self.ticks(xs.0, xs.1, log: logX)
        let yTicks = Self.ticks(ys.0, ys.1, log: logY)
        // Extend the range to the outer ticks on linear axes, to whole decades on log axes.
        if logX { xs = (floor(xs.0), ceil(xs.1)) } else if let f = xTicks.first, let l = xTicks.last { xs = (min(xs.0, f), max(xs.1, l)) }
        if logY { ys = (floor(ys.0), ceil(ys.1)) } else if yRange == nil, let f = yTicks.first, let l = yTicks.last { ys = (min(ys.0, f), max(ys.1, l)) }
        func px(_ v: Double) -> Double { left + (tx(v) - xs.0) / (xs.1 - xs.0) * plotW }
        func py(_ v: Double) -> Double { top + plotH - (ty(v) - ys.0) / (ys.1 - ys.0) * plotH }

        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left))" y="22" font-size="15" font-weight="bold">\(Self.escape(title))</text>

        """
        for (i, note) in notes.enumerated() {
            s += "<text x=\"\(f(left))\" y=\"\(f(38 + 14 * Double(i)))\" font-size=\"11\" fill=\"#555\">\(Self.escape(note))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        for t in xTicks where t >= xs.0 - 1e-9 && t <= xs.1 + 1e-9 {
            let x = left + (t - xs.0) / (xs.1 - xs.0) * plotW
            s += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(Self.label(t, log: logX))</text>\n"
        }
        for t in yTicks where t >= ys.0 - 1e-9 && t <= ys.1 + 1e-9 {
            let y = top + plotH - (t - ys.0) / (ys.1 - ys.0) * plotH
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Self.label(t, log: logY))</text>\n"
        }
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(18 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        for (i, serie) in series.enumerated() {
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
            let ly = top + 10 + 18 * Double(i)
            let lx = left + plotW + 14
            s += "<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 26))\" y2=\"\(f(ly))\" stroke=\"\(serie.color)\" stroke-width=\"2\"\(dash)/>\n"
            s += "<text x=\"\(f(lx + 32))\" y=\"\(f(ly + 4))\" font-size=\"11\">\(Self.escape(serie.name))</text>\n"
        }
        s += "</svg>\n"
        return s
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Tick positions in transformed coordinates (log10 for log axes).
    static func ticks(_ lo: Double, _ hi: Double, log: Bool) -> [Double] {
        if log {
            var t: [Double] = []
            var d = floor(lo)
            while d <= ceil(hi) + 1e-9 { t.append(d); d += 1 }
            if t.count <= 2 {  // less than one decade: add 2 and 5 within it
                var more: [Double] = []
                for d in t { for m in [1.0, 2.0, 5.0] { more.append(d + log10(m)) } }
                t = more.filter { $0 >= lo - 1e-9 && $0 <= hi + 1e-9 }
                if t.isEmpty { t = [lo, hi] }
            }
            return t
        }
        let span = hi - lo
        let raw = span / 6
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * mag }.first { $0 >= raw } ?? raw
        var t: [Double] = []
        var v = floor(lo / step) * step
        while v <= hi + step * 1e-6 { t.append(v); v += step }
        if let last = t.last, last < hi - step * 1e-6 { t.append(last + step) }
        return t
    }

    static func label(_ t: Double, log: Bool) -> String {
        let v = log ? pow(10, t) : t
        if v == 0 { return "0" }
        if abs(v) >= 1e5 || abs(v) < 1e-3 { return String(format: "%.0e", v) }
        var s = String(format: "%.4f", v)
        while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
        return s
    }
}
