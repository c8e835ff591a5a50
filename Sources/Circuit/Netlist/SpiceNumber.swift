/// Numbers as SPICE reads them: a '.' decimal point whatever the process locale, and enough
/// digits to give back the same Double.
///
/// `format` prints plain decimal or exponent notation (Swift's `Double.description`, the
/// shortest string that round-trips: `0.1`, `1e-06`, `123456.78901234567`), never a scale
/// suffix. `engineering` prints the same significant digits with the decimal point moved to
/// an engineering exponent and SPICE's suffix (`646.1344625506719k`, `1p`, `400m`): the digit
/// string is unchanged, so the decimal value is exactly the one `format` prints (up to 17
/// significant digits) and `parse` reads it back to the same Double. Decks use engineering
/// notation for element values; `.options` keep `format`. Non-finite values are a programming
/// error here: the mapping rejects them before a deck is built.
public enum SpiceNumber {
    public static func format(_ v: Double) -> String {
        precondition(v.isFinite, "SPICE numbers must be finite, got \(v)")
        if v == 0 { return "0" }
        return v.description
    }

    /// SPICE scale suffixes by decimal exponent (ngspice reads them case-insensitively; `meg`,
    /// not `m`, is 10⁶).
    static let suffixes: [Int: String] = [-15: "f", -12: "p", -9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "meg", 9: "g", 12: "t"]

    /// The shortest round-trip digits of |v| (no leading zeros) and the decimal exponent of the
    /// first one: |v| = 0.d₁d₂… × 10^(exponent + 1).
    static func digits(_ v: Double) -> (digits: [Character], exponent: Int) {
        let text = abs(v).description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let power = parts.count == 2 ? Int(parts[1])! : 0
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integer = Array(pieces[0]), fraction = pieces.count > 1 ? Array(pieces[1]) : []
        var all = integer + fraction
        var exponent = integer.count - 1 + power
        while all.first == "0" { all.removeFirst(); exponent -= 1 }
        while all.last == "0" { all.removeLast() }
        return (all, exponent)
    }

    /// Engineering notation with a SPICE suffix and the full round-trip digits (at most 17
    /// significant); plain `format` outside 1 f … 999 T.
    public static func engineering(_ v: Double) -> String {
        precondition(v.isFinite, "SPICE numbers must be finite, got \(v)")
        if v == 0 { return "0" }
        let (d, exponent) = digits(v)
        var scale = exponent >= 0 ? exponent / 3 * 3 : -((-exponent + 2) / 3 * 3)
        if scale < -15 || scale > 12 { return format(v) }
        scale = max(-15, min(12, scale))
        let integerDigits = exponent - scale + 1  // 1...3
        var mantissa = d
        while mantissa.count < integerDigits { mantissa.append("0") }
        var text = String(mantissa[0..<integerDigits])
        if mantissa.count > integerDigits { text += "." + String(mantissa[integerDigits...]) }
        return (v < 0 ? "-" : "") + text + suffixes[scale]!
    }

    /// Reads a number written by `format` or `engineering` (a decimal or exponent mantissa
    /// and an optional suffix), exactly: the suffix becomes a decimal exponent before the
    /// string is converted, so no multiplication rounds. nil when it is not such a number.
    public static func parse(_ text: String) -> Double? {
        let lower = text.lowercased()
        for (scale, suffix) in suffixes.sorted(by: { $0.value.count > $1.value.count }) where !suffix.isEmpty && lower.hasSuffix(suffix) {
            let mantissa = String(lower.dropLast(suffix.count))
            guard let m = Double(mantissa), m.isFinite else { return nil }
            return Double(mantissa + "e\(scale)")
        }
        return Double(lower)
    }
}
