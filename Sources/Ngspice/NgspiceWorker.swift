import Foundation

/// The loop of an ngspice worker process (`eqprop ngspice-worker`): reads `WorkerRequest`
/// lines on standard input, answers `WorkerResponse` lines on standard output, until EOF.
public enum NgspiceWorker {
    public static func run() -> Int32 {
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        var loadedDeck: String?
        func reply(_ r: WorkerResponse) {
            var data = (try? encoder.encode(r)) ?? Data("{\"id\":\(r.id),\"ok\":false,\"error\":\"encoding\"}".utf8)
            data.append(0x0A)
            FileHandle.standardOutput.write(data)
        }
        while let line = readLine(strippingNewline: true) {
            if line.isEmpty { continue }
            guard let request = try? decoder.decode(WorkerRequest.self, from: Data(line.utf8)) else {
                reply(WorkerResponse(id: -1, ok: false, error: "malformed request"))
                continue
            }
            FaultInjection.check()
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                let engine = try NgspiceEngine.shared()
                if loadedDeck != request.deckID {
                    guard let deck = request.deck else {
                        reply(WorkerResponse(id: request.id, ok: false, needDeck: true))
                        continue
                    }
                    loadedDeck = nil
                    try engine.load(text: deck)
                    loadedDeck = request.deckID
                }
                let voltages: [[Double]]
                switch request.analysis {
                case "sweep":
                    voltages = try engine.sweep(sources: request.sources, values: request.values, nodes: request.nodes)
                case "op":
                    let external = Dictionary(uniqueKeysWithValues: zip(request.sources, request.values.first ?? []))
                    voltages = [try engine.operatingPoint(external: external, nodes: request.nodes)]
                case "op-iterations":
                    // The deck's own operating point (from its .nodeset, if any) and, as a second
                    // row, the Newton iterations it took (a freshly loaded deck: nothing else ran).
                    let v = try engine.operatingPoint(nodes: request.nodes)
                    voltages = [v, [Double(try engine.newtonIterations())]]
                case "tran":
                    // values[0] = [step, stop]; the reply's first row is the time axis, then one
                    // row per node.
                    guard let times = request.values.first, times.count == 2 else {
                        throw NgspiceError.worker("a transient needs values [[step, stop]]")
                    }
                    let result = try engine.transient(step: times[0], stop: times[1], nodes: request.nodes)
                    voltages = [result.time] + result.voltages
                default:
                    throw NgspiceError.worker("unknown analysis '\(request.analysis)'")
                }
                reply(WorkerResponse(id: request.id, ok: true, voltages: voltages,
                                     seconds: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9))
            } catch {
                let dead = (try? NgspiceEngine.shared().isDead) ?? true
                var response = WorkerResponse(id: request.id, ok: false, error: "\(error)", fatal: dead)
                if case NgspiceError.analysis = error { response.analysisFailed = true }
                reply(response)
                if dead { return 3 }
            }
        }
        return 0
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
