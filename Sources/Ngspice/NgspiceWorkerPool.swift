import Foundation

/// One piece of work for a worker: a circuit and the operating points to compute.
public struct PoolJob: Sendable {
    public var deckID: String
    /// The deck's text (`SpiceWriter.write`): title first, one element per line, `.end` last.
    public var deck: String
    /// "sweep": one operating point per row of `values`; "op": one operating point with the
    /// sources at `values[0]`; "op-iterations": the deck's own operating point, with the
    /// Newton iterations it took as a second row; "tran": a transient with `values` =
    /// [[step, stop]] (s), the time axis as the first row, then one row per node (see
    /// `WorkerAnalysis`).
    public var analysis: String
    public var sources: [String]
    public var values: [[Double]]
    public var nodes: [String]

    public init(deckID: String, deck: String, analysis: String = "sweep", sources: [String], values: [[Double]], nodes: [String]) {
        self.deckID = deckID
        self.deck = deck
        self.analysis = analysis
        self.sources = sources
        self.values = values
        self.nodes = nodes
    }

    /// The analysis as the worker protocol has it; throws for a name it does not know.
    func workerAnalysis() throws -> WorkerAnalysis {
        switch analysis {
        case "sweep": return .sweep(sources: sources, values: values)
        case "op": return .operatingPoint(sources: sources, values: values.first ?? [])
        case "op-iterations": return .operatingPointIterations
        case "tran":
            guard let times = values.first, times.count == 2 else { throw NgspiceError.worker("a transient needs values [[step, stop]]") }
            return .transient(step: times[0], stop: times[1])
        default: throw NgspiceError.worker("unknown analysis '\(analysis)'")
        }
    }
}

/// A pool of ngspice engine processes (`eqprop ngspice-worker`), one per core by default:
/// libngspice is one global simulator per process, so parallel simulation needs processes.
/// Jobs are spread over the workers; a worker that dies or does not answer within the job
/// timeout (`currentTimeout`) is killed, restarted, and its job run again, so no work is lost;
/// each restart is reported through `log`. ngspice's own errors (a parse error, a failed
/// analysis) are not retried: they come back as `NgspiceError`.
///
/// The timeout is `timeout` when set, else adaptive: max(`timeoutFactor` × the median wall
/// time of the recent jobs, twice the slowest of them, `timeoutFloor`), and
/// `initialTimeout` until a job has completed (the first jobs start ngspice and load the
/// circuit). A stopped or spinning worker of a small circuit is thus replaced within seconds.
/// A job run again after a timeout gets twice the time of its previous attempt, so a machine
/// that is merely busy slows training down but does not stop it.
public final class NgspiceWorkerPool: @unchecked Sendable {
    public let executable: URL
    public let size: Int
    /// Seconds a worker may take for one job before it is considered hung; nil: adaptive.
    public var timeout: Double?
    /// Adaptive timeout: this many median job times…
    public var timeoutFactor = 10.0
    /// …but never less than this, s…
    public var timeoutFloor = 5.0
    /// …and this until the first job has completed, s.
    public var initialTimeout = 120.0
    /// Attempts per job across restarts.
    public var attempts = 3
    /// Receives one line per worker restart (why, which process), e.g. to print on stderr.
    public var log: (@Sendable (String) -> Void)?
    private var workers: [WorkerProcess?]
    private let lock = NSLock()
    private var nextID: UInt64 = 0
    private var restartCount = 0
    private var engineTotal = 0.0
    /// Wall times of the most recent completed jobs, s (a ring of `recentCapacity`).
    private var recent: [Double] = []
    private var recentNext = 0
    private static let recentCapacity = 64
    /// Workers restarted after dying, hanging or losing their engine.
    public var restarts: Int { lock.lock(); defer { lock.unlock() }; return restartCount }
    /// Time spent inside ngspice by all workers, s.
    public var engineSeconds: Double { lock.lock(); defer { lock.unlock() }; return engineTotal }

