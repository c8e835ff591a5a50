import Circuit
import EqProp
import Foundation
import Numerics
import Testing

/// The update schemes and device responses of `hardware/README.md`, checked against their
/// defining equations: expectations over many programming events, exact conservation where the
/// scheme promises it, the closed form of soft bounds against pulse-by-pulse iteration, and
/// chips that are pure functions of their seed.
@Suite struct DeviceProgrammingTests {
    static func preset(_ scheme: UpdateScheme, levels: Int = 64, edit: (inout DeviceModel) -> Void = { _ in }) throws -> HardwarePreset {
        var p = try TestSupport.preset("memristive")
        p.wireResistance = 0
        p.conductanceLevels = levels
        p.device.updateScheme = scheme
        edit(&p.device)
        try p.validate()
        return p
    }

    /// Mean programmed change over `events` independent events for one request.
    static func meanChange(_ p: HardwarePreset, from g: Double, by delta: Double, events: Int = 40_000) -> (mean: Double, sd: Double) {
        var sum = 0.0, squares = 0.0
        var tally = ProgrammingTally()
        for e in 0..<events {
            var a = 0.0
            let d = p.programCell(g, by: delta, key: CounterRandom.key(7, UInt64(e)), accumulator: &a, tally: &tally) - g
            sum += d
            squares += d * d
        }
        let mean = sum / Double(events)
        return (mean, (squares / Double(events) - mean * mean).squareRoot())
    }

    @Test func roundingLosesStepsBelowHalfALevel() throws {
        let p = try Self.preset(.round)
        let g = p.conductanceMin + 10 * p.levelStep
        var a = 0.0, tally = ProgrammingTally()
        #expect(p.programCell(g, by: 0.4 * p.levelStep, key: 1, accumulator: &a, tally: &tally) == g)
        #expect(tally == { var t = ProgrammingTally(); t.requested = 1; t.lost = 1; return t }())
    }

    /// E[ΔG] = requested ΔG within 5 standard errors, for steps of a fraction of a level and
    /// of several levels.
    @Test(arguments: [UpdateScheme.stochastic, .pulsed], [0.03, 0.37, 2.6])
    func stochasticSchemesAreUnbiased(scheme: UpdateScheme, levels fraction: Double) throws {
        let p = try Self.preset(scheme)
        let g = p.conductanceMin + 20 * p.levelStep, delta = fraction * p.levelStep
        for sign in [1.0, -1.0] {
            let (mean, sd) = Self.meanChange(p, from: g, by: sign * delta)
            #expect(abs(mean - sign * delta) <= 5 * sd / 200 + 1e-9 * delta, "mean \(mean) vs \(sign * delta) (sd \(sd))")
        }
    }

    /// Mixed precision keeps every request: programmed change + accumulator = Σ requests, and
    /// the accumulator stays within one level (away from the window's ends, where a clip
    /// would lose part of a step: the walk below stays within ±15 levels of level 32).
    @Test func mixedPrecisionConservesEveryRequest() throws {
        let p = try Self.preset(.mixedPrecision, levels: 64)
        var rng = SeededGenerator(seed: 4)
        var g = p.conductanceMin + 32 * p.levelStep, a = 0.0, requested = 0.0
        let start = g
        var tally = ProgrammingTally()
        for e in 0..<5_000 {
            let delta = (rng.nextUnit() - 0.5) * 0.2 * p.levelStep
            requested += delta
            g = p.programCell(g, by: delta, key: UInt64(e), accumulator: &a, tally: &tally)
            #expect(abs(a) < p.levelStep * (1 + 1e-12))
        }
        #expect(abs((g - start) + a - requested) <= 1e-9 * p.levelStep, "\(g - start) + \(a) vs \(requested)")
        #expect(tally.lost == 0 && tally.requested > 0)
    }

