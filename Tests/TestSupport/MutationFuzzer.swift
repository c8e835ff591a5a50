import Foundation

/// A seeded mutation fuzzer for file readers (issue 13): from valid files, makes hostile ones
/// by bit flips, byte overwrites, truncation and extension, swaps of header fields, extreme
/// integers written over binary fields (−1, 0, 2^31, 2^32 − 1, 2^63 − 1, …) and extreme
/// numbers written over the numbers of text (JSON, PGM and npy headers: -1, 1e19, NaN, …).
///
/// A reader under test is called in-process on every case and must either return a value that
/// passes the caller's check or throw an error whose message names the input and carries no
/// Foundation domain code; a trap kills the test process, which fails the run. Every case is
/// timed: one that takes longer than `caseTimeLimit` counts as a hang.
public struct MutationFuzzer {
    /// splitmix64: the same seed gives the same cases on every machine.
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<n (n > 0).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Binary integers that break size arithmetic, as 8 little-endian bytes (the first 4 or 2
    /// give the 32- and 16-bit forms).
    public static let extremeIntegers: [UInt64] = [
        0, 1, 0xFFFF_FFFF_FFFF_FFFF /* −1 */, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF, 0x7FFF_FFFF, 0x4000_0000_0000_0000,
    ]
    /// Texts that break number parsing and conversion.
    public static let extremeNumbers: [String] = [
        "-1", "0", "2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
        "18446744073709551615", "-9223372036854775808", "1e19", "1e308", "-1e19", "NaN", "nan",
        "Infinity", "1e-320", "2.5", "99999999999999999999999", "",
    ]

    /// One mutant of `data`. Text-like inputs also get number replacements.
    public mutating func mutate(_ data: Data) -> Data {
        var b = [UInt8](data)
        let rounds = 1 + below(3)
        for _ in 0..<rounds { mutateOnce(&b) }
        return Data(b)
    }

    private mutating func mutateOnce(_ b: inout [UInt8]) {
        // Most mutations aim at the first 256 bytes, where the headers are.
        func position(_ limit: Int) -> Int {
            guard limit > 0 else { return 0 }
            return below(4) == 0 ? below(limit) : below(min(limit, 256))
        }
        switch below(10) {
        case 0:  // bit flips
            guard !b.isEmpty else { return }
            for _ in 0..<(1 + below(4)) { b[position(b.count)] ^= UInt8(1 << below(8)) }
        case 1:  // random bytes
            guard !b.isEmpty else { return }
            for _ in 0..<(1 + below(8)) { b[position(b.count)] = UInt8(truncatingIfNeeded: next()) }
        case 2:  // truncation
            b = Array(b.prefix(below(b.count + 1)))
        case 3:  // extension with junk, zeros or a copy
            let n = 1 + below(64)
            switch below(3) {
            case 0: b += (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) }
            case 1: b += [UInt8](repeating: 0, count: n)
            default: b += b.prefix(n)
            }
        case 4, 5:  // an extreme binary integer over a field (2, 4 or 8 bytes, either byte order)
            let width = [2, 4, 8][below(3)]
            guard b.count >= width else { return }
            var v = Self.extremeIntegers[below(Self.extremeIntegers.count)].littleEndian
            var bytes = withUnsafeBytes(of: &v) { Array($0.prefix(width)) }
            if below(2) == 0 { bytes.reverse() }
            let at = position(b.count - width + 1)
            b.replaceSubrange(at..<(at + width), with: bytes)
        case 6:  // swap two header fields of 4 bytes
            guard b.count >= 8 else { return }
            let limit = min(b.count, 128) / 4
            let i = 4 * below(limit), j = 4 * below(limit)
            guard i + 4 <= b.count, j + 4 <= b.count else { return }
            for k in 0..<4 { b.swapAt(i + k, j + k) }
        case 7, 8:  // an extreme number over a number of the text
            replaceNumber(&b)
        default:  // delete or duplicate a range
            guard b.count > 1 else { return }
            let at = position(b.count), n = 1 + below(min(16, b.count - at))
            if below(2) == 0 { b.removeSubrange(at..<min(b.count, at + n)) } else { b.insert(contentsOf: b[at..<min(b.count, at + n)], at: at) }
        }
    }

