import Numerics

/// The layered Hopfield network of O'Connor et al. 2019 (Eq. 1), θ = (W, b):
///
///     E(s) = ½ Σ_l ‖s_l‖² − Σ_l b_lᵀ ρ(s_l) − Σ_l ρ(s_{l−1})ᵀ W_l ρ(s_l),     ρ(s₀) := x
///
/// Layers 1…L are free (layer L is the output); the input x = s₀ is clamped. Row-vector
/// convention: a batch of B states of layer l is a B × n_l matrix and `weights[l−1]` (W_l)
/// is n_{l−1} × n_l, so the drive of layer l from below is ρ(s_{l−1})·W_l.
public struct LayeredHopfieldNetwork: Sendable, Equatable {
    /// [n₀ (inputs), n₁, …, n_L (outputs)].
    public let layerSizes: [Int]
    /// W_l for l = 1…L (index l−1), n_{l−1} × n_l.
    public var weights: [FloatMatrix]
    /// b_l for l = 1…L (index l−1).
    public var biases: [[Float]]

    public init(layerSizes: [Int], weights: [FloatMatrix], biases: [[Float]]) {
        precondition(layerSizes.count >= 2 && weights.count == layerSizes.count - 1 && biases.count == weights.count)
        for l in 1..<layerSizes.count {
            precondition(weights[l - 1].rows == layerSizes[l - 1] && weights[l - 1].columns == layerSizes[l])
            precondition(biases[l - 1].count == layerSizes[l])
        }
        self.layerSizes = layerSizes
        self.weights = weights
        self.biases = biases
    }

    /// Xavier-uniform weights, zero biases (O'Connor et al. 2019, Sec. 4).
    public init(layerSizes: [Int], rng: inout SeededGenerator) {
        let weights = (1..<layerSizes.count).map {
            FloatMatrix.xavierUniform(rows: layerSizes[$0 - 1], columns: layerSizes[$0], using: &rng)
        }
        let biases = layerSizes.dropFirst().map { [Float](repeating: 0, count: $0) }
        self.init(layerSizes: layerSizes, weights: weights, biases: biases)
    }

    /// Number of free layers L.
    public var depth: Int { layerSizes.count - 1 }
    public var freeLayerSizes: [Int] { Array(layerSizes.dropFirst()) }
    public var parameterCount: Int { weights.reduce(0) { $0 + $1.count } + biases.reduce(0) { $0 + $1.count } }
    public var isFinite: Bool { weights.allSatisfy(\.isFinite) && biases.allSatisfy { $0.allSatisfy(\.isFinite) } }
}
