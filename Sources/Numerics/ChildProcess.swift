import Foundation
import Synchronization

/// Runs a program to completion and collects what it printed: the `ngspice` program for
/// `netlist --verify`, the built `eqprop` and `ngspice -b` in end-to-end tests.
public enum ChildProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Wall-clock seconds from start to exit.
        public var seconds: Double = 0
        /// True when the deadline passed and the process was terminated.
        public var timedOut = false
    }

    /// Runs `executable` with `arguments` (standard input: /dev/null), with `environment`
    /// added to this process's (or in its place, with `inheritEnvironment: false`), in
    /// `directory` (nil: the current one). Both pipes are read concurrently, so a chatty
    /// process cannot block on a full pipe. Past `timeout` seconds (nil: none) the process gets
    /// SIGTERM, and SIGKILL 5 s later.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                           inheritEnvironment: Bool = true, directory: URL? = nil, timeout: Double? = nil) throws -> Output {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = directory }
        if !inheritEnvironment {
            p.environment = environment
        } else if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            p.environment = env
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        let pid = p.processIdentifier
        let timedOut = Atomic<Bool>(false)
        let timer = DispatchWorkItem {
            timedOut.store(true, ordering: .relaxed)
            kill(pid, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) { kill(pid, SIGKILL) }
        }
        if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer) }
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        timer.cancel()
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), seconds: Date().timeIntervalSince(start),
                      timedOut: timedOut.load(ordering: .relaxed))
    }
}
