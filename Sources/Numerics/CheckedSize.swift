/// The one way sizes and counts read from files and flags become `Int`s: products and sums
/// without overflow, JSON numbers (which arrive as `Double`, `Int64` or `UInt64`) and decimal
/// text converted only when whole and in range. Every function returns nil instead of
/// trapping; the caller names the file or flag in its error (see `InputError`).
public enum CheckedSize {
    /// The product of `factors`, nil when one is negative, or when the product overflows or
    /// exceeds `limit`. The empty product is 1 (a 0-d array holds one element).
    public static func product<S: Sequence>(_ factors: S, limit: Int = .max) -> Int? where S.Element == Int {
        var total = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            guard !overflow, p <= limit else { return nil }
            total = p
        }
        return total
    }

    /// a · b, nil on a negative factor, on overflow or above `limit`.
    public static func product(_ a: Int, _ b: Int, limit: Int = .max) -> Int? {
        product([a, b], limit: limit)
    }

    /// The sum of `terms`, nil when one is negative, or when the sum overflows or exceeds `limit`.
    public static func sum<S: Sequence>(_ terms: S, limit: Int = .max) -> Int? where S.Element == Int {
        var total = 0
        for t in terms {
            guard t >= 0 else { return nil }
            let (s, overflow) = total.addingReportingOverflow(t)
            guard !overflow, s <= limit else { return nil }
            total = s
        }
        return total
    }

    /// a + b, nil on a negative term, on overflow or above `limit`.
    public static func sum(_ a: Int, _ b: Int, limit: Int = .max) -> Int? {
        sum([a, b], limit: limit)
    }

    /// `x` as an Int when finite, whole and within `range`; nil otherwise. 1e19 (whole, but
    /// beyond Int.max), NaN and 2.5 are all nil: `Int(x)` would trap on the first two.
    public static func int(_ x: Double, in range: ClosedRange<Int>) -> Int? {
        guard x.isFinite, x == x.rounded(),
              x >= Double(range.lowerBound), x <= Double(range.upperBound) else { return nil }
        // Double(Int.max) rounds up to 2^63: the comparison above lets it through.
        guard x < 0x1p63, x >= -0x1p63 else { return nil }
        let i = Int(x)
        return range.contains(i) ? i : nil
    }

    /// `x` as an Int within `range`, nil otherwise.
    public static func int(_ x: Int64, in range: ClosedRange<Int>) -> Int? {
        let i = Int(x)
        return range.contains(i) ? i : nil
    }

    /// `x` as an Int within `range`, nil otherwise (2^64 − 1 is nil, not a trap).
    public static func int(_ x: UInt64, in range: ClosedRange<Int>) -> Int? {
        guard x <= UInt64(Int.max) else { return nil }
        let i = Int(x)
        return range.contains(i) ? i : nil
    }

    /// Decimal text (an optional sign, digits, surrounding spaces ignored) as an Int within
    /// `range`; nil for anything else, including numbers beyond Int's range.
    public static func int<S: StringProtocol>(_ text: S, in range: ClosedRange<Int>) -> Int? {
        guard let i = Int(text.trimmingSpaces) else { return nil }
        return range.contains(i) ? i : nil
    }

    /// Comma-separated decimal integers, each within `range`; nil if any part is not one
    /// (an empty part included).
    public static func list<S: StringProtocol>(_ text: S, in range: ClosedRange<Int>) -> [Int]? {
        var out: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = int(part, in: range) else { return nil }
            out.append(v)
        }
        return out
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let s = self[...]
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return Substring() }
        let last = s.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return Substring(s[first...last])
    }
}
