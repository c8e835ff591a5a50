import ArgumentParser
import Numerics

/// The checks every size-like flag goes through (`InputLimits` states the bounds): a value out
/// of range is refused with a message naming the flag and the range, before anything is
/// allocated or any process started.
enum FlagChecks {
    /// A layer list such as `784,100,10` (see `InputLimits.checkLayers`), whose weights —
    /// float64, 2 input sources per pixel, a few copies: 32 bytes per cell — fit the memory
    /// budget.
    static func layers(_ text: String, flag: String = "--layers") throws -> [Int] {
        do {
            let sizes = try InputLimits.parseLayers(text, source: flag)
            try MemoryBudget.check(InputLimits.weightBytes(sizes, inputFactor: 2, scalarBytes: 32),
                                   for: "a \(sizes.map(String.init).joined(separator: "-")) network", source: flag)
            return sizes
        } catch let e as InputError {
            throw ValidationError(e.description)
        }
    }

    /// `value` in `range`, or an error naming `flag`, what it counts and the range.
    static func check(_ value: Int, _ flag: String, in range: ClosedRange<Int>, meaning: String) throws {
        do { try InputLimits.check(value, in: range, source: flag, meaning: meaning) } catch let e as InputError {
            throw ValidationError(e.description)
        }
    }

    /// ngspice worker processes: 1…`InputLimits.workers`.
    static func workers(_ value: Int, flag: String = "--workers") throws {
        try check(value, flag, in: 1...InputLimits.workers, meaning: "the number of ngspice worker processes")
    }

    /// Seconds an ngspice worker may take for one job: (0, 86400].
    static func workerTimeout(_ value: Double?) throws {
        if let t = value, !(t.isFinite && t > 0 && t <= 86_400) {
            throw ValidationError("--worker-timeout must be in (0, 86400] seconds (got \(t))")
        }
    }

    /// `--worker-timeout`'s help, the same on every command that starts ngspice workers.
    static let workerTimeoutHelp = ArgumentHelp(
        "Seconds an ngspice worker may take for one job before it is killed and restarted and the job run again.",
        discussion: "Default: adaptive, max(10 × the median job time, twice the slowest recent job, 5 s); 120 s until a job has completed.")

    /// A number of samples: 1…`InputLimits.samples` (0… with `allowZero`).
    static func samples(_ value: Int, _ flag: String, allowZero: Bool = false) throws {
        try check(value, flag, in: (allowZero ? 0 : 1)...InputLimits.samples, meaning: "the number of samples")
    }

    /// A test-set index: 0..<`InputLimits.samples`.
    static func sampleIndex(_ value: Int, _ flag: String = "--sample") throws {
        try check(value, flag, in: 0...(InputLimits.samples - 1), meaning: "the test-set index")
    }

    /// Epochs: 1…`InputLimits.epochs`.
    static func epochs(_ value: Int, _ flag: String = "--epochs") throws {
        try check(value, flag, in: 1...InputLimits.epochs, meaning: "the number of epochs")
    }
}
