import EqProp

extension UnitActivation {
    /// The plain activation (Alg. 2, no training leak) of unit `j` of `n` is
    /// clip(v, lower, upper) with these bounds, ±∞ where a side is open:
    /// hard-sigmoid [0, 1]; excitatory-inhibitory [0, ∞) for j < n/2 and (−∞, 0] for the rest;
    /// identity (−∞, ∞). ONNX graphs and generated C code are built from them.
    public func bounds(unit j: Int, of n: Int) -> (lower: Float, upper: Float) {
        switch self {
        case .hardSigmoid: return (0, 1)
        case .excitatoryInhibitory: return j < n / 2 ? (0, .infinity) : (-.infinity, 0)
        case .identity: return (-.infinity, .infinity)
        }
    }

    /// The formula with its clip range, for a layer of `n` units (metadata and comments).
    public func formula(units n: Int) -> String {
        switch self {
        case .hardSigmoid: return "clip(v, 0, 1)"
        case .excitatoryInhibitory:
            return "max(v, 0) for units 0..\(n / 2 - 1) (excitatory, range [0, inf)), "
                + "min(v, 0) for units \(n / 2)..\(n - 1) (inhibitory, range (-inf, 0])"
        case .identity: return "v (no clip)"
        }
    }
}
