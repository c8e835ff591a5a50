import Foundation

/// The loop of an ngspice worker process (`eqprop ngspice-worker`): reads `WorkerRequest`
/// frames on standard input, answers each with a `WorkerReply` frame on standard output,
/// until standard input ends (status 0). Exits with status 3 after ngspice asked to quit, 2
/// when the input stream cannot be read further (a frame beyond the size limit, a stream cut
/// within a frame, or standard output closed).
public enum NgspiceWorker {
    public static func run() -> Int32 {
        var input = WorkerWire.FrameBuffer()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var loadedDeck: String?
        while true {
            let payload: [UInt8]
            do {
                guard let next = try input.nextPayload() else {
                    let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return input.hasPartialFrame ? 2 : 0 }
                    chunk.withUnsafeBytes { input.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    continue
                }
                payload = next
            } catch {
                _ = reply(WorkerReply(id: 0, outcome: .failed(.malformedRequest, message: "\(error)")))
                return 2
            }
            let request: WorkerRequest
            do { request = try payload.withUnsafeBytes { try WorkerRequest(payload: $0) } } catch {
                guard reply(WorkerReply(id: 0, outcome: .failed(.malformedRequest, message: "malformed request: \(error)"))) else { return 2 }
                continue
            }
            FaultInjection.check()
            let (outcome, dead) = answer(request, loadedDeck: &loadedDeck)
            guard reply(WorkerReply(id: request.id, outcome: outcome)) else { return 2 }
            if dead { return 3 }
        }
    }

    /// Runs one request on this process's engine; `dead` when ngspice asked to exit.
    private static func answer(_ request: WorkerRequest, loadedDeck: inout String?) -> (WorkerReply.Outcome, dead: Bool) {
        let start = DispatchTime.now().uptimeNanoseconds
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
        do {
            let engine = try NgspiceEngine.shared()
            if loadedDeck != request.deckID {
                guard let deck = request.deck else { return (.needDeck, false) }
                loadedDeck = nil
                try engine.load(text: deck)
                loadedDeck = request.deckID
            }
            switch request.analysis {
            case let .sweep(sources, values):
                let v = try engine.sweep(sources: sources, values: values, nodes: request.nodes)
                return (.points(v, seconds: seconds()), false)
            case let .operatingPoint(sources, values):
                // A source named twice takes its last value.
                let external = Dictionary(zip(sources, values), uniquingKeysWith: { $1 })
                let v = try engine.operatingPoint(external: external, nodes: request.nodes)
                return (.points([v], seconds: seconds()), false)
            case .operatingPointIterations:
                let v = try engine.operatingPoint(nodes: request.nodes)
                let n = try engine.newtonIterations()
                return (.iterations(voltages: v, newton: n, seconds: seconds()), false)
            case let .transient(step, stop):
                let result = try engine.transient(step: step, stop: stop, nodes: request.nodes)
                return (.transient(time: result.time, voltages: result.voltages, seconds: seconds()), false)
            }
        } catch {
            let dead = (try? NgspiceEngine.shared().isDead) ?? true
            let kind: WorkerReply.Failure
            if dead { kind = .engineQuit } else if case NgspiceError.analysis = error { kind = .analysis } else { kind = .worker }
            return (.failed(kind, message: "\(error)"), dead)
        }
    }

    /// Writes one reply frame to standard output; false when it cannot (the pool is gone).
    private static func reply(_ r: WorkerReply) -> Bool {
        let frame: [UInt8]
        do { frame = try r.frame() } catch {
            // Only a reply beyond the size limit fails to encode: say so instead.
            return reply(WorkerReply(id: r.id, outcome: .failed(.worker, message: "the reply does not fit in a message: \(error)")))
        }
        return frame.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count {
                let n = write(1, p.baseAddress! + offset, p.count - offset)
                if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return false }
            }
            return true
        }
    }
}

/// Test hooks: a worker crashes (or hangs) at its next request when the file named by
/// `EQPROP_WORKER_CRASH_FILE` (or `EQPROP_WORKER_HANG_FILE`) exists, deleting it first, so
/// that the pool's recovery is exercised with a real dead or stuck process.
enum FaultInjection {
    static func check() {
        let env = ProcessInfo.processInfo.environment
        // SIGKILL, as the OOM killer would: the process dies at once, without the Swift
        // runtime's crash report filling the test log.
        if let path = env["EQPROP_WORKER_CRASH_FILE"], unlink(path) == 0 { kill(getpid(), SIGKILL) }
        if let path = env["EQPROP_WORKER_HANG_FILE"], unlink(path) == 0 { while true { sleep(60) } }
    }
}
