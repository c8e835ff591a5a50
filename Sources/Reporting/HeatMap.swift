import Foundation

/// A matrix drawn as a heat map in a standalone SVG file (a crossbar's conductances): the cells
/// as an embedded PNG, one pixel per cell, or per block of cells (their mean) when the matrix
/// has more than `maxPixels` rows or columns; axes labelled with row and column indices; a
/// colour bar (viridis, perceptually uniform and readable in grey) with ticks in `unit`.
public struct HeatMap: Sendable {
    public var title: String
    public var notes: [String] = []
    public var rowLabel: String
    public var columnLabel: String
    /// The colour bar's label, with its unit: "conductance (µS)".
    public var unit: String
    public let rows: Int
    public let columns: Int
    /// Row-major, rows × columns, in the colour bar's unit.
    public let values: [Double]
    /// The values at the two ends of the colour scale (default: the smallest and largest).
    public var range: ClosedRange<Double>?
    public var maxPixels = 1024

    public init(title: String, rowLabel: String, columnLabel: String, unit: String, rows: Int, columns: Int, values: [Double]) {
        precondition(rows > 0 && columns > 0 && values.count == rows * columns)
        self.title = title
        self.rowLabel = rowLabel
        self.columnLabel = columnLabel
        self.unit = unit
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Viridis at ten evenly spaced points (matplotlib's colour map, sampled).
    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
        (31, 158, 137), (53, 183, 121), (109, 205, 89), (180, 222, 44), (253, 231, 37),
    ]

    /// The smallest and largest finite value, in one pass ((0, 1) when there is none).
    public static func finiteRange(_ values: [Double]) -> (Double, Double) {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        return lo <= hi ? (lo, hi) : (0, 1)
    }

    static func color(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let u = min(max(t.isFinite ? t : 0, 0), 1) * Double(viridis.count - 1)
        let i = min(Int(u), viridis.count - 2), f = u - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        func mix(_ x: Double, _ y: Double) -> UInt8 { UInt8((x + (y - x) * f).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Cells per pixel along rows and columns.
    public var cellsPerPixel: (rows: Int, columns: Int) {
        ((rows + maxPixels - 1) / maxPixels, (columns + maxPixels - 1) / maxPixels)
    }

    /// The image: one pixel per block of cells, coloured by the block's mean, each pixel repeated
    /// `zoom` times along each axis (viewers smooth an image drawn larger than its pixels, and a
    /// 100 × 10 crossbar would turn into a blur).
    func image(lo: Double, hi: Double, zoom: (x: Int, y: Int)) -> PNGImage {
        let (br, bc) = cellsPerPixel
        let h = (rows + br - 1) / br, w = (columns + bc - 1) / bc
        let width = w * zoom.x, height = h * zoom.y
        var rgb = [UInt8](repeating: 0, count: 3 * width * height)
        values.withUnsafeBufferPointer { v in
            for y in 0..<h {
                for x in 0..<w {
                    var sum = 0.0, n = 0
                    for r in (y * br)..<min(rows, (y + 1) * br) {
                        for c in (x * bc)..<min(columns, (x + 1) * bc) { sum += v[r * columns + c]; n += 1 }
                    }
                    let (red, green, blue) = Self.color(hi > lo ? (sum / Double(n) - lo) / (hi - lo) : 0.5)
                    for yy in (y * zoom.y)..<((y + 1) * zoom.y) {
                        for xx in (x * zoom.x)..<((x + 1) * zoom.x) {
                            let k = 3 * (yy * width + xx)
                            rgb[k] = red; rgb[k + 1] = green; rgb[k + 2] = blue
                        }
                    }
                }
            }
        }
        return PNGImage(width: width, height: height, rgb: rgb)
    }

    public func svg() -> String {
        let (lo, hi) = range.map { ($0.lowerBound, $0.upperBound) } ?? Self.finiteRange(values)
        // Display size: up to 560 px on the longer side, at least 120 px on each.
        let scale = min(560 / Double(max(rows, columns)), 8)
        let w = min(max(Double(columns) * scale, 120), 560), h = min(max(Double(rows) * scale, 120), 560)
        let (br, bc) = cellsPerPixel
        let png = image(lo: lo, hi: hi, zoom: (max(1, Int(w / Double((columns + bc - 1) / bc))), max(1, Int(h / Double((rows + br - 1) / br)))))
        let left = 80.0, top = 50.0 + 14 * Double(notes.count), barX = left + w + 30
        // Wide enough for the title (15 px bold: ≤ 9 px per character) and notes (11 px: ≤ 6.5).
        let textWidth = max(9 * Double(title.count), notes.map { 6.5 * Double($0.count) }.max() ?? 0)
        let width = max(barX + 110, left + textWidth + 10), height = top + h + 56
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(left))" y="22" font-size="15" font-weight="bold">\(LinePlot.escape(title))</text>

        """
        for (i, note) in notes.enumerated() {
            s += "<text x=\"\(f(left))\" y=\"\(f(40 + 14 * Double(i)))\" font-size=\"11\" fill=\"#555\">\(LinePlot.escape(note))</text>\n"
        }
        s += "<image x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(w))\" height=\"\(f(h))\" preserveAspectRatio=\"none\" "
            + "style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,\(png.encoded().base64EncodedString())\"/>\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"none\" stroke=\"#333\"/>\n"
        // Index ticks at the first, middle and last row and column (cell centres).
        for r in Set([0, rows / 2, rows - 1]).sorted() {
            let y = top + (Double(r) + 0.5) / Double(rows) * h
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(r)</text>\n"
        }
        for c in Set([0, columns / 2, columns - 1]).sorted() {
            let x = left + (Double(c) + 0.5) / Double(columns) * w
            s += "<text x=\"\(f(x))\" y=\"\(f(top + h + 16))\" text-anchor=\"middle\">\(c)</text>\n"
        }
        s += "<text x=\"\(f(left + w / 2))\" y=\"\(f(top + h + 36))\" text-anchor=\"middle\">\(LinePlot.escape(columnLabel))</text>\n"
        s += "<text transform=\"translate(24 \(f(top + h / 2))) rotate(-90)\" text-anchor=\"middle\">\(LinePlot.escape(rowLabel))</text>\n"
        // Colour bar: the scale bottom (lo) to top (hi), ticks on its right.
        s += "<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
        for (i, c) in Self.viridis.enumerated() {
            s += "<stop offset=\"\(f(Double(i) / Double(Self.viridis.count - 1), 3))\" stop-color=\"rgb(\(Int(c.0)),\(Int(c.1)),\(Int(c.2)))\"/>"
        }
        s += "</linearGradient></defs>\n"
        s += "<rect x=\"\(f(barX))\" y=\"\(f(top))\" width=\"16\" height=\"\(f(h))\" fill=\"url(#scale)\" stroke=\"#333\"/>\n"
        if hi == lo {
            s += "<text x=\"\(f(barX + 23))\" y=\"\(f(top + h / 2 + 4))\">\(LinePlot.label(lo, log: false)) (every cell)</text>\n"
        } else {
            for t in LinePlot.ticks(lo, hi, log: false) where t >= lo - 1e-12 * abs(hi) && t <= hi + 1e-12 * abs(hi) {
                let y = top + h - (t - lo) / (hi - lo) * h
                s += "<line x1=\"\(f(barX + 16))\" y1=\"\(f(y))\" x2=\"\(f(barX + 20))\" y2=\"\(f(y))\" stroke=\"#333\"/>\n"
                s += "<text x=\"\(f(barX + 23))\" y=\"\(f(y + 4))\">\(LinePlot.label(t, log: false))</text>\n"
            }
        }
        s += "<text transform=\"translate(\(f(barX + 96)) \(f(top + h / 2))) rotate(-90)\" text-anchor=\"middle\">\(LinePlot.escape(unit))</text>\n"
        s += "</svg>\n"
        return s
    }

    private func f(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
}
