import Foundation

/// A configuration as run folders store it: `config.json` and the `config` of a checkpoint.
public protocol StoredConfiguration: Codable {
    /// Properties that hold a physical quantity, with the SI unit their stored key ends in:
    /// `["tolerance": "volts"]` stores `tolerance` as `tolerance_volts`.
    static var storedUnits: [String: String] { get }
}

/// The one vocabulary of the files a run writes (issue 19): snake_case keys like the metrics,
/// an SI unit at the end of a key where one applies, keys sorted, pretty-printed. Reading
/// accepts that form and the camelCase of run folders written before it (their keys carry no
/// underscore and no unit), so old folders resume, export and settle as they did.
public enum ConfigurationJSON {
    public static func encode<T: StoredConfiguration>(_ value: T) throws -> String {
        let encoder = JSONOutput.prettyEncoder()
        encoder.keyEncodingStrategy = .custom { path in Key(storedKey(path.last!.stringValue, units: T.storedUnits)) }
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    public static func decode<T: StoredConfiguration>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        decoder.keyDecodingStrategy = .custom { path in Key(propertyName(path.last!.stringValue, units: T.storedUnits)) }
        return try decoder.decode(type, from: data)
    }

    /// `conductanceUnit` → `conductance_unit_siemens` (with units ["conductanceUnit": "siemens"]).
    public static func storedKey(_ property: String, units: [String: String]) -> String {
        var s = ""
        for c in property {
            if c.isUppercase { s += "_" + c.lowercased() } else { s.append(c) }
        }
        if let unit = units[property] { s += "_" + unit }
        return s
    }

    /// The inverse of `storedKey`; a key without an underscore (a single word, or the camelCase
    /// of older folders) is the property name itself.
    public static func propertyName(_ key: String, units: [String: String]) -> String {
        guard key.contains("_") else { return key }
        var base = Substring(key)
        for (property, unit) in units where key == storedKey(property, units: units) {
            base = base.dropLast(unit.count + 1)
        }
        var s = "", upper = false
        for c in base {
            if c == "_" { upper = true } else { s += upper ? c.uppercased() : String(c); upper = false }
        }
        return s
    }

    /// Any key of either form as it is stored now: for comparing an old config.json with a new checkpoint.
    public static func canonicalKey(_ key: String, units: [String: String]) -> String {
        storedKey(propertyName(key, units: units), units: units)
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
