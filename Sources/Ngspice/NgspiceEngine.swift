import CNgspice
import Foundation

/// The libngspice simulator of this process (DESIGN §4).
///
/// libngspice is one global, non-reentrant simulator: there is one engine per process and
/// every call is serialised by a lock. It owns initialisation (C numeric locale, every
/// callback set, `ngSpice_Init_Sync` for EXTERNAL sources), loading circuits, commands,
/// vectors (copied at once: `ngGet_Vec_Info` returns one static struct), error detection from
/// the text ngspice prints (its API returns 0 even after parse errors and failed analyses),
/// memory hygiene (`destroy all` and `remcirc` before each new circuit) and the detection of a
/// controlled exit, after which the engine is dead and its process must be replaced.
public final class NgspiceEngine: @unchecked Sendable {
    private let library: NgspiceLibrary
    private let lock = NSLock()
    /// Output lines since the last command, with their stream ("stdout"/"stderr").
    private var output: [(stream: String, text: String)] = []
    private var dead: String?
    private var hasCircuit = false
    private var loads = 0

    // EXTERNAL source values for the running analysis: `externalValues[point][column]`.
    private var externalColumn: [String: Int] = [:]
    private var externalValues: [[Double]] = [[]]
    private var unknownExternal: Set<String> = []
    /// Sweep points completed (counted by the SendData callback).
    private var point = 0

    /// The engine of this process, created on first use.
    public static func shared() throws -> NgspiceEngine {
        switch instance {
        case .success(let engine): return engine
        case .failure(let error): throw error
        }
    }

    private static let instance: Result<NgspiceEngine, NgspiceError> = {
        do { return .success(try NgspiceEngine()) } catch let e as NgspiceError { return .failure(e) } catch {
            return .failure(.libraryMissing("\(error)"))
        }
    }()

    private init() throws {
        library = try NgspiceLibrary.open()
        // A decimal comma would break number parsing in .param and .options.
        setlocale(LC_NUMERIC, "C")
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = library.initialize(Callbacks.sendChar, Callbacks.sendStat, Callbacks.controlledExit, Callbacks.sendData,
                               Callbacks.sendInitData, Callbacks.backgroundThread, me)
        var ident: Int32 = 0
        _ = library.initializeSync(Callbacks.externalSource, Callbacks.externalSource, nil, &ident, me)
        output.removeAll()
    }

    /// The C callbacks ngspice calls, as raw function pointers; `user` is the engine.
    enum Callbacks {
        typealias Text = @convention(c) (UnsafeMutablePointer<CChar>?, Int32, UnsafeMutableRawPointer?) -> Int32
        typealias Exit = @convention(c) (Int32, CBool, CBool, Int32, UnsafeMutableRawPointer?) -> Int32
        typealias Data = @convention(c) (UnsafeMutableRawPointer?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
        typealias InitData = @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafeMutableRawPointer?) -> Int32
        typealias Thread = @convention(c) (CBool, Int32, UnsafeMutableRawPointer?) -> Int32
        typealias Source = @convention(c) (UnsafeMutablePointer<Double>?, Double, UnsafeMutablePointer<CChar>?, Int32,
                                           UnsafeMutableRawPointer?) -> Int32

        static func engine(_ user: UnsafeMutableRawPointer?) -> NgspiceEngine? {
            user.map { Unmanaged<NgspiceEngine>.fromOpaque($0).takeUnretainedValue() }
        }

        static let textFunction: Text = { text, _, user in
            guard let text, let engine = engine(user) else { return 0 }
            let line = String(cString: text)
            if line.hasPrefix("stderr ") {
                engine.output.append(("stderr", String(line.dropFirst(7))))
            } else if line.hasPrefix("stdout ") {
                engine.output.append(("stdout", String(line.dropFirst(7))))
            } else {
                engine.output.append(("stdout", line))
            }
            return 0
        }
        static let statusFunction: Text = { _, _, _ in 0 }
        static let exitFunction: Exit = { status, _, quit, _, user in
            engine(user)?.dead = quit ? "ngspice quit" : "ngspice called exit(\(status)) after an internal error"
            return 0
        }
        static let dataFunction: Data = { _, _, _, user in
            engine(user)?.point += 1
            return 0
        }
        /// Must be registered for the data callback to be called at all.
        static let initDataFunction: InitData = { _, _, _ in 0 }
        static let threadFunction: Thread = { _, _, _ in 0 }
        static let sourceFunction: Source = { value, _, name, _, user in
            guard let value, let name, let engine = engine(user) else { return 0 }
            value.pointee = engine.externalValue(String(cString: name))
            return 0
        }

