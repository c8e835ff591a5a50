import Foundation

/// A progress line on standard error: done/total, rate and ETA.
///
/// On a terminal the line is redrawn in place at most ten times a second; when standard error
/// is a file or a pipe (a log of a long run) a full line is written every `logInterval`
/// seconds, and `finish` prints the last one.
public final class ProgressLine {
    private let label: String
    private var total: Int
    private let unit: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let isTerminal: Bool
    public private(set) var done = 0
    /// Seconds between lines when standard error is not a terminal.
    public var logInterval = 30.0

    private let output: FileHandle

    /// Draws on `output` (standard error by default).
    public init(label: String, total: Int, unit: String = "samples", output: FileHandle = .standardError) {
        self.label = label
        self.total = total
        self.unit = unit
        self.output = output
        self.isTerminal = isatty(output.fileDescriptor) == 1
    }

    /// Elapsed seconds since the line was created.
    public var elapsed: Double { Date().timeIntervalSince(start) }

    /// `extra` is formed only when a line is drawn.
    public func update(done: Int, extra: @autoclosure () -> String = "") {
        self.done = done
        let now = Date()
        guard isTerminal else {
            if now.timeIntervalSince(start) >= logInterval && now.timeIntervalSince(lastDraw) >= logInterval && done < total {
                lastDraw = now
                output.write(Data((text(extra()) + "\n").utf8))
            }
            return
        }
        guard now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        lastDraw = now
        output.write(Data(("\r\u{1B}[K" + text(extra())).utf8))
    }

    /// `update(done:)` for work whose size is known only once it has started.
    public func update(done: Int, total: Int, extra: @autoclosure () -> String = "") {
        self.total = total
        update(done: done, extra: extra())
    }

    public func finish(extra: String = "") {
        let line = text(extra)
        output.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + line + "\n").utf8))
    }

    /// Seconds until `total` at the rate so far (0 once done), nil before the first item.
    public var remainingSeconds: Double? {
        guard done > 0 else { return nil }
        return done >= total ? 0 : Double(total - done) * elapsed / Double(done)
    }

    /// Seconds the whole `total` takes at the rate so far, nil before the first item.
    public var projectedSeconds: Double? { done > 0 ? Double(total) * elapsed / Double(done) : nil }

    private func text(_ extra: String) -> String {
        let t = elapsed
        let rate = t > 0 ? Double(done) / t : 0
        var s = "\(label) \(done)/\(total) \(unit)  \(Self.format(rate: rate))/s"
        if done < total, rate > 0, let left = remainingSeconds {
            s += "  ETA \(Self.format(seconds: left))"
        } else {
            s += "  \(Self.format(seconds: t))"
        }
        if !extra.isEmpty { s += "  " + extra }
        return s
    }

    static func format(rate: Double) -> String {
        rate >= 100 ? String(format: "%.0f", rate) : String(format: "%.1f", rate)
    }

    /// h:mm:ss or m:ss.
    public static func format(seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// A progress line handed to a library call that reports from the thread that called it.
public struct SendableProgress: @unchecked Sendable {
    public let line: ProgressLine
    public init(_ line: ProgressLine) { self.line = line }
}

/// Writes a line to standard error (progress and messages; standard output carries results).
public func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