    /// Overwrites one decimal number (digits with an optional sign, dot and exponent) with an
    /// extreme one, or swaps two numbers.
    private mutating func replaceNumber(_ b: inout [UInt8]) {
        var runs: [Range<Int>] = []
        var i = 0
        func isNumberByte(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2D || c == 0x65 || c == 0x45 || c == 0x2B }
        while i < b.count {
            if b[i] >= 0x30 && b[i] <= 0x39 {
                var start = i
                if start > 0 && b[start - 1] == 0x2D { start -= 1 }
                while i < b.count && isNumberByte(b[i]) { i += 1 }
                runs.append(start..<i)
            } else { i += 1 }
        }
        guard !runs.isEmpty else { return }
        let r = runs[below(runs.count)]
        if below(5) == 0 && runs.count > 1 {
            let s = runs[below(runs.count)]
            guard s != r else { return }
            let (first, second) = r.lowerBound < s.lowerBound ? (r, s) : (s, r)
            guard first.upperBound <= second.lowerBound else { return }
            let a = Array(b[first]), c = Array(b[second])
            b.replaceSubrange(second, with: a)
            b.replaceSubrange(first, with: c)
        } else {
            b.replaceSubrange(r, with: Array(Self.extremeNumbers[below(Self.extremeNumbers.count)].utf8))
        }
    }
}

/// What a fuzz run saw, for the test's assertions and BENCHMARKS.md.
public struct FuzzReport: CustomStringConvertible, Sendable {
    public var name: String
    public var cases = 0
    public var accepted = 0
    public var rejected = 0
    /// Errors whose message does not name the input or shows a Foundation domain code.
    public var unclearErrors: [String] = []
    /// Results the caller's check refused.
    public var invalidResults: [String] = []
    public var slowestCaseSeconds = 0.0
    public var seconds = 0.0

    public var description: String {
        "\(name): \(cases) cases (\(accepted) accepted, \(rejected) refused) in \(String(format: "%.2f", seconds)) s, "
            + "slowest \(String(format: "%.3f", slowestCaseSeconds)) s"
    }
}

extension MutationFuzzer {
    /// The fuzz tests' `.timeLimit(.minutes(5))` is a hang detector, not a speed test: the
    /// mutants themselves take under a second, but Swift Testing runs tests on as many threads
    /// as there are cores, and the suites that wait for `eqprop` or `mpirun` child processes
    /// can hold both of this machine's for over a minute (one limit of 1 minute was exceeded so
    /// in a clean-clone CI run).
    ///
    /// Runs `cases` mutants of `seeds` (every seed itself first) through `read`, which gets
    /// the bytes and the name the errors must mention. `read` returns nil for "accepted" or a
    /// string describing why an accepted result is wrong.
    public static func run(_ name: String, seed: UInt64, cases: Int, seeds: [Data],
                           read: (Data, String) throws -> String?) -> FuzzReport {
        var fuzzer = MutationFuzzer(seed: seed)
        var report = FuzzReport(name: name)
        // EQPROP_FUZZ_SCALE=N runs N times the cases (and other seeds) for a deeper search.
        let scale = ProcessInfo.processInfo.environment["EQPROP_FUZZ_SCALE"].flatMap { Int($0) } ?? 1
        let cases = cases * max(1, scale)
        if scale > 1 { fuzzer = MutationFuzzer(seed: seed &+ UInt64(scale) &* 0x1234_5678) }
        let start = Date()
        for k in 0..<cases {
            let input = k < seeds.count ? seeds[k] : fuzzer.mutate(seeds[fuzzer.below(seeds.count)])
            let label = "fuzz-\(name)-\(k)"
            let t0 = Date()
            do {
                if let problem = try read(input, label) { report.invalidResults.append("\(label): \(problem)") }
                report.accepted += 1
            } catch {
                report.rejected += 1
                let message = String(describing: error)
                if let problem = unclearMessage(message, naming: label) { report.unclearErrors.append("\(label): \(problem)") }
            }
            report.slowestCaseSeconds = max(report.slowestCaseSeconds, Date().timeIntervalSince(t0))
            report.cases += 1
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// Why `message` is not a clear error about `source`, or nil when it is.
    public static func unclearMessage(_ message: String, naming source: String) -> String? {
        if !message.contains(source) { return "message does not name the input: \(message.prefix(300))" }
        for code in ["NSCocoaErrorDomain", "couldn’t be completed", "couldn't be completed", "Error Domain=", "error 256"] where message.contains(code) {
            return "message shows a Foundation error code: \(message.prefix(300))"
        }
        return nil
    }
}
