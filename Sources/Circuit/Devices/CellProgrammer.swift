import Foundation

/// How many cells a programming pass asked to move, and how many of those did not move
/// (rounded away, stuck, or at a bound).
public struct ProgrammingTally: Sendable, Equatable {
    public var requested = 0
    public var lost = 0
    public init() {}
    public mutating func add(_ t: ProgrammingTally) { requested += t.requested; lost += t.lost }
    /// lost / requested (0 when nothing was requested).
    public var lostFraction: Double { requested > 0 ? Double(lost) / Double(requested) : 0 }
}

/// Programs one crossbar's (or one layer's bias) cells for one minibatch: turns each requested
/// change ΔG into the conductance the device ends at, by the preset's update scheme and device
/// response (`UpdateScheme`, `DeviceModel`; equations in `hardware/README.md`).
///
/// Random draws come from `CounterRandom` keyed by (event, cell), so the result does not depend
/// on how the cells are split over the cores, and a resumed run draws the same numbers.
/// Counts requested and lost updates. A request is lost when the cell cannot follow it even in
/// expectation: it is stuck, or it sits at the bound the step pushes it against, or (`round`
/// only) the step was rounded away. A stochastic scheme that leaves a cell unchanged this time
/// has not lost the update (its expected change is the requested one), nor has mixed precision,
/// whose accumulator keeps it.
struct CellProgrammer {
    let scheme: UpdateScheme
    let globalMin: Double, globalMax: Double
    let levelStep: Double, pulseStep: Double
    let softBounds: Bool
    let up: Double, down: Double
    let writeNoise: Double
    /// Mixed precision with program-and-verify (`DeviceModel.programVerify`), and the read
    /// noise of its verifying read.
    let programVerify: Bool
    let readNoise: Double
    /// The chip's per-cell values (nil: nominal cells), valid for the programmer's lifetime:
    /// raw pointers, so the per-cell path retains nothing.
    let stepScale: UnsafePointer<Float>?
    let minimum: UnsafePointer<Double>?, maximum: UnsafePointer<Double>?
    let stuck: UnsafePointer<UInt8>?
    /// Key of this programming event (seed, minibatch, crossbar).
    let key: UInt64

    /// Runs `body` with a programmer for `cells` (nil: nominal devices).
    static func with<R>(preset: HardwarePreset, cells: DeviceChip.Cells?, key: UInt64, _ body: (CellProgrammer) -> R) -> R {
        let c = cells ?? DeviceChip.Cells(stepScale: [], minimum: [], maximum: [], stuck: [])
        return c.stepScale.withUnsafeBufferPointer { scale in
            c.minimum.withUnsafeBufferPointer { lo in
                c.maximum.withUnsafeBufferPointer { hi in
                    c.stuck.withUnsafeBufferPointer { stuck in
                        body(CellProgrammer(preset: preset, key: key,
                                            stepScale: scale.isEmpty ? nil : scale.baseAddress, minimum: lo.isEmpty ? nil : lo.baseAddress,
                                            maximum: hi.isEmpty ? nil : hi.baseAddress, stuck: stuck.isEmpty ? nil : stuck.baseAddress))
                    }
                }
            }
        }
    }

    private init(preset: HardwarePreset, key: UInt64, stepScale: UnsafePointer<Float>?, minimum: UnsafePointer<Double>?,
                 maximum: UnsafePointer<Double>?, stuck: UnsafePointer<UInt8>?) {
        let d = preset.device
        scheme = d.updateScheme
        globalMin = preset.conductanceMin
        globalMax = preset.conductanceMax
        levelStep = preset.levelStep
        pulseStep = preset.pulseStep
        softBounds = d.softBounds
        up = 1 + d.upDownAsymmetry
        down = 1 - d.upDownAsymmetry
        writeNoise = d.writeNoise
        programVerify = d.programVerify
        readNoise = d.readNoise
        self.stepScale = stepScale
        self.minimum = minimum
        self.maximum = maximum
        self.stuck = stuck
        self.key = key
    }