    /// Program-and-verify: on a soft-bounded, asymmetric, noisy device near G_min, a walk of
    /// zero-mean requests leaves plain mixed precision drifting toward mid-window (each down
    /// pulse moves (G − G_min)/(G_max − G_min) of an up pulse), while the verified cell holds its
    /// target: read-back + accumulator = the clipped sum of the requests, exactly without read
    /// noise, and the cell within a few pulse steps of it.
    @Test func programVerifyHoldsTheTargetThatSoftBoundsDriftFrom() throws {
        func walk(verify: Bool) throws -> (drift: Double, held: Double) {
            let p = try Self.preset(.mixedPrecision, levels: 0) { d in
                d.softBounds = true; d.upDownAsymmetry = 0.2; d.pulseStepFraction = 0.002; d.writeNoise = 0.5; d.programVerify = verify
            }
            let range = p.conductanceMax - p.conductanceMin
            var rng = SeededGenerator(seed: 9)
            let start = p.conductanceMin + 0.05 * range
            var g = start, a = 0.0, target = start, tally = ProgrammingTally()
            for e in 0..<20_000 {
                let delta = (rng.nextUnit() - 0.5) * 6 * p.pulseStep
                target = min(max(target + delta, p.conductanceMin), p.conductanceMax)
                g = p.programCell(g, by: delta, key: UInt64(e), accumulator: &a, tally: &tally)
            }
            return ((g - target) / p.pulseStep, (g + a - target) / p.pulseStep)
        }
        let plain = try walk(verify: false), verified = try walk(verify: true)
        #expect(plain.drift > 50, "plain mixed precision drifted \(plain.drift) pulse steps")
        #expect(abs(verified.drift) < 5, "verified cell \(verified.drift) pulse steps from its target")
        #expect(abs(verified.held) < 1e-6, "read-back + accumulator is \(verified.held) steps off the target")
    }

    /// n pulses at once (the closed form) land where n single pulses do, up and down.
    @Test func softBoundsClosedFormMatchesSinglePulses() throws {
        let p = try Self.preset(.pulsed, levels: 0) { d in d.softBounds = true; d.upDownAsymmetry = 0.2; d.pulseStepFraction = 0.01 }
        for upward in [true, false] {
            let g0 = p.conductanceMin + 0.3 * (p.conductanceMax - p.conductanceMin)
            let step = (upward ? 1.0 : -1.0) * p.pulseStep
            var single = g0, a = 0.0, tally = ProgrammingTally()
            // Exactly one pulse per request: |ΔG| = Δp.
            for e in 0..<25 { single = p.programCell(single, by: step, key: UInt64(e), accumulator: &a, tally: &tally) }
            let many = p.programCell(g0, by: 25 * step, key: 99, accumulator: &a, tally: &tally)
            #expect(abs(single - many) <= 1e-12 * p.conductanceMax, "\(single) vs \(many)")
            // The step shrinks toward the bound it approaches.
            let first = p.programCell(g0, by: step, key: 0, accumulator: &a, tally: &tally) - g0
            let nearBound = upward ? p.conductanceMax - 0.05 * p.pulseStep * 100 : p.conductanceMin + 0.05 * p.pulseStep * 100
            let late = p.programCell(nearBound, by: step, key: 0, accumulator: &a, tally: &tally) - nearBound
            #expect(abs(late) < abs(first))
            #expect(abs(first / p.pulseStep) > 0 && (upward ? first > 0 : first < 0))
        }
    }

    @Test func chipsArePureFunctionsOfTheirSeed() throws {
        let p = try Self.preset(.pulsed) { d in d.stepSpread = 0.3; d.boundSpread = 0.2; d.stuckAtMinFraction = 0.05; d.stuckAtMaxFraction = 0.02 }
        let shapes = [(rows: 200, columns: 50)]
        let a = try #require(DeviceChip(device: p.device, preset: p, crossbarShapes: shapes, layerSizes: [50]))
        let b = try #require(DeviceChip(device: p.device, preset: p, crossbarShapes: shapes, layerSizes: [50]))
        var other = p.device
        other.chipSeed = 2
        let c = try #require(DeviceChip(device: other, preset: p, crossbarShapes: shapes, layerSizes: [50]))
        #expect(a.crossbars[0].stepScale == b.crossbars[0].stepScale && a.crossbars[0].stuck == b.crossbars[0].stuck)
        #expect(a.crossbars[0].stepScale != c.crossbars[0].stepScale)
        let cells = a.crossbars[0]
        let stuckMin = cells.stuck.filter { $0 == 1 }.count, stuckMax = cells.stuck.filter { $0 == 2 }.count
        #expect(abs(Double(stuckMin) / 10_000 - 0.05) < 0.01 && abs(Double(stuckMax) / 10_000 - 0.02) < 0.006)
        let mean = cells.stepScale.reduce(0) { $0 + Double($1) } / 10_000
        let sd = (cells.stepScale.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / 10_000).squareRoot()
        #expect(abs(mean - 1) < 0.02 && abs(sd - 0.3) < 0.02, "step scale mean \(mean), sd \(sd)")
        #expect(zip(cells.minimum, cells.maximum).allSatisfy { $0 > 0 && $1 > $0 })
        #expect(DeviceChip(device: DeviceModel(), preset: p, crossbarShapes: shapes, layerSizes: [50]) == nil)
    }

