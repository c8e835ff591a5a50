import Foundation

/// Runs decks in the real `ngspice -b` binary and reads the voltages its `print` lines show.
enum NgspiceBinary {
    struct Output {
        var voltages: [String: Double]
        var stdout: String
        var stderr: String
        var status: Int32
        /// Lines that signal a failed run (DESIGN §4: ngspice keeps going after many errors).
        var errorLines: [String] {
            (stdout + "\n" + stderr).split(separator: "\n").map(String.init).filter { line in
                let l = line.lowercased()
                return l.contains("error") || l.contains("aborted") || l.contains("singular matrix")
                    || l.contains("not parsed") || l.contains("timestep too small") || l.contains("no convergence")
            }
        }
    }

    static func run(deck: String) throws -> Output {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eqprop-ng-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("deck.cir")
        try deck.write(to: file, atomically: true, encoding: .utf8)
        return try run(file: file)
    }

    static func run(file: URL) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ngspice")
        p.arguments = ["-b", file.path]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        let stdout = String(decoding: outData, as: UTF8.self)
        var voltages: [String: Double] = [:]
        for line in stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].hasPrefix("v("), parts[0].hasSuffix(")"), let v = Double(parts[1]) else { continue }
            voltages[String(parts[0].dropFirst(2).dropLast())] = v
        }
        return Output(voltages: voltages, stdout: stdout, stderr: String(decoding: errData, as: UTF8.self), status: p.terminationStatus)
    }
}