    /// The new conductance of cell `k` at `g` asked to change by `delta`, S. `accumulator`
    /// points at the cell's full-precision accumulator (mixed precision only).
    @inline(__always)
    func program(_ g: Double, _ delta: Double, cell k: Int, accumulator: UnsafeMutablePointer<Double>?,
                 tally: inout ProgrammingTally) -> Double {
        let isStuck = stuck.map { $0[k] != 0 } ?? false
        if isStuck && scheme != .mixedPrecision {
            if delta != 0 { tally.requested += 1; tally.lost += 1 }
            return g
        }
        var lo = globalMin, hi = globalMax
        if let minimum, let maximum { lo = minimum[k]; hi = maximum[k] }
        let stepScale = stepScale.map { Double($0[k]) } ?? 1
        switch scheme {
        case .round, .stochastic:
            guard delta != 0 else { return g }
            tally.requested += 1
            var t = min(max(g + delta, lo), hi)
            if t == g { tally.lost += 1; return g }
            if levelStep > 0 {
                let f = (t - globalMin) / levelStep
                let level: Double
                if scheme == .round {
                    level = f.rounded()
                } else {
                    // ⌊f⌋ by truncation (|f| < 2⁶³): `rounded(.down)` is a libm call here.
                    var below = Double(Int(f))
                    if below > f { below -= 1 }
                    level = below + (CounterRandom.unit(key, 2 &* k) < f - below ? 1 : 0)
                }
                t = globalMin + level * levelStep
                // On a nominal window the grid's ends are G_min and G_max (as `programmable`);
                // a cell with its own window is clipped to it.
                if minimum != nil { t = min(max(t, lo), hi) }
            }
            if writeNoise > 0 && t != g {
                t = min(max(t + writeNoise * max(levelStep, pulseStep) * CounterRandom.normal(key, 2 &* k &+ 1), lo), hi)
            }
            if scheme == .round && t == g { tally.lost += 1 }
            return t
        case .pulsed:
            guard delta != 0 else { return g }
            tally.requested += 1
            if delta > 0 ? g >= hi : g <= lo { tally.lost += 1; return g }
            let expected = abs(delta) / pulseStep
            let whole = Double(Int(min(expected, 0x1p52)))
            let n = whole + (CounterRandom.unit(key, 2 &* k) < expected - whole ? 1 : 0)
            return n == 0 ? g : pulses(g, n, upward: delta > 0, lo, hi, stepScale, k)
        case .mixedPrecision:
            guard let a = accumulator else { return g }
            let total = a.pointee + delta
            let n = Double(Int(max(min(total / pulseStep, 0x1p52), -0x1p52)))
            guard n != 0 else { a.pointee = total; return g }
            tally.requested += 1
            let blocked = isStuck || (n > 0 ? g >= hi : g <= lo)
            if blocked { tally.lost += 1 }
            let t = blocked ? g : pulses(g, abs(n), upward: n > 0, lo, hi, stepScale, k)
            if programVerify {
                // What is still missing to the target (inside the cell's window), as read back.
                let read = readNoise > 0 ? t * (1 + readNoise * CounterRandom.normal(key ^ Self.verifyReadKey, k)) : t
                a.pointee = min(max(g + total, lo), hi) - read
            } else {
                a.pointee = total - n * pulseStep
            }
            return t
        }
    }

    /// Distinguishes a verifying read's noise from the write noise of the same event and cell.
    static let verifyReadKey: UInt64 = 0x5645_5249_4659_5244

    /// n pulses (n ≥ 1) in one direction through the device response, then write noise and the
    /// cell's window. With soft bounds one pulse multiplies the distance to the bound it moves
    /// toward by (1 − κ), κ = Δp·s·(1 ± a)/(G_max − G_min), so n pulses in closed form:
    /// G_max − G' = (G_max − G)(1 − κ)ⁿ going up, G' − G_min = (G − G_min)(1 − κ)ⁿ going down.
    @inline(__always)
    func pulses(_ g: Double, _ n: Double, upward: Bool, _ lo: Double, _ hi: Double, _ stepScale: Double, _ k: Int) -> Double {
        let step = pulseStep * stepScale * (upward ? up : down)
        var t: Double
        if softBounds {
            let kappa = min(step / (hi - lo), 1)
            let keep = pow(1 - kappa, n)
            t = upward ? hi - max(hi - g, 0) * keep : lo + max(g - lo, 0) * keep
        } else {
            t = upward ? g + n * step : g - n * step
        }
        if writeNoise > 0 { t += writeNoise * pulseStep * n.squareRoot() * CounterRandom.normal(key, 2 &* k &+ 1) }
        return min(max(t, lo), hi)
    }
}

extension HardwarePreset {
    /// One nominal cell programmed on its own, as a training step programs every cell: the
    /// conductance a cell at `g` (S) ends at when asked to change by `delta` (S) in programming
    /// event `key` (cell index `cell` within it). `accumulator` is the cell's mixed-precision
    /// accumulator (S; untouched by other schemes).
    public func programCell(_ g: Double, by delta: Double, cell: Int = 0, key: UInt64,
                            accumulator: inout Double, tally: inout ProgrammingTally) -> Double {
        CellProgrammer.with(preset: self, cells: nil, key: key) { p in
            withUnsafeMutablePointer(to: &accumulator) { a in p.program(g, delta, cell: cell, accumulator: a, tally: &tally) }
        }
    }
}
