import Reporting

/// The velocities of heavy-ball momentum on the EqProp step: the SGD with momentum of the
/// reference DRN code (Scellier 2024; μ = 0.9 in its Fashion-MNIST script), PyTorch's rule without
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
public typealias MomentumBuffers = CellBuffers

extension ResistiveCircuit {
    /// The velocities as checkpoint tensors (`optimizer.velocity.<l>`, rows × columns, and
    /// `optimizer.bias_velocity.<l>`, + rail then − rail; F64, V²/S). None without momentum.
    public func velocityTensors() -> [(name: String, tensor: SafeTensors.Tensor)] {
        velocities?.tensors(cells: "optimizer.velocity", biases: "optimizer.bias_velocity", network: network) ?? []
    }

    /// The velocities stored in a checkpoint (nil when it holds none: a run without momentum).
    public static func velocities(from file: SafeTensors, path: String) throws -> MomentumBuffers? {
        try CellBuffers.read(from: file, cells: "optimizer.velocity", biases: "optimizer.bias_velocity", what: "momentum velocity", path: path)
    }

    /// Restores a checkpoint's velocities (their shapes must match this circuit).
    public mutating func restoreVelocities(_ v: MomentumBuffers) throws {
        guard v.fits(network) else { throw CircuitError("the checkpoint's momentum velocities do not match the circuit's crossbars") }
        velocities = v
    }
}
