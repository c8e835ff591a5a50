extension HopfieldTrainingConfig {
    /// Floating-point operations (multiply and add counted separately) of the matrix
    /// products that one training sample costs, counted from the algorithm, not measured:
    ///
    /// - feedforward pass and its local-loss gradient: 2·Σ_l 2·n_{l−1}·n_l
    /// - input drive x·W₁ (once per batch, shared by all phases): 2·n₀·n₁
    /// - each Euler step: the drives from below and above of every pair of free layers,
    ///   2·Σ_{l≥2} 2·n_{l−1}·n_l
    /// - EqProp update: 2·n₀·n₁ for W₁ (one product of xᵀ with the state difference) and
    ///   2·2·n_{l−1}·n_l for the other layers
    ///
    /// Element-wise work (clipping, biases) is left out: it is O(Σ n_l), negligible next to
    /// the products at these sizes.
    public var flopsPerTrainingSample: Double {
        let n = layerSizes.map(Double.init)
        let (pairs, hiddenPairs) = products
        let phases = Double(stepsFree) + Double(stepsNudged) * (betaSign == .centered ? 2 : 1)
        let feedforward = 2 * 2 * pairs
        let drive = 2 * n[0] * n[1]
        let steps = phases * 2 * 2 * hiddenPairs
        let update = 2 * n[0] * n[1] + 2 * 2 * hiddenPairs
        return feedforward + drive + steps + update
    }

    /// FLOPs of evaluating one test sample by Alg. 2 and Alg. 3.
    public var flopsPerTestSample: Double {
        let n = layerSizes.map(Double.init)
        let (pairs, hiddenPairs) = products
        return 2 * pairs + 2 * n[0] * n[1] + Double(stepsFree) * 2 * 2 * hiddenPairs
    }

    /// Σ_l n_{l−1}·n_l over all weight matrices, and over those between free layers (l ≥ 2).
    var products: (all: Double, betweenFree: Double) {
        let n = layerSizes.map(Double.init)
        var all = 0.0, betweenFree = 0.0
        for l in 1..<n.count {
            all += n[l - 1] * n[l]
            if l >= 2 { betweenFree += n[l - 1] * n[l] }
        }
        return (all, betweenFree)
    }
}
