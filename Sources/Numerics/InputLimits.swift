/// Bounds on the size-like values a user or a file can give, checked by every reader and every
/// flag: far above anything the emulated hardware or a 24 GB machine can train, far below
/// where arithmetic on them could overflow. Each message states the bound.
public enum InputLimits {
    /// Units in one layer (pixels, hidden units, classes).
    public static let unitsPerLayer = 1_000_000
    /// Layers of a network, input and output included.
    public static let layers = 1_000
    /// ngspice worker processes.
    public static let workers = 256
    /// Epochs of a training run (also the epoch count in a checkpoint).
    public static let epochs = 1_000_000
    /// Samples in one minibatch.
    public static let batchSize = 1_000_000
    /// Samples selected by --samples, --sample, --train-limit, --test-limit.
    public static let samples = 100_000_000
    /// Euler steps of one relaxation phase (T⁻, T⁺) and solver sweeps.
    public static let relaxationSteps = 1_000_000
    /// Dimensions of one stored array.
    public static let dimensions = 32

    /// A layer list such as `784,100,10`: at least two sizes, each in 1…`unitsPerLayer`, at
    /// most `layers` of them. `source` names the flag or the file field.
    public static func checkLayers(_ sizes: [Int], source: String) throws {
        guard sizes.count >= 2, sizes.count <= layers else {
            throw InputError(source, "need 2 to \(layers) layer sizes (inputs, hidden…, outputs), got \(sizes.count)")
        }
        if let bad = sizes.first(where: { $0 < 1 || $0 > unitsPerLayer }) {
            throw InputError(source, "layer size \(bad) is outside 1…\(unitsPerLayer)")
        }
    }

    /// `text` as a layer list (see `checkLayers`): comma-separated whole numbers.
    public static func parseLayers(_ text: String, source: String) throws -> [Int] {
        guard let sizes = CheckedSize.list(text, in: Int.min...Int.max) else {
            throw InputError(source, "'\(text.prefix(200))' is not a comma-separated list of whole numbers")
        }
        try checkLayers(sizes, source: source)
        return sizes
    }

    /// Throws unless `value` lies in `range`; `source` names the flag or field, `meaning` is
    /// how the message calls the value ("epochs").
    public static func check(_ value: Int, in range: ClosedRange<Int>, source: String, meaning: String) throws {
        guard range.contains(value) else {
            throw InputError(source, "\(meaning) must be in \(range.lowerBound)…\(range.upperBound) (got \(value))")
        }
    }

    /// The bytes of the weight matrices of a network with these layer sizes (fan-in
    /// `inputFactor` × the first size, e.g. 2 for a resistive network's x⁺ and x⁻ sources),
    /// `scalarBytes` per weight; nil when it overflows.
    public static func weightBytes(_ sizes: [Int], inputFactor: Int = 1, scalarBytes: Int) -> Int? {
        guard sizes.count >= 2 else { return 0 }
        var cells: [Int] = []
        for l in 0..<(sizes.count - 1) {
            let fanIn = l == 0 ? CheckedSize.product(inputFactor, sizes[0]) : sizes[l]
            guard let fanIn, let c = CheckedSize.product(fanIn, sizes[l + 1]) else { return nil }
            cells.append(c)
        }
        return CheckedSize.sum(cells).flatMap { CheckedSize.product($0, scalarBytes) }
    }
}
