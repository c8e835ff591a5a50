import Numerics

/// A deep resistive network (DRN) in physical units (DESIGN §2.2): layers of nodes joined by
/// crossbars of programmable conductances.
///
/// - Layer 0 is the input: 2·n₀ ideal voltage sources, x⁺ᵢ at +g·xᵢ and x⁻ᵢ at −g·xᵢ
///   (the inverted copy gives signed effective weights from positive conductances).
/// - Layers 1…L are free nodes: hidden layers clamped by diodes, then the output layer
///   (linear nodes; two per class with a differential readout).
/// - Crossbar l joins layer l−1 to layer l: `conductances[l−1]` is rows × columns =
///   (nodes of layer l−1) × (nodes of layer l), in S. For l = 1 the rows are x⁺₀…x⁺ₙ₋₁ then
///   x⁻₀…x⁻ₙ₋₁.
/// - Every free node has a bias conductance to the +V_b rail and one to the −V_b rail, S.
public struct ResistiveNetwork: Sendable, Equatable {
    /// Pixels n₀ (the circuit has 2·n₀ input sources).
    public let inputs: Int
    /// Nodes of each free layer, the output layer last (2 × classes when differential).
    public let layerSizes: [Int]
    /// Classes (= output nodes, or half of them when differential).
    public let classes: Int
    public var conductances: [DoubleMatrix]
    public var biasToPositiveRail: [[Double]]
    public var biasToNegativeRail: [[Double]]
    /// The hardware preset the conductances were trained for.
    public var presetName: String

    public init(inputs: Int, layerSizes: [Int], classes: Int, conductances: [DoubleMatrix],
                biasToPositiveRail: [[Double]], biasToNegativeRail: [[Double]], presetName: String) {
        self.inputs = inputs
        self.layerSizes = layerSizes
        self.classes = classes
        self.conductances = conductances
        self.biasToPositiveRail = biasToPositiveRail
        self.biasToNegativeRail = biasToNegativeRail
        self.presetName = presetName
    }

    /// The default scale of fresh conductances, S: 100 µS plays the role of the reference
    /// DRN code's unit conductance (Scellier 2024), so a 1,568-input crossbar starts with cells
    /// up to G_min + 2.5 µS.
    public static let defaultConductanceScale = 1e-4

    /// Free layers L.
    public var depth: Int { layerSizes.count }
    /// Nodes of layer l for l = 0…L (layer 0: the 2·n₀ input sources).
    public func nodes(inLayer l: Int) -> Int { l == 0 ? 2 * inputs : layerSizes[l - 1] }
    public var isDifferential: Bool { layerSizes.last! == 2 * classes }
    /// [n₀, hidden…, classes]: the architecture as a user writes it (`--layers`).
    public var architecture: [Int] { [inputs] + layerSizes.dropLast() + [classes] }

    /// A fresh network: crossbar conductances drawn by `initialization` at the half-Kaiming
    /// scale of the reference DRN code (Scellier 2024), G_min + U(0, scale/√rows) for
    /// `uniform`; biases at G_min.
    ///
    /// `architecture` is [pixels, hidden…, classes]; hidden sizes must be even with one-sided
    /// clamps (half excitatory, half inhibitory).
    public init(architecture: [Int], preset: HardwarePreset, conductanceScale: Double,
                initialization: ConductanceInitialization = .uniform, rng: inout SeededGenerator) {
        precondition(architecture.count >= 2)
        let classes = architecture.last!
        let sizes = Array(architecture.dropFirst().dropLast())
            + [preset.outputReadout == .differential ? 2 * classes : classes]
        let inputs = architecture[0]
        var conductances: [DoubleMatrix] = []
        for l in 0..<sizes.count {
            let rows = l == 0 ? 2 * inputs : sizes[l - 1]
            let high = conductanceScale / Double(rows).squareRoot()
            var g = DoubleMatrix(rows: rows, columns: sizes[l])
            for i in 0..<g.elements.count {
                g.elements[i] = preset.programmable(preset.conductanceMin + initialization.draw(high: high, rng: &rng))
            }
            conductances.append(g)
        }
        self.init(inputs: inputs, layerSizes: sizes, classes: classes, conductances: conductances,
                  biasToPositiveRail: sizes.map { [Double](repeating: preset.conductanceMin, count: $0) },
                  biasToNegativeRail: sizes.map { [Double](repeating: preset.conductanceMin, count: $0) },
                  presetName: preset.name)
    }
}