        static var sendChar: UnsafeRawPointer { unsafeBitCast(textFunction, to: UnsafeRawPointer.self) }
        static var sendStat: UnsafeRawPointer { unsafeBitCast(statusFunction, to: UnsafeRawPointer.self) }
        static var controlledExit: UnsafeRawPointer { unsafeBitCast(exitFunction, to: UnsafeRawPointer.self) }
        static var sendData: UnsafeRawPointer { unsafeBitCast(dataFunction, to: UnsafeRawPointer.self) }
        static var sendInitData: UnsafeRawPointer { unsafeBitCast(initDataFunction, to: UnsafeRawPointer.self) }
        static var backgroundThread: UnsafeRawPointer { unsafeBitCast(threadFunction, to: UnsafeRawPointer.self) }
        static var externalSource: UnsafeRawPointer { unsafeBitCast(sourceFunction, to: UnsafeRawPointer.self) }
    }

    private func externalValue(_ name: String) -> Double {
        let key = name.lowercased()
        guard let column = externalColumn[key] else {
            unknownExternal.insert(key)
            return 0
        }
        let row = externalValues[min(point, externalValues.count - 1)]
        return column < row.count ? row[column] : 0
    }

    // MARK: - Commands

    /// Lines that signal failure (DESIGN §4).
    static func isErrorLine(_ line: String) -> Bool {
        let l = line.lowercased()
        return l.contains("error") || l.contains("aborted") || l.contains("singular matrix") || l.contains("not parsed")
            || l.contains("timestep too small") || l.contains("no convergence") || l.contains("fatal")
            || l.contains("solution failed")
    }

