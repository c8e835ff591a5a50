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

    /// The shortest round-trip digits of |v| (ASCII, no leading or trailing zeros) and the
    /// decimal exponent of the first one: |v| = 0.d₁d₂… × 10^(exponent + 1). Works on the bytes
    /// of `description` (a deck writes thousands of numbers per minibatch).
    static func digits(_ v: Double) -> (digits: [UInt8], exponent: Int) {
        var text = abs(v).description
        return text.withUTF8 { bytes in
            var all: [UInt8] = []
            all.reserveCapacity(bytes.count)
            var integerCount = 0, seenPoint = false, power = 0, i = 0
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "e") {
                    var sign = 1, value = 0
                    i += 1
                    if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                        sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
                        i += 1
                    }
                    while i < bytes.count { value = value * 10 + Int(bytes[i] &- 48); i += 1 }
                    power = sign * value
                    break
                }
                if c == UInt8(ascii: ".") { seenPoint = true } else {
                    all.append(c)
                    if !seenPoint { integerCount += 1 }
                }
                i += 1
            }
            var exponent = integerCount - 1 + power
            var first = 0
            while first < all.count && all[first] == UInt8(ascii: "0") { first += 1; exponent -= 1 }
            var last = all.count
            while last > first && all[last - 1] == UInt8(ascii: "0") { last -= 1 }
            return (Array(all[first..<last]), exponent)
        }
    }

    /// Engineering notation with a SPICE suffix and the full round-trip digits (at most 17
    /// significant); plain `format` outside 1 f … 999 T.
    public static func engineering(_ v: Double) -> String {
        precondition(v.isFinite, "SPICE numbers must be finite, got \(v)")
        if v == 0 { return "0" }
        let (d, exponent) = digits(v)
        let scale = exponent >= 0 ? exponent / 3 * 3 : -((-exponent + 2) / 3 * 3)
        if scale < -15 || scale > 12 { return format(v) }
        let integerDigits = exponent - scale + 1  // 1...3
        var text: [UInt8] = []
        text.reserveCapacity(d.count + 6)
        if v < 0 { text.append(UInt8(ascii: "-")) }
        for k in 0..<integerDigits { text.append(k < d.count ? d[k] : UInt8(ascii: "0")) }
        if d.count > integerDigits {
            text.append(UInt8(ascii: "."))
            text.append(contentsOf: d[integerDigits...])
        }
        text.append(contentsOf: suffixBytes[(scale + 15) / 3])
        return String(decoding: text, as: UTF8.self)
    }

    /// `suffixes` as bytes, indexed by (scale + 15) / 3.
    private static let suffixBytes: [[UInt8]] = stride(from: -15, through: 12, by: 3).map { Array(suffixes[$0]!.utf8) }

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
