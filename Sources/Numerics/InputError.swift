/// Why an input (a file, a flag, a field of a file) was refused: `source` names it (a path,
/// `--layers`, `config.json field 'epochs'`…), `reason` says what is wrong and what was
/// expected. The description is the two joined, without Foundation's error domains or codes,
/// so that a command can print it as it is.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    public let source: String
    public let reason: String

    public init(_ source: String, _ reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(source): \(reason)" }
}
