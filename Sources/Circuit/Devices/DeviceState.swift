import Numerics
import Reporting

/// What a circuit carries besides its conductances once its devices are not ideal: the chip
/// (per-cell variation, fixed by the chip seed) and, for mixed-precision programming, the
/// digital side's full-precision accumulator of every cell (part of a training checkpoint).
public struct DeviceState: Sendable {
    public let chip: DeviceChip?
    /// Per crossbar, rows × columns accumulators, S (empty unless mixed precision).
    public var accumulators: [[Double]]
    /// Per free layer, the accumulators of its bias conductances: + rail then − rail, S.
    public var biasAccumulators: [[Double]]

    init(preset: HardwarePreset, network: ResistiveNetwork) {
        let shapes = (0..<network.depth).map { (rows: network.nodes(inLayer: $0), columns: network.nodes(inLayer: $0 + 1)) }
        chip = DeviceChip(device: preset.device, preset: preset, crossbarShapes: shapes, layerSizes: network.layerSizes)
        if preset.device.updateScheme == .mixedPrecision {
            accumulators = shapes.map { [Double](repeating: 0, count: $0.rows * $0.columns) }
            biasAccumulators = network.layerSizes.map { [Double](repeating: 0, count: 2 * $0) }
        } else {
            accumulators = network.conductances.map { _ in [] }
            biasAccumulators = network.layerSizes.map { _ in [] }
        }
    }

    /// Whether programming goes cell by cell through `CellProgrammer` (levels, wires or any
    /// non-ideal device) rather than the plain clip of continuous ideal devices.
    public static func needsProgrammer(_ preset: HardwarePreset) -> Bool {
        preset.conductanceLevels >= 2 || preset.wireResistance > 0 || !preset.device.isIdealRounding
    }
}

extension ResistiveCircuit {
    /// The same circuit as one relaxation reads it with read noise: every conductance (cells and
    /// biases) multiplied by 1 + σ_r·z, z fresh for each `key` (one per phase and minibatch).
    /// The chip's stored conductances and the learning rule are untouched: a cell's update still
    /// uses the voltages measured across it. Without read noise, the circuit itself.
    ///
    /// z comes from `ReadNoiseTable`, read from a random offset per (key, crossbar): one
    /// streaming multiply per cell, a few times cheaper than hashing every cell, which matters
    /// because every phase of every minibatch reads the whole chip.
    public func read(key: UInt64) -> ResistiveCircuit {
        let sigma = preset.device.readNoise
        guard sigma > 0 else { return self }
        var copy = self
        copy.updateNetwork { net in
            for l in 0..<net.depth {
                let g = net.conductances[l]
                let offset = Int(truncatingIfNeeded: CounterRandom.bits(key, l) >> 1)
                let elements = g.withUnsafeBufferPointer { src in
                    [Double](unsafeUninitializedCapacity: src.count) { dst, initialized in
                        let from = src.baseAddress!, to = dst.baseAddress!, count = src.count
                        func noisy(_ range: Range<Int>) {
                            ReadNoiseTable.values.withUnsafeBufferPointer { t in
                                let table = t.baseAddress!, mask = ReadNoiseTable.mask
                                for c in range { to[c] = from[c] * (1 + sigma * Double(table[(offset &+ c) & mask])) }
                            }
                        }
                        if count < CrossbarKernels.parallelCells {
                            noisy(0..<count)
                        } else {
                            _ = Parallel.both({ noisy(0..<(count / 2)) }, { noisy((count / 2)..<count) })
                        }
                        initialized = count
                    }
                }
                net.conductances[l] = DoubleMatrix(rows: g.rows, columns: g.columns, elements: elements)
                let kb = CounterRandom.key(key, UInt64(l), 1)
                let n = net.layerSizes[l]
                for j in 0..<n {
                    net.biasToPositiveRail[l][j] *= 1 + sigma * CounterRandom.normal(kb, j)
                    net.biasToNegativeRail[l][j] *= 1 + sigma * CounterRandom.normal(kb, n + j)
                }
            }
        }
        return copy
    }
}

/// 2²¹ fixed samples of a unit-variance noise (`CounterRandom.normal`, tails at ±3.46σ), from
/// which read noise takes one consecutive run per crossbar and phase, starting at a random
/// offset. Within one phase every cell of a crossbar of up to 2²¹ cells (drn-1h's input
/// crossbar has 1.6 M) gets its own sample; across phases a cell's samples are independent
/// draws from the table.
enum ReadNoiseTable {
    static let mask = (1 << 21) - 1
    static let values: [Float] = (0...mask).map { Float(CounterRandom.normal(0x7EAD_0015E, $0)) }
}

/// The mixed-precision accumulators of a checkpoint, S.
public typealias DeviceAccumulators = CellBuffers

extension ResistiveCircuit {
    /// The mixed-precision accumulators as checkpoint tensors (`device.accumulator.<l>`,
    /// rows × columns, and `device.bias_accumulator.<l>`, + rail then − rail; F64, S). None
    /// for other schemes.
    public func accumulatorTensors() -> [(name: String, tensor: SafeTensors.Tensor)] {
        guard preset.device.updateScheme == .mixedPrecision else { return [] }
        return CellBuffers(crossbars: devices.accumulators, biases: devices.biasAccumulators)
            .tensors(cells: "device.accumulator", biases: "device.bias_accumulator", network: network)
    }

    /// The accumulators stored in a checkpoint (nil when it holds none).
    public static func accumulators(from file: SafeTensors, path: String) throws -> DeviceAccumulators? {
        try CellBuffers.read(from: file, cells: "device.accumulator", biases: "device.bias_accumulator", what: "accumulator", path: path)
    }

    /// Restores a checkpoint's accumulators (their shapes must match this circuit).
    public mutating func restoreAccumulators(_ a: DeviceAccumulators) throws {
        guard preset.device.updateScheme == .mixedPrecision else {
            throw CircuitError("the checkpoint holds mixed-precision accumulators but the update scheme is '\(preset.device.updateScheme.rawValue)'")
        }
        guard a.fits(network) else {
            throw CircuitError("the checkpoint's accumulators do not match the circuit's crossbars")
        }
        devices.accumulators = a.crossbars
        devices.biasAccumulators = a.biases
    }
}