    public init(executable: URL, size: Int = ProcessInfo.processInfo.activeProcessorCount, timeout: Double? = nil) {
        self.executable = executable
        self.size = max(1, size)
        self.timeout = timeout
        workers = Array(repeating: nil, count: max(1, size))
        // A write to a dead worker's pipe must fail with EPIPE, not kill this process.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { shutdown() }

    /// The process IDs of the running workers (for tests and diagnostics).
    public var processIDs: [Int32] {
        lock.lock(); defer { lock.unlock() }
        return workers.compactMap { $0?.process.processIdentifier }
    }

    public func shutdown() {
        lock.lock(); defer { lock.unlock() }
        for case let w? in workers { w.stop() }
        workers = Array(repeating: nil, count: size)
    }

    /// Runs every job, in parallel over the workers (job i on worker i mod size); returns each
    /// job's points × nodes voltages.
    public func run(_ jobs: [PoolJob]) throws -> [[[Double]]] {
        let results = ResultSlots(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: min(size, jobs.count)) { slot in
            for index in stride(from: slot, to: jobs.count, by: size) {
                results.set(index, Result { try self.execute(jobs[index], on: slot) })
            }
        }
        return try results.values()
    }

    private func id() -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        nextID += 1
        return nextID
    }

    private func worker(_ slot: Int) throws -> WorkerProcess {
        lock.lock()
        if let w = workers[slot], w.isRunning { lock.unlock(); return w }
        var died: (pid: Int32, count: Int)?
        if let dead = workers[slot] {  // died between jobs
            restartCount += 1
            died = (dead.process.processIdentifier, restartCount)
        }
        let w: WorkerProcess
        do { w = try WorkerProcess(executable: executable) } catch { lock.unlock(); throw error }
        workers[slot] = w
        lock.unlock()
        if let died { log?("ngspice worker process \(died.pid) (lane \(slot)) exited between jobs; restarted (restart \(died.count) of this run)") }
        return w
    }

    /// Seconds the next job may take before its worker is considered hung (see the type's
    /// documentation).
    public var currentTimeout: Double {
        lock.lock(); defer { lock.unlock() }
        if let timeout { return timeout }
        guard !recent.isEmpty else { return initialTimeout }
        let sorted = recent.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return max(timeoutFactor * median, 2 * sorted[sorted.count - 1], timeoutFloor)
    }

    private func recordJob(seconds: Double, engine: Double) {
        lock.lock(); defer { lock.unlock() }
        engineTotal += engine
        if recent.count < Self.recentCapacity { recent.append(seconds) } else { recent[recentNext] = seconds }
        recentNext = (recentNext + 1) % Self.recentCapacity
    }

    /// Kills a worker that died, hung or lost its engine; the next job starts a new one.
    private func replace(_ slot: Int, reason: String) {
        lock.lock()
        let pid = workers[slot]?.process.processIdentifier
        workers[slot]?.stop()
        workers[slot] = nil
        restartCount += 1
        let count = restartCount
        lock.unlock()
        log?("ngspice worker \(pid.map { "process \($0)" } ?? "") (lane \(slot)): \(reason); killed and restarted, its job runs again "
             + "(restart \(count) of this run)")
    }

    private func execute(_ job: PoolJob, on slot: Int) throws -> [[Double]] {
        let analysis = try job.workerAnalysis()
        var lastFailure = "no attempt made"
        var timeout = currentTimeout
        for attempt in 0..<attempts {
            if attempt > 0 { timeout = max(2 * timeout, currentTimeout) }
            // A first attempt follows the pool's timeout as it adapts: a worker stopped in its
            // very first job is caught once another lane's jobs have set a median.
            let fixed = timeout
            let limit: () -> Double = attempt == 0 ? { [unowned self] in self.currentTimeout } : { fixed }
            let w = try worker(slot)
            do {
                let start = DispatchTime.now().uptimeNanoseconds
                var request = WorkerRequest(id: id(), deckID: job.deckID, deck: w.deckID == job.deckID ? nil : job.deck,
                                            analysis: analysis, nodes: job.nodes)
                var reply = try w.exchange(request, timeout: limit)
                if reply.outcome == .needDeck {
                    request.deck = job.deck
                    reply = try w.exchange(request, timeout: limit)
                }
                if let rows = reply.rows {
                    w.deckID = job.deckID
                    recordJob(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, engine: reply.seconds)
                    return rows
                }
                w.deckID = nil
                guard case let .failed(kind, message) = reply.outcome else { throw NgspiceError.worker("asked for the deck it was just sent") }
                switch kind {
                case .engineQuit:
                    lastFailure = message
                    replace(slot, reason: "its engine quit (\(lastFailure))")
                    continue
                case .analysis: throw NgspiceError.simulationFailed(message)
                case .worker, .malformedRequest: throw NgspiceError.worker(message)
                }
            } catch let e as WorkerProcess.Failure {
                lastFailure = e.description
                replace(slot, reason: e.description)
            }
        }
        throw NgspiceError.worker("a job failed \(attempts) times, the last with: \(lastFailure)")
    }
}

