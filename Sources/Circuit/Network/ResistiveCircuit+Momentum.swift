import Numerics
import Reporting

/// The velocities of heavy-ball momentum on the EqProp step: the SGD with momentum of the
/// reference DRN code (Scellier 2024: μ = 0.9 in every published run), PyTorch's rule without
/// dampening,
///
///     v ← μ·v + g,    G ← program(G + η·v),
///
/// where g = Δ/((β₂ − β₁)·B) is one minibatch's step direction per cell (V²/S; Δ is the summed
/// difference of −∂E/∂G between the two phases, see `applyEquilibriumPropagation`) and η the
/// layer's learning rate (S²/V²), so that η·v is in siemens. The rate may change between steps
/// (the per-epoch decay) without touching v, as in PyTorch. On hardware the velocities are a
/// digital register per cell beside the crossbar (one double each here); they are part of a
/// training checkpoint. With μ = 0 there are none and the step is the plain one, bit for bit.
public struct MomentumBuffers: Sendable, Equatable {
    /// Per crossbar, rows × columns, V²/S.
    public var crossbars: [[Double]]
    /// Per free layer, its bias conductances: + rail then − rail, V²/S.
    public var biases: [[Double]]

    public init(crossbars: [[Double]], biases: [[Double]]) {
        self.crossbars = crossbars
        self.biases = biases
    }

    /// All zero: a run's first step.
    init(zeroFor network: ResistiveNetwork) {
        crossbars = network.conductances.map { [Double](repeating: 0, count: $0.count) }
        biases = network.layerSizes.map { [Double](repeating: 0, count: 2 * $0) }
    }

    /// No buffers, for a step without momentum.
    init(unusedFor depth: Int) {
        crossbars = Array(repeating: [], count: depth)
        biases = Array(repeating: [], count: depth)
    }
}

extension ResistiveCircuit {
    /// The velocities as checkpoint tensors (`optimizer.velocity.<l>`, rows × columns, and
    /// `optimizer.bias_velocity.<l>`, + rail then − rail; F64, V²/S). None without momentum.
    public func velocityTensors() -> [(name: String, tensor: SafeTensors.Tensor)] {
        guard let velocities else { return [] }
        return (0..<depth).flatMap { l -> [(name: String, tensor: SafeTensors.Tensor)] in
            [("optimizer.velocity.\(l)", .init(velocities.crossbars[l], shape: [network.nodes(inLayer: l), network.nodes(inLayer: l + 1)])),
             ("optimizer.bias_velocity.\(l)", .init(velocities.biases[l], shape: [2 * network.layerSizes[l]]))]
        }
    }

    /// The velocities stored in a checkpoint (nil when it holds none: a run without momentum,
    /// or one saved before its first step).
    public static func velocities(from file: SafeTensors, path: String) throws -> MomentumBuffers? {
        let named = Dictionary(file.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        guard named["optimizer.velocity.0"] != nil else { return nil }
        var result = MomentumBuffers(crossbars: [], biases: [])
        var l = 0
        while let t = named["optimizer.velocity.\(l)"] {
            guard t.dtype == .f64, let b = named["optimizer.bias_velocity.\(l)"], b.dtype == .f64 else {
                throw CircuitError("\(path): momentum velocity tensors of crossbar \(l) are missing or not F64")
            }
            result.crossbars.append(t.doubles)
            result.biases.append(b.doubles)
            l += 1
        }
        return result
    }

    /// Restores a checkpoint's velocities (their shapes must match this circuit).
    public mutating func restoreVelocities(_ v: MomentumBuffers) throws {
        let zero = MomentumBuffers(zeroFor: network)
        guard v.crossbars.map(\.count) == zero.crossbars.map(\.count), v.biases.map(\.count) == zero.biases.map(\.count) else {
            throw CircuitError("the checkpoint's momentum velocities do not match the circuit's crossbars")
        }
        velocities = v
    }
}
