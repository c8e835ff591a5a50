import Foundation
import Numerics

/// A finished child process.
public typealias ProcessOutput = ChildProcess.Output

/// Runs programs the way a user would (the built `eqprop`, `ngspice -b`), for end-to-end tests.
public enum ProcessRunner {
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                           directory: URL? = nil) throws -> ProcessOutput {
        try ChildProcess.run(executable, arguments, environment: environment, directory: directory)
    }
}

/// A deck run in the real `ngspice -b`: the voltages its print lines show and the lines that
/// signal failure (DESIGN §4: ngspice keeps going after many errors).
public struct NgspiceBatchRun {
    public var voltages: [String: Double] = [:]
    public var errorLines: [String] = []
    public var output: ProcessOutput

    public static func run(file: URL) throws -> NgspiceBatchRun {
        var r = NgspiceBatchRun(output: try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/ngspice"), ["-b", file.path]))
        for line in (r.output.stdout + "\n" + r.output.stderr).split(separator: "\n").map(String.init) {
            let l = line.lowercased()
            if l.contains("error") || l.contains("aborted") || l.contains("singular matrix") || l.contains("not parsed")
                || l.contains("solution failed") || l.contains("timestep too small") || l.contains("no convergence") {
                r.errorLines.append(line)
            }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0].hasPrefix("v("), parts[0].hasSuffix(")"), let v = Double(parts[1]) {
                r.voltages[String(parts[0].dropFirst(2).dropLast())] = v
            }
        }
        return r
    }

    public static func run(deck: String) throws -> NgspiceBatchRun {
        let dir = Scratch.directory("ng")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("deck.cir")
        try deck.write(to: file, atomically: true, encoding: .utf8)
        return try run(file: file)
    }
}
