import Foundation

/// One JSON object of a preset file, read field by field through `Decoder`: a field of the
/// wrong kind is refused with a message that names it with its section (`diode.kind`), and
/// the file's path (from the decoder's `userInfo[HardwarePreset.pathKey]`).
struct PresetFieldReader {
    /// Any key: a container keyed by an enum drops the keys the enum does not know, and a
    /// preset names its unknown fields.
    struct AnyKey: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    private let fields: KeyedDecodingContainer<AnyKey>
    /// Prefix of this section's field names in messages: "" at the top, "diode." in `diode`.
    let context: String
    /// The file, for messages.
    let path: String

    /// The file's top-level object ("not a JSON object" otherwise).
    init(top decoder: Decoder) throws {
        path = decoder.userInfo[HardwarePreset.pathKey] as? String ?? ""
        context = ""
        do { fields = try decoder.container(keyedBy: AnyKey.self) } catch {
            throw PresetError(path: path, reason: "not a JSON object")
        }
    }

    private init(fields: KeyedDecodingContainer<AnyKey>, context: String, path: String) {
        self.fields = fields
        self.context = context
        self.path = path
    }

    func fail(_ reason: String) -> PresetError { PresetError(path: path, reason: reason) }

    /// The keys present, sorted (messages name the first wrong one, the same on every run).
    var keys: [String] { fields.allKeys.map(\.stringValue).sorted() }

    /// Whether the field is present (`null` counts as present, and is then of the wrong kind).
    func has(_ key: String) -> Bool { fields.contains(AnyKey(key)) }

    /// Refuses a key outside `allowed` ("unknown field"), then a key of `allowed` that is
    /// absent and not in `optional` ("missing field"), in the order of `allowed`.
    func checkKeys(allowed: [String], optional: Set<String> = []) throws {
        for key in keys where !allowed.contains(key) { throw fail("unknown field '\(context)\(key)'") }
        for key in allowed where !has(key) && !optional.contains(key) { throw fail("missing field '\(context)\(key)'") }
    }

    /// A finite number.
    func number(_ key: String) throws -> Double {
        guard let v = try? fields.decode(Double.self, forKey: AnyKey(key)) else {
            throw fail("field '\(context)\(key)' must be a number")
        }
        guard v.isFinite else { throw fail("field '\(context)\(key)' must be finite") }
        return v
    }

    /// A number, or nil when the field is absent.
    func optionalNumber(_ key: String) throws -> Double? { has(key) ? try number(key) : nil }

    func string(_ key: String) throws -> String {
        guard let s = try? fields.decode(String.self, forKey: AnyKey(key)) else {
            throw fail("field '\(context)\(key)' must be a string")
        }
        return s
    }

    func bool(_ key: String) throws -> Bool {
        guard let b = try? fields.decode(Bool.self, forKey: AnyKey(key)) else {
            throw fail("field '\(context)\(key)' must be true or false")
        }
        return b
    }

    /// One of a closed set of names (`String` raw values): a field that is not a string is
    /// refused as such, a string that names none of them with `choices` (the quoted names).
    func named<T: RawRepresentable>(_ key: String, _ choices: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: try string(key)) else { throw fail("field '\(context)\(key)' must be \(choices)") }
        return value
    }

    /// As `named`, with one message for both refusals.
    func choice<T: RawRepresentable>(_ key: String, _ choices: String) throws -> T where T.RawValue == String {
        guard let name = try? fields.decode(String.self, forKey: AnyKey(key)), let value = T(rawValue: name) else {
            throw fail("field '\(context)\(key)' must be \(choices)")
        }
        return value
    }

    /// A nested object, read with its key as the context of its fields' messages.
    func section(_ key: String) throws -> PresetFieldReader {
        guard let nested = try? fields.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey(key)) else {
            throw fail("field '\(context)\(key)' must be an object")
        }
        return PresetFieldReader(fields: nested, context: context + key + ".", path: path)
    }
}