    /// Each error line with the two lines after it (ngspice prints the offending deck line
    /// and the reason there).
    private func errorLines() -> [String] {
        var lines: [String] = []
        var i = 0
        while i < output.count {
            if Self.isErrorLine(output[i].text) {
                let end = min(i + 3, output.count)
                lines += output[i..<end].map { $0.text.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                i = end
            } else {
                i += 1
            }
        }
        return lines
    }

    private func checkAlive() throws {
        if let dead { throw NgspiceError.engineDead(dead) }
    }

    private func run(_ command: String) {
        var bytes = Array(command.utf8CString)
        bytes.withUnsafeMutableBufferPointer { _ = library.command($0.baseAddress) }
    }

    /// A deck's text, split into lines on its bytes (splitting a String by Characters costs
    /// milliseconds at a few thousand lines).
    public func load(text: String) throws {
        try load(text.utf8.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) })
    }

    /// Loads a circuit (one deck line per element, title first, `.end` last), replacing the
    /// previous one and freeing its memory.
    public func load(_ deck: [String]) throws {
        lock.lock(); defer { lock.unlock() }
        try checkAlive()
        if hasCircuit {
            run("destroy all")
            run("remcirc")
            hasCircuit = false
        }
        loads += 1
        if loads % 200 == 0 { _ = library.command(nil) }  // lets ngspice release its command history
        output.removeAll()
        var cStrings: [UnsafeMutablePointer<CChar>?] = deck.map { strdup($0) }
        cStrings.append(nil)
        defer { for p in cStrings { free(p) } }
        cStrings.withUnsafeMutableBufferPointer { _ = library.circuit($0.baseAddress) }
        try checkAlive()
        let errors = errorLines()
        guard errors.isEmpty else { throw NgspiceError.parse(lines: errors) }
        hasCircuit = true
    }

    /// Runs a control command; throws with ngspice's error lines if it failed.
    public func command(_ command: String) throws {
        lock.lock(); defer { lock.unlock() }
        try execute(command)
    }

    private func execute(_ command: String) throws {
        try checkAlive()
        output.removeAll()
        unknownExternal.removeAll()
        run(command)
        try checkAlive()
        let errors = errorLines()
        guard errors.isEmpty else { throw NgspiceError.analysis(command: command, lines: errors) }
        guard unknownExternal.isEmpty else {
            throw NgspiceError.analysis(command: command, lines: ["no value given for EXTERNAL source(s) \(unknownExternal.sorted().joined(separator: ", "))"])
        }
    }

    /// The values of a vector of the current plot (copied at once).
    public func vector(_ name: String) throws -> [Double] {
        lock.lock(); defer { lock.unlock() }
        return try readVector(name)
    }

    private func readVector(_ name: String) throws -> [Double] {
        var bytes = Array(name.utf8CString)
        let info = bytes.withUnsafeMutableBufferPointer { library.vectorInfo($0.baseAddress) }
        guard let info, info.pointee.v_length > 0, let data = info.pointee.v_realdata else {
            throw NgspiceError.missingVector(name)
        }
        return Array(UnsafeBufferPointer(start: data, count: Int(info.pointee.v_length)))
    }

    /// The operating point with EXTERNAL sources at `values` (source name → value): the
    /// voltages of `nodes`.
    public func operatingPoint(external values: [String: Double] = [:], nodes: [String]) throws -> [Double] {
        lock.lock(); defer { lock.unlock() }
        setExternal(names: Array(values.keys), points: [Array(values.values)])
        try execute("op")
        return try nodes.map { name in
            let v = try readVector(name)
            guard v.count == 1 else { throw NgspiceError.missingVector(name) }
            return v[0]
        }
    }

    /// The Newton iterations ngspice has spent on the loaded circuit since it was loaded
    /// (`rusage totiter`, which prints "Total iterations = N").
    public func newtonIterations() throws -> Int {
        lock.lock(); defer { lock.unlock() }
        try execute("rusage totiter")
        for line in output {
            let parts = line.text.split(separator: "=")
            if parts.count == 2, parts[0].lowercased().contains("total iterations"),
               let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
                return n
            }
        }
        throw NgspiceError.analysis(command: "rusage totiter", lines: ["no 'Total iterations' line in ngspice's answer"])
    }

    /// One operating point per row of `values` (points × sources) in a single `dc` sweep of
    /// the deck's dummy source `Vsweep` (see `NetlistOptions.sweepSource`): the matrix is
    /// ordered once and each point starts from the previous one. Returns points × nodes.
    public func sweep(sources: [String], values: [[Double]], nodes: [String]) throws -> [[Double]] {
        lock.lock(); defer { lock.unlock() }
        guard !values.isEmpty else { return [] }
        setExternal(names: sources, points: values)
        try execute("dc vsweep 0 \(values.count - 1) 1")
        let columns = try nodes.map { name -> [Double] in
            let v = try readVector(name)
            guard v.count == values.count else {
                throw NgspiceError.analysis(command: "dc", lines: ["the sweep stopped after \(v.count) of \(values.count) points"])
            }
            return v
        }
        return (0..<values.count).map { p in columns.map { $0[p] } }
    }

    /// A transient analysis `tran step stop uic` (start state from the deck's `.ic`): the time
    /// points and, for each node, its voltage at each time point.
    public func transient(step: Double, stop: Double, external values: [String: Double] = [:],
                          nodes: [String]) throws -> (time: [Double], voltages: [[Double]]) {
        lock.lock(); defer { lock.unlock() }
        setExternal(names: Array(values.keys), points: [Array(values.values)])
        // TMAX = step: ngspice's adaptive step never exceeds the print step.
        try execute("tran \(step) \(stop) 0 \(step) uic")
        let time = try readVector("time")
        let voltages = try nodes.map { try readVector($0) }
        return (time, voltages)
    }

    /// Changes one element's value without reloading (`alter`).
    public func alter(_ element: String, _ value: Double) throws {
        try command("alter \(element) = \(value)")
    }

    private func setExternal(names: [String], points: [[Double]]) {
        externalColumn = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1.lowercased(), $0) })
        externalValues = points.isEmpty ? [[]] : points
        point = 0
    }

    /// True once ngspice has asked to exit: the process must be replaced.
    public var isDead: Bool {
        lock.lock(); defer { lock.unlock() }
        return dead != nil
    }
}
