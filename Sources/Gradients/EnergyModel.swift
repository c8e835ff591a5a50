/// An equilibrating network seen as an energy function of its free units s and parameters θ,
/// with a cost C(s) on the output units: what recurrent backpropagation, finite differences and
/// EqProp need to be compared (Scellier & Bengio 2019). States and parameters are flat Double
/// arrays; parameters come as named tensors.
///
/// The fixed point minimizes E under box constraints (clipped Hopfield units, ideal diodes):
/// units held at a bound by the constraint are *inactive* — they do not move under small
/// changes of θ — and every derivative below is restricted to the active units.
public protocol EnergyModel {
    /// Name, rows and columns of each parameter tensor, in a fixed order.
    var parameterShapes: [(name: String, rows: Int, columns: Int)] { get }
    /// The parameter tensors, flattened row-major, in `parameterShapes` order.
    var parameters: [[Double]] { get }
    /// The number of free units.
    var stateCount: Int { get }
    /// Which layer (0-based) each tensor belongs to, for per-layer reports.
    var parameterLayers: [Int] { get }

    /// The fixed point, solved to machine precision: free (β = 0), or nudged by β from the
    /// free state `free` (the model's own nudge: quadratic cost for Hopfield, current injection
    /// β(y − V⁰) for circuits). Throws when it does not converge.
    func fixedPoint(beta: Double, free: [Double]?) throws -> [Double]
    /// Units not held at a bound at state s.
    func activeUnits(at s: [Double]) -> [Bool]
    /// The Hessian ∂²E/∂s² at s (no nudge), dense over `active` (indices into the state).
    func hessian(at s: [Double], active: [Int]) -> [Double]
    /// C(s) and ∂C/∂s.
    func cost(at s: [Double]) -> Double
    func costGradient(at s: [Double]) -> [Double]
    /// ∂E/∂θ at s, one array per tensor (EqProp estimates are differences of these).
    func energyParameterGradient(at s: [Double]) -> [[Double]]
    /// −λᵀ·∂²E/∂s∂θ at s for an adjoint λ (zero on inactive units): dJ/dθ when λ = H⁻¹ ∂C/∂s.
    func adjointParameterGradient(at s: [Double], adjoint: [Double]) -> [[Double]]
    /// A copy with parameter `tensor`[index] changed by `delta`.
    func perturbed(tensor: Int, index: Int, by delta: Double) -> Self
    /// The mass of each unit in the continuous-time dynamics M ds/dt = −∂E^β/∂s (1 for
    /// Hopfield units, the node capacitance for circuits).
    func mass() -> [Double]
    /// −∂E^β/∂s at s, with the nudge taken from the free state `free`, zero on units held at
    /// a bound (the projected gradient flow).
    func force(at s: [Double], beta: Double, free: [Double]) -> [Double]
    /// Distance (in state units) of the nearest unit to the kink of its constraint at s: where
    /// finite differences stop being valid.
    func kinkMargin(at s: [Double]) -> Double
}

/// Why a gradient computation was refused.
public struct GradientError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
