import Circuit
import Foundation
import Ngspice

extension NetlistJob {
    /// With `verify` or `raw`: runs the deck (the one at `out` when `existing`) in `ngspice -b`
    /// and returns the comparison with the Swift solver (`verify`) and, for a transient kept in
    /// `raw`, its settling time and energy within `band` of the Swift fixed point.
    func runInNgspice(request: inout DeckRequest, result: DeckRequest.Result, fixedPoint: [Double],
                      power: SourcePower) throws -> (DeckVerification?, TransientSettling?) {
        guard verify || raw != nil else { return (nil, nil) }
        let circuit = request.circuit
        let (batch, waveforms) = try runDeck(existing ? try String(contentsOf: out, encoding: .utf8) : result.deck, request: request)
        var verification: DeckVerification?
        if verify {
            verification = DeckVerification(batch: batch, circuit: circuit, swiftVoltages: result.swiftVoltages,
                                            swiftPower: power.total, tolerance: tolerance)
        } else if batch.exitStatus != 0 || !batch.errorLines.isEmpty {
            throw CircuitError("ngspice -b failed on \(out.path) (exit status \(batch.exitStatus)): \(batch.errorLines.prefix(3).joined(separator: "; "))")
        }
        let free = circuit.names.freeNodes
        guard let waveforms, analysis == .tran, let time = waveforms.vector("time") else { return (verification, nil) }
        let trajectory = free.compactMap { waveforms.vector($0) }
        guard trajectory.count == free.count else { return (verification, nil) }
        return (verification, circuit.settling(time: time, trajectory: trajectory, fixedPoint: fixedPoint,
                                               conditions: result.conditions, band: band))
    }

    /// Runs `deck` with `ngspice -b` in a fresh folder (next to `raw`, so that the waveforms
    /// are renamed into place whole, or in the temporary folder), and returns what it printed
    /// and, with `raw`, the waveforms it wrote (then at `raw`).
    func runDeck(_ deck: String, request: DeckRequest) throws -> (NgspiceBatch, SpiceRawFile?) {
        let base = raw?.deletingLastPathComponent() ?? FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent(".eqprop-ngspice-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = deck
        let rawName = "waveforms.raw"
        if raw != nil {
            // The same deck with `set filetype=ascii` + `write waveforms.raw` after the analysis.
            var withRaw = request
            withRaw.options.rawFile = rawName
            text = try withRaw.build().deck
        }
        let deckURL = dir.appendingPathComponent("deck.cir")
        try text.write(to: deckURL, atomically: false, encoding: .utf8)
        let batch = try NgspiceBatch.run(deck: deckURL, in: dir)
        guard let raw else { return (batch, nil) }
        let produced = dir.appendingPathComponent(rawName)
        guard batch.exitStatus == 0, FileManager.default.fileExists(atPath: produced.path) else {
            throw CircuitError("--raw: ngspice wrote no waveforms (exit status \(batch.exitStatus)): \(batch.errorLines.prefix(3).joined(separator: "; "))")
        }
        let waveforms = try SpiceRawFile(ascii: String(contentsOf: produced, encoding: .utf8))
        guard rename(produced.path, raw.path) == 0 else {
            throw CircuitError("--raw \(raw.path): \(String(cString: strerror(errno)))")
        }
        return (batch, waveforms)
    }
}
