import Foundation
import Ngspice
import Testing
import TestSupport

/// The worker protocol's frames: every message round-trips exactly (Doubles bit for bit),
/// hostile payloads are refused without a trap, and a real worker process answers a
/// malformed request with a refusal and stops at a frame it cannot skip.
@Suite(.serialized) struct WorkerProtocolTests {
    static let requests: [WorkerRequest] = [
        WorkerRequest(id: 1, deckID: "d", deck: "* title\nR1 a 0 1k\n.end", analysis: .sweep(sources: ["v1", "i2"], values: [[0.1, -0.0], [1e-300, 3]]), nodes: ["h1_0", "o_1"]),
        WorkerRequest(id: 2, deckID: "d", deck: nil, analysis: .operatingPoint(sources: ["v1"], values: [0.5]), nodes: []),
        WorkerRequest(id: .max, deckID: "é", deck: "", analysis: .operatingPointIterations, nodes: ["a"]),
        WorkerRequest(id: 4, deckID: "", deck: nil, analysis: .transient(step: 1e-12, stop: 5e-9), nodes: ["a", "b"]),
    ]
    static let replies: [WorkerReply] = [
        WorkerReply(id: 1, outcome: .points([[0.1, 0.2], [], [.pi]], seconds: 0.25)),
        WorkerReply(id: 2, outcome: .iterations(voltages: [1, 2], newton: 17, seconds: 1e-3)),
        WorkerReply(id: 3, outcome: .transient(time: [0, 1e-12], voltages: [[0, 0.5], [1, 0.25]], seconds: 2)),
        WorkerReply(id: 4, outcome: .needDeck),
        WorkerReply(id: 5, outcome: .failed(.analysis, message: "ngspice 'dc' failed:\n  timestep too small")),
    ]

    static func payload(_ frame: [UInt8]) -> [UInt8] { Array(frame.dropFirst(4)) }

    @Test func messagesRoundTripExactly() throws {
        for r in Self.requests {
            let frame = try r.frame()
            #expect(Int(frame[0]) | Int(frame[1]) << 8 | Int(frame[2]) << 16 | Int(frame[3]) << 24 == frame.count - 4)
            #expect(try Self.payload(frame).withUnsafeBytes { try WorkerRequest(payload: $0) } == r)
        }
        for r in Self.replies {
            #expect(try Self.payload(try r.frame()).withUnsafeBytes { try WorkerReply(payload: $0) } == r)
        }
    }

    /// Truncations, bit flips, overwritten counts: each mutant decodes or throws, never traps
    /// (a trap kills the test process), and a truncated payload never decodes.
    @Test func hostilePayloadsAreRefused() throws {
        var fuzz = MutationFuzzer(seed: 41)
        let seeds = try Self.requests.map { Self.payload(try $0.frame()) } + Self.replies.map { Self.payload(try $0.frame()) }
        var refused = 0
        for i in 0..<20_000 {
            let mutant = [UInt8](fuzz.mutate(Data(seeds[i % seeds.count])))
            let request = try? mutant.withUnsafeBytes { try WorkerRequest(payload: $0) }
            let reply = try? mutant.withUnsafeBytes { try WorkerReply(payload: $0) }
            if request == nil && reply == nil { refused += 1 }
        }
        #expect(refused > 10_000)
        for seed in seeds {
            for cut in 0..<seed.count {
                let prefix = Array(seed[..<cut])
                #expect((try? prefix.withUnsafeBytes { try WorkerRequest(payload: $0) }) == nil)
                #expect((try? prefix.withUnsafeBytes { try WorkerReply(payload: $0) }) == nil)
            }
        }
    }

    /// The real worker: a frame whose payload is not a request gets a `malformedRequest`
    /// refusal and the worker reads on; a length beyond the limit cannot be skipped, so the
    /// worker refuses it and exits with status 2.
    @Test(.timeLimit(.minutes(5))) func workerRefusesMalformedFrames() throws {
        let process = Process()
        process.executableURL = NgspiceTestSupport.executable
        process.arguments = ["ngspice-worker"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        func readReply() throws -> WorkerReply {
            let header = [UInt8](output.fileHandleForReading.readData(ofLength: 4))
            try #require(header.count == 4)
            let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
            let payload = [UInt8](output.fileHandleForReading.readData(ofLength: length))
            return try payload.withUnsafeBytes { try WorkerReply(payload: $0) }
        }
        input.fileHandleForWriting.write(Data([3, 0, 0, 0, 1, 2, 3]))
        let refused = try readReply()
        guard case .failed(.malformedRequest, let message) = refused.outcome else { Issue.record("\(refused)"); return }
        #expect(refused.id == 0 && message.hasPrefix("malformed request"), "\(message)")
        // Still reading: a request for a deck it does not hold asks for the deck.
        input.fileHandleForWriting.write(Data(try WorkerRequest(id: 9, deckID: "x", deck: nil, analysis: .operatingPointIterations, nodes: []).frame()))
        #expect(try readReply() == WorkerReply(id: 9, outcome: .needDeck))
        input.fileHandleForWriting.write(Data([0xFF, 0xFF, 0xFF, 0x7F]))
        guard case .failed(.malformedRequest, _) = try readReply().outcome else { Issue.record("no refusal of an oversized frame"); return }
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
    }
}