/// Why a network does not fit a preset or a data set. Messages name the element at fault.
public struct CircuitError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ResistiveNetwork {
    /// Every conductance mapped through `preset.programmable`: clipped to the window and, with
    /// levels, rounded to the nearest one (a network trained for other hardware, programmed
    /// onto this one).
    public func programmed(onto preset: HardwarePreset) -> ResistiveNetwork {
        var n = self
        for l in 0..<depth {
            n.conductances[l].withUnsafeMutableBufferPointer { g in for k in g.indices { g[k] = preset.programmable(g[k]) } }
            n.biasToPositiveRail[l] = n.biasToPositiveRail[l].map(preset.programmable)
            n.biasToNegativeRail[l] = n.biasToNegativeRail[l].map(preset.programmable)
        }
        return n
    }

    /// How many conductances differ from their programmable value (0 when the network can be
    /// built on `preset` as it is).
    public func unprogrammableCount(on preset: HardwarePreset) -> Int {
        let all = conductances.flatMap(\.elements) + biasToPositiveRail.joined() + biasToNegativeRail.joined()
        return all.reduce(0) { $0 + (abs(preset.programmable($1) - $1) > 1e-12 * abs($1) ? 1 : 0) }
    }

    /// Checks every conductance: finite, positive and (unless `allowOutsideWindow`) within the
    /// preset's window. The error names the crossbar cell, e.g. "crossbar 1 cell (x3p, h1_7)".
    public func validate(against preset: HardwarePreset, allowOutsideWindow: Bool = false) throws {
        try CrossbarMesh.checkMemory(network: self, preset: preset)
        let names = NodeNames(network: self)
        // On a chip with bound spread every cell has its own window (`DeviceChip`), which the
        // circuit built on that chip enforces; the preset's nominal window does not apply.
        let cellsHaveOwnWindows = preset.device.boundSpread > 0
        func check(_ g: Double, _ what: () -> String) throws {
            guard g.isFinite else { throw CircuitError("\(what()) has a non-finite conductance \(g) S") }
            guard g > 0 else { throw CircuitError("\(what()) has a non-positive conductance \(g) S") }
            if !allowOutsideWindow && !cellsHaveOwnWindows && (g < preset.conductanceMin * (1 - 1e-12) || g > preset.conductanceMax * (1 + 1e-12)) {
                throw CircuitError("\(what()) has conductance \(g) S, outside preset '\(preset.name)' window [\(preset.conductanceMin), \(preset.conductanceMax)] S")
            }
        }
        for l in 0..<depth {
            let g = conductances[l]
            guard g.rows == nodes(inLayer: l), g.columns == nodes(inLayer: l + 1) else {
                throw CircuitError("crossbar \(l + 1) is \(g.rows)×\(g.columns), the architecture needs \(nodes(inLayer: l))×\(nodes(inLayer: l + 1))")
            }
            for i in 0..<g.rows {
                for j in 0..<g.columns {
                    try check(g[i, j]) { "crossbar \(l + 1) cell (\(names.node(layer: l, index: i)), \(names.node(layer: l + 1, index: j)))" }
                }
            }
            guard biasToPositiveRail[l].count == layerSizes[l], biasToNegativeRail[l].count == layerSizes[l] else {
                throw CircuitError("layer \(l + 1) has \(layerSizes[l]) nodes but its bias vectors do not")
            }
            for j in 0..<layerSizes[l] {
                try check(biasToPositiveRail[l][j]) { "bias of node \(names.node(layer: l + 1, index: j)) to the + rail" }
                try check(biasToNegativeRail[l][j]) { "bias of node \(names.node(layer: l + 1, index: j)) to the − rail" }
            }
        }
        if preset.clamp == .oneSided {
            for l in 0..<(depth - 1) where layerSizes[l] % 2 != 0 {
                throw CircuitError("hidden layer \(l + 1) has \(layerSizes[l]) nodes: one-sided clamps need an even count (half excitatory, half inhibitory)")
            }
        }
    }
}

/// Deterministic, readable node names: inputs `x3p`/`x3n`, hidden `h1_17`, outputs `o4`
/// (differential: `o4p`/`o4n`), rails `bp`/`bn` (bias), `ce`/`ci` or `cl`/`ch` (clamps).
public struct NodeNames: Sendable {
    public let inputs: Int
    public let layerSizes: [Int]
    public let classes: Int

    public init(network: ResistiveNetwork) {
        inputs = network.inputs
        layerSizes = network.layerSizes
        classes = network.classes
    }

    public var differential: Bool { layerSizes.last! == 2 * classes }

    /// Node `index` of layer `layer` (0 = inputs, 1…L free layers).
    public func node(layer: Int, index: Int) -> String {
        if layer == 0 { return index < inputs ? "x\(index)p" : "x\(index - inputs)n" }
        if layer == layerSizes.count {
            if differential { return index < classes ? "o\(index)p" : "o\(index - classes)n" }
            return "o\(index)"
        }
        return "h\(layer)_\(index)"
    }

    /// Every free node, layer by layer.
    public var freeNodes: [String] {
        (1...layerSizes.count).flatMap { l in (0..<layerSizes[l - 1]).map { node(layer: l, index: $0) } }
    }
}