/// Results filled in by concurrent lanes.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<[[Double]], Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<[[Double]], Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    func values() throws -> [[[Double]]] { try slots.map { try $0!.get() } }
}

/// One worker process and its pipes.
final class WorkerProcess: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = WorkerWire.FrameBuffer()
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var deckID: String?

    init(executable: URL) throws {
        process.executableURL = executable
        process.arguments = ["ngspice-worker"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do { try process.run() } catch {
            throw NgspiceError.worker("cannot start \(executable.path) ngspice-worker: \(error)")
        }
    }

    var isRunning: Bool { process.isRunning }

    /// Sends one request and reads its reply, each within `timeout()` seconds (re-read as it
    /// waits). A reply to another request, or one that does not decode, is a `Failure`.
    func exchange(_ request: WorkerRequest, timeout: () -> Double) throws -> WorkerReply {
        let frame: [UInt8]
        do { frame = try request.frame() } catch { throw NgspiceError.worker("cannot send a request: \(error)") }
        try send(frame, timeout: timeout)
        let reply = try receive(timeout: timeout)
        if case let .failed(.malformedRequest, message) = reply.outcome { throw NgspiceError.worker(message) }
        guard reply.id == request.id else { throw Failure(description: "replied to request \(reply.id) instead of \(request.id)") }
        return reply
    }

    /// Writes one frame, waiting at most `timeout()` seconds for room in the pipe: a stopped
    /// worker stops reading, and a deck larger than the pipe's buffer would otherwise block
    /// the lane for good (the write end is non-blocking; `poll` waits for room).
    private func send(_ frame: [UInt8], timeout: () -> Double) throws {
        let fd = input.fileHandleForWriting.fileDescriptor
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 && flags & O_NONBLOCK == 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        let start = Date()
        let outcome = frame.withUnsafeBytes { p -> String? in
            var offset = 0
            while offset < p.count {
                let n = Foundation.write(fd, p.baseAddress! + offset, p.count - offset)
                if n > 0 { offset += n; continue }
                if n < 0 && errno == EINTR { continue }
                guard n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) else { return "the worker's input is closed (it died)" }
                let limit = timeout(), remaining = limit - Date().timeIntervalSince(start)
                guard remaining > 0 else { return String(format: "took no request within %.3g s (hung or stopped)", limit) }
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, Int32(max(1, min(remaining, 1) * 1000)))
            }
            return nil
        }
        if let outcome { throw Failure(description: outcome) }
    }

    /// Reads one reply frame, waiting at most `timeout()` seconds (re-read as it waits).
    private func receive(timeout: () -> Double) throws -> WorkerReply {
        let fd = output.fileHandleForReading.fileDescriptor
        let start = Date()
        while true {
            let payload: [UInt8]?
            do { payload = try buffer.nextPayload() } catch { throw Failure(description: "unreadable reply: \(error)") }
            if let payload {
                do { return try payload.withUnsafeBytes { try WorkerReply(payload: $0) } } catch {
                    throw Failure(description: "unreadable reply: \(error)")
                }
            }
            let limit = timeout(), remaining = limit - Date().timeIntervalSince(start)
            guard remaining > 0 else {
                throw Failure(description: String(format: "no reply within %.3g s (hung or stopped)", limit))
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, min(remaining, 1) * 1000)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "the worker exited (status \(process.isRunning ? -1 : process.terminationStatus))") }
            chunk.withUnsafeBytes { buffer.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? input.fileHandleForWriting.close()
    }
}
