/// Numbers as SPICE reads them: plain decimal or exponent notation with a '.' decimal
/// point whatever the process locale, and enough digits to give back the same Double.
///
/// Swift's `Double.description` is locale-independent and prints the shortest string that
/// round-trips (`0.1`, `1e-06`, `123456.78901234567`); SPICE scale suffixes (`m`, `u`, `meg`)
/// are never produced, so `1e-06` cannot be misread. Non-finite values are a programming
/// error here: the mapping rejects them before a deck is built.
public enum SpiceNumber {
    public static func format(_ v: Double) -> String {
        precondition(v.isFinite, "SPICE numbers must be finite, got \(v)")
        if v == 0 { return "0" }
        return v.description
    }
}
