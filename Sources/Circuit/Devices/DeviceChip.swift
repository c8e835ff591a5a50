import Foundation
import Numerics

/// The per-cell facts of one chip: what makes each programmable device differ from the
/// nominal one of its preset (`DeviceModel`). Drawn once from the chip seed, for every
/// crossbar and for the bias conductances, so that a resumed run, an evaluation and a deck
/// written later all see the same devices.
///
/// Stored compactly (the 1,568 × 1,024 input crossbar of drn-1h has 1.6 M cells): the step
/// scale as Float, the bounds as Double only when they vary.
public struct DeviceChip: Sendable {
    /// The cells of one crossbar (or one layer's bias conductances), row-major.
    public struct Cells: Sendable {
        /// Each cell's steps are scaled by this (1 without step spread).
        public var stepScale: [Float]
        /// Each cell's own window, S (empty: the preset's).
        public var minimum: [Double]
        public var maximum: [Double]
        /// 0: programmable; 1: stuck at its G_min; 2: stuck at its G_max (empty: none stuck).
        public var stuck: [UInt8]

        @inlinable public func scale(_ k: Int) -> Double { stepScale.isEmpty ? 1 : Double(stepScale[k]) }
    }

    public var crossbars: [Cells]
    /// Bias conductances of each free layer: to the + rail then to the − rail (2·n_l cells).
    public var biases: [Cells]
    /// With diode mismatch, the clamp diodes of each free layer: node j's low-side (or only)
    /// diode at j, its high-side diode at n_l + j (empty: every diode is the preset's).
    public var diodes: [[DiodeModelCard]] = []

    /// The chip of `device` for crossbars of the given shapes (rows × columns) and free layers of
    /// the given sizes. Nil when the devices do not vary (every cell is the nominal one).
    public init?(device: DeviceModel, preset: HardwarePreset, crossbarShapes: [(rows: Int, columns: Int)], layerSizes: [Int]) {
        guard device.hasVariation else { return nil }
        let root = SeededGenerator(seed: device.chipSeed)
        func cells(_ count: Int, purpose: UInt64) -> Cells {
            var stream = root.stream(purpose)
            let key = CounterRandom.key(stream.next(), 0)
            var c = Cells(stepScale: [], minimum: [], maximum: [], stuck: [])
            if device.stepSpread > 0 {
                c.stepScale = (0..<count).map { k in Float(max(0, 1 + device.stepSpread * CounterRandom.normal(key, 4 &* k))) }
            }
            if device.boundSpread > 0 {
                let lo = preset.conductanceMin, hi = preset.conductanceMax, s = device.boundSpread
                c.minimum = (0..<count).map { k in lo * max(0.05, 1 + s * CounterRandom.normal(key, 4 &* k &+ 1)) }
                c.maximum = (0..<count).map { k in
                    let own: Double = hi * max(0.05, 1 + s * CounterRandom.normal(key, 4 &* k &+ 2))
                    let floor: Double = c.minimum[k] + 0.05 * (hi - lo)
                    return max(floor, own)
                }
            }
            if device.stuckAtMinFraction > 0 || device.stuckAtMaxFraction > 0 {
                c.stuck = (0..<count).map { k in
                    let u = CounterRandom.unit(key, 4 &* k &+ 3)
                    return u < device.stuckAtMinFraction ? 1 : (u < device.stuckAtMinFraction + device.stuckAtMaxFraction ? 2 : 0)
                }
            }
            return c
        }
        crossbars = crossbarShapes.enumerated().map { l, shape in cells(shape.rows * shape.columns, purpose: 100 + UInt64(l)) }
        biases = layerSizes.enumerated().map { l, n in cells(2 * n, purpose: 200 + UInt64(l)) }
        if device.hasDiodeMismatch {
            let card = preset.diodeCard, sIS = device.diodeSaturationSpread, sN = device.diodeEmissionSpread
            diodes = layerSizes.enumerated().map { l, n in
                var stream = root.stream(300 + UInt64(l))
                let key = CounterRandom.key(stream.next(), 0)
                return (0..<(2 * n)).map { k in
                    var own = card
                    own.name = "\(card.name)_\(l + 1)_\(k)"
                    own.saturationCurrent = card.saturationCurrent * exp(sIS * CounterRandom.normal(key, 2 &* k))
                    own.emissionCoefficient = card.emissionCoefficient * max(0.05, 1 + sN * CounterRandom.normal(key, 2 &* k &+ 1))
                    return own
                }
            }
        }
    }

    /// Cell k's window on this chip, S.
    @inlinable
    static func window(_ c: Cells, _ k: Int, _ preset: HardwarePreset) -> (Double, Double) {
        c.minimum.isEmpty ? (preset.conductanceMin, preset.conductanceMax) : (c.minimum[k], c.maximum[k])
    }

    /// The network with every stuck cell at its stuck value and every other cell inside its own
    /// window: the state a fresh chip (or a network programmed onto it) starts from.
    public func imposed(on network: ResistiveNetwork, preset: HardwarePreset) -> ResistiveNetwork {
        var n = network
        func fix(_ values: inout [Double], _ c: Cells, offset: Int) {
            for k in values.indices {
                let (lo, hi) = Self.window(c, offset + k, preset)
                let state: UInt8 = c.stuck.isEmpty ? 0 : c.stuck[offset + k]
                values[k] = state == 1 ? lo : (state == 2 ? hi : min(max(values[k], lo), hi))
            }
        }
        for l in 0..<n.depth {
            fix(&n.conductances[l].elements, crossbars[l], offset: 0)
            fix(&n.biasToPositiveRail[l], biases[l], offset: 0)
            fix(&n.biasToNegativeRail[l], biases[l], offset: n.layerSizes[l])
        }
        return n
    }
}
