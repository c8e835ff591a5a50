import Foundation
import Numerics

/// A deck run by the `ngspice` program in batch mode (`ngspice -b deck.cir`), as a user runs
/// it, and what its `.control` block printed: `v(node) = …` lines, `predicted_class = k` and
/// the source powers `p_… = …` (W) of decks written by `ResistiveCircuit.netlist`.
public struct NgspiceBatch: Sendable {
    public var exitStatus: Int32
    public var stdout: String
    public var stderr: String
    /// Node → voltage, V (the last value printed for each node).
    public var voltages: [String: Double] = [:]
    public var predictedClass: Int?
    /// `p_inputs`, `p_bias_rails`, …, `p_total` → W.
    public var powers: [String: Double] = [:]
    /// Lines that signal failure (DESIGN §4: ngspice keeps going after many errors).
    public var errorLines: [String] = []

    /// The ngspice program: `$NGSPICE`, else the first `ngspice` on `$PATH`.
    public static func executable() throws -> URL {
        let env = ProcessInfo.processInfo.environment
        if let path = env["NGSPICE"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw NgspiceError.worker("NGSPICE=\(path) is not an executable file (set it to an ngspice program, or unset it to use the ngspice on PATH)")
            }
            return URL(fileURLWithPath: path)
        }
        for dir in (env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("ngspice")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw NgspiceError.worker("the ngspice program was not found on PATH (install it with: apt-get install ngspice, or set NGSPICE)")
    }

    /// Runs `ngspice -b deck` with `directory` as the working directory (where a deck's
    /// `write FILE` lands).
    public static func run(deck: URL, in directory: URL) throws -> NgspiceBatch {
        let r = try ChildProcess.run(try executable(), ["-b", deck.path], directory: directory)
        return NgspiceBatch(exitStatus: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    init(exitStatus: Int32, stdout: String, stderr: String) {
        self.exitStatus = exitStatus
        self.stdout = stdout
        self.stderr = stderr
        for line in (stdout + "\n" + stderr).split(separator: "\n").map(String.init) {
            if NgspiceEngine.isErrorLine(line) { errorLines.append(line) }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            let key = parts[0].lowercased()
            if key.hasPrefix("v("), key.hasSuffix(")"), let v = Double(parts[1]) {
                voltages[String(key.dropFirst(2).dropLast())] = v
            } else if key == "predicted_class", let k = Double(parts[1]) {
                predictedClass = Int(k)
            } else if key.hasPrefix("p_"), let v = Double(parts[1]) {
                powers[key] = v
            }
        }
    }
}