    /// A training step on a chip: stuck cells keep their value, every other cell stays in its
    /// own window, the result does not depend on how the columns were split over the cores
    /// (the same step on a column-permuted copy would differ; instead, the step is repeated and
    /// must give the same bits), and read noise leaves the stored conductances alone.
    @Test func trainingStepOnAChip() throws {
        let p = try Self.preset(.pulsed, levels: 0) { d in
            d.pulseStepFraction = 0.001; d.stepSpread = 0.3; d.boundSpread = 0.2; d.writeNoise = 1
            d.stuckAtMinFraction = 0.02; d.stuckAtMaxFraction = 0.02; d.softBounds = true; d.readNoise = 0.03
        }
        var rng = SeededGenerator(seed: 9)
        let c = ResistiveCircuit(network: ResistiveNetwork(architecture: [784, 40, 10], preset: p, conductanceScale: 2e-3, rng: &rng), preset: p)
        let chip = try #require(c.devices.chip)
        // Stuck cells sit at their stuck value from the start.
        let cells = chip.crossbars[0], g0 = c.network.conductances[0].elements
        for k in g0.indices where cells.stuck[k] != 0 {
            #expect(g0[k] == (cells.stuck[k] == 1 ? cells.minimum[k] : cells.maximum[k]))
        }
        let batch = 3
        let u = CircuitConditions.inputVoltages(pixels: CrossbarKernelsTests.pixels(batch: batch, count: 784, seed: 2), gain: p.inputGain)
        func state(_ seed: UInt64) -> [DoubleMatrix] { CrossbarKernelsTests.state(c, batch: batch, seed: seed) }
        let step = EquilibriumPropagationStep(learningRates: [1e-8, 1e-8], biasLearningRates: [1e-8, 1e-8])
        var first = c, second = c
        let t1 = first.applyEquilibriumPropagation(step, inputVoltages: u, first: state(3), second: state(4), betaDifference: 2e-4, programmingKey: 5)
        let t2 = second.applyEquilibriumPropagation(step, inputVoltages: u, first: state(3), second: state(4), betaDifference: 2e-4, programmingKey: 5)
        #expect(first.network == second.network && t1 == t2)
        let g1 = first.network.conductances[0].elements
        var moved = 0
        for k in g1.indices {
            if cells.stuck[k] != 0 { #expect(g1[k] == g0[k]) }
            #expect(g1[k] >= cells.minimum[k] && g1[k] <= cells.maximum[k])
            if g1[k] != g0[k] { moved += 1 }
        }
        #expect(moved > g1.count / 10, "only \(moved) cells moved")
        #expect(t1.requested > 0 && t1.lost >= cells.stuck.filter { $0 != 0 }.count / 2)
        // Read noise: a fresh circuit per key, the stored one untouched.
        let r1 = first.read(key: 1), r2 = first.read(key: 2)
        #expect(r1.network != first.network && r1.network != r2.network && first.network.conductances[0].elements == g1)
        let ratio = zip(r1.network.conductances[0].elements, g1).map { $0 / $1 - 1 }
        let sd = (ratio.reduce(0) { $0 + $1 * $1 } / Double(ratio.count)).squareRoot()
        #expect(abs(sd - 0.03) < 0.003, "read noise sd \(sd)")
    }

    /// `conductance_unit_siemens` rests on this: multiplying every conductance of a circuit
    /// (crossbars and bias conductances) by c leaves its fixed point where it was, to the
    /// solver's tolerance. The preset's window is widened so that no cell is clipped.
    @Test(arguments: [5.0, 0.2])
    func fixedPointIgnoresAConductanceScale(_ c: Double) throws {
        var p = try TestSupport.preset("ideal")
        p.conductanceMin = 1e-12
        p.conductanceMax = 1
        var rng = SeededGenerator(seed: 11)
        let net = ResistiveNetwork(architecture: [12, 8, 4], preset: p, conductanceScale: 1e-4, rng: &rng)
        var scaled = net
        scaled.conductances = net.conductances.map { g in var g = g; g.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] *= c } }; return g }
        scaled.biasToPositiveRail = net.biasToPositiveRail.map { $0.map { $0 * c } }
        scaled.biasToNegativeRail = net.biasToNegativeRail.map { $0.map { $0 * c } }
        var pixels = [[Double]]()
        for _ in 0..<3 { pixels.append((0..<12).map { _ in rng.nextUnit() }) }
        var states: [[DoubleMatrix]] = []
        for n in [net, scaled] {
            let circuit = ResistiveCircuit(network: n, preset: p)
            var s = [DoubleMatrix(rows: 3, columns: 8), DoubleMatrix(rows: 3, columns: 4)]
            #expect(CircuitSolver(diodeModel: .ideal, tolerance: 1e-14).relax(circuit, conditions: TestSupport.conditions(circuit, pixels: pixels), state: &s).converged)
            states.append(s)
        }
        var worst = 0.0
        for l in 0..<2 { for k in 0..<states[0][l].count { worst = max(worst, abs(states[0][l].elements[k] - states[1][l].elements[k])) } }
        #expect(worst < 1e-12, "largest difference \(worst) V")
    }

    @Test func conductanceUnitIsReadAndChecked() throws {
        let data = try Data(contentsOf: TestSupport.root.appendingPathComponent("hardware/rram.json"))
        #expect(try HardwarePreset(json: data, path: "rram.json").conductanceUnit == 5e-4)
        #expect(try TestSupport.preset("ideal").conductanceUnit == nil)
        for bad: Any in [0, -1e-4, 2, "big"] {
            var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            object["conductance_unit_siemens"] = bad
            do {
                _ = try HardwarePreset(json: try JSONSerialization.data(withJSONObject: object), path: "chip.json")
                Issue.record("accepted \(bad)")
            } catch let e as PresetError {
                #expect(e.description.contains("conductance_unit_siemens"), "\(e)")
            }
        }
    }

    @Test func badDeviceSectionsAreNamed() throws {
        let data = try Data(contentsOf: TestSupport.root.appendingPathComponent("hardware/ideal.json"))
        let cases: [([String: Any], String)] = [
            (["update_scheme": "magic"], "unknown scheme"),
            (["update_scheme": "pulsed"], "pulse_step_fraction"),
            (["update_scheme": "round", "step_spread": -0.1], "device.step_spread"),
            (["update_scheme": "round", "read_noise": 0.9], "device.read_noise"),
            (["update_scheme": "round", "stuck_at_min_fraction": 0.7, "stuck_at_max_fraction": 0.6], "must not exceed 1"),
            (["update_scheme": "round", "stuck_at_max_fraction": 1.5], "device.stuck_at_max_fraction"),
            (["update_scheme": "round", "colour": 1], "unknown field 'device.colour'"),
            (["step_spread": 0.1], "device.update_scheme"),
            (["update_scheme": "round", "chip_seed": -1], "device.chip_seed"),
            (["update_scheme": "round", "diode_emission_coefficient_spread": -0.1], "device.diode_emission_coefficient_spread"),
            (["update_scheme": "round", "diode_saturation_current_spread": 6.0], "device.diode_saturation_current_spread"),
            (["update_scheme": "round", "diode_saturation_current_spread": 0.5], "describe Shockley diodes"),
        ]
        for (device, expected) in cases {
            var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            object["device"] = device
            do {
                _ = try HardwarePreset(json: try JSONSerialization.data(withJSONObject: object), path: "chip.json")
                Issue.record("accepted \(device)")
            } catch let e as PresetError {
                #expect(e.description.contains(expected), "\(e)")
            }
        }
    }
}

extension DeviceChip: Equatable {
    public static func == (a: DeviceChip, b: DeviceChip) -> Bool {
        zip(a.crossbars, b.crossbars).allSatisfy { $0.stepScale == $1.stepScale && $0.stuck == $1.stuck && $0.minimum == $1.minimum } && a.diodes == b.diodes
    }
}
