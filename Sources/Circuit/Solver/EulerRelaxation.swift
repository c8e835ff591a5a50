import Numerics

/// The circuit's free dynamics, C dV_i/dt = I_i(V) (the KCL current into free node i), stepped
/// by forward Euler with the clamps as ideal diodes, i.e. a projection onto their bounds:
///
///     V ← clamp(V + (Δt/C)·(b(V) − a∘V), low, high),   Δt = κ·C / max_i a_i
///
/// with a_i and b_i as in `CircuitSolver` (b: input, bias and neighbour currents). This is
/// Algorithm 1's relaxation s ← clip(s − ε ∂E/∂s) for a circuit, the co-content E in the role
/// of the energy and ε = Δt/C (V/A); it counts *steps of the physical dynamics*, which is what
/// initialization shortens, whereas `CircuitSolver` solves whole layers exactly and needs only
/// a handful of sweeps from any start. Stable for κ < 1: by Gershgorin the node conductance
/// matrix (a_i on the diagonal, −G to neighbours) has its eigenvalues in (0, 2·max a_i]. The
/// count does not depend on C.
public struct EulerRelaxation {
    public let circuit: ResistiveCircuit
    /// κ: the step as a fraction of the fastest node time constant C / max a_i.
    public var stepFraction = 0.5

    public init(circuit: ResistiveCircuit) { self.circuit = circuit }

    /// Per sample of `conditions` (free phase, no nudge or tether): the first step count after
    /// which every free node is within `band` volts of `fixedPoint` (one B × n_l matrix per
    /// free layer), or nil if that takes more than `maxSteps`.
    public func stepsToBand(_ conditions: CircuitConditions, start: [DoubleMatrix], fixedPoint: [DoubleMatrix],
                            band: Double, maxSteps: Int = 100_000) -> [Int?] {
        let depth = circuit.depth, batch = conditions.batchSize
        let gain = circuit.amplifierGain
        let a = circuit.nodeConductances()
        let amax = a.joined().max() ?? 1
        let rate = stepFraction / amax  // Δt/C, V/A
        // The state-independent currents: input crossbar and bias rails, A.
        var constant: [DoubleMatrix] = []
        for l in 1...depth {
            var k = DoubleMatrix(rows: batch, columns: circuit.network.nodes(inLayer: l))
            if l == 1 { k = circuit.inputCurrents(conditions.inputVoltages) }
            let vb = circuit.preset.biasVolts
            k.addToEachRow(zip(circuit.network.biasToPositiveRail[l - 1], circuit.network.biasToNegativeRail[l - 1]).map { ($0 - $1) * vb })
            constant.append(k)
        }
        let bounds = (1...depth).map { l in (0..<circuit.network.nodes(inLayer: l)).map { circuit.clamp(layer: l, index: $0).bounds } }
        var state = start, next = start
        var result = [Int?](repeating: nil, count: batch)
        var remaining = batch
        func mark(_ step: Int) {
            for b in 0..<batch where result[b] == nil {
                var inside = true
                for l in 0..<depth where inside {
                    for j in 0..<state[l].columns where abs(state[l][b, j] - fixedPoint[l][b, j]) > band { inside = false; break }
                }
                if inside { result[b] = step; remaining -= 1 }
            }
        }
        mark(0)
        var step = 0
        while remaining > 0 && step < maxSteps {
            step += 1
            for l in 1...depth {
                // b = constant + (A·V_{l−1})·G_l + (1/A)·V_{l+1}·G_{l+1}ᵀ, from the old state (Jacobi).
                var b = constant[l - 1]
                if l >= 2 { DoubleMatrix.multiply(state[l - 2], circuit.crossbar(l - 1), into: &b, alpha: gain, beta: 1) }
                if l < depth { DoubleMatrix.multiply(state[l], circuit.crossbar(l), transposeB: true, into: &b, alpha: 1 / gain, beta: 1) }
                let n = b.columns, al = a[l - 1], bl = bounds[l - 1]
                b.withUnsafeBufferPointer { current in
                    state[l - 1].withUnsafeBufferPointer { v in
                        next[l - 1].withUnsafeMutableBufferPointer { w in
                            for i in 0..<v.count {
                                let j = i % n
                                let moved = v[i] + rate * (current[i] - al[j] * v[i])
                                w[i] = min(max(moved, bl[j].low), bl[j].high)
                            }
                        }
                    }
                }
            }
            swap(&state, &next)
            mark(step)
        }
        return result
    }
}
