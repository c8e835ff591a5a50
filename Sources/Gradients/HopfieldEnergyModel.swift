import EqProp
import Numerics

/// The layered Hopfield network (O'Connor et al. 2019, Eq. 1) as an `EnergyModel`, in double
/// precision, for one input x and target y. Inside [0, 1], ρ is the identity, so
///
///     E = ½‖s‖² − Σ_l b_l·s_l − Σ_l s_{l−1}ᵀ W_l s_l,   C = ‖s_L − y‖²   (DESIGN §2.1)
///
/// Given its neighbours each layer's energy is a separable quadratic, so the fixed point is
/// found by exact block coordinate descent over odd and even layers, s_l = clip(drive, 0, 1)
/// (with the nudge, s_L = clip((drive + 2βy)/(1 + 2β))). Units at 0 or 1 are inactive.
/// Parameters: W_1, b_1, W_2, b_2, … (W_l as n_{l−1} × n_l, b_l as 1 × n_l).
public struct HopfieldEnergyModel: EnergyModel {
    public let sizes: [Int]
    public var weights: [DoubleMatrix]
    public var biases: [[Double]]
    public let input: [Double]
    public let target: [Double]

    public init(network: LayeredHopfieldNetwork, input: [Double], target: [Double]) {
        sizes = network.layerSizes
        weights = network.weights.map { $0.converted(to: Double.self) }
        biases = network.biases.map { $0.map(Double.init) }
        self.input = input
        self.target = target
    }

    var depth: Int { sizes.count - 1 }
    var offsets: [Int] { (0..<depth).reduce(into: [0]) { $0.append($0.last! + sizes[$1 + 1]) } }
    public var stateCount: Int { sizes.dropFirst().reduce(0, +) }

    public var parameterShapes: [(name: String, rows: Int, columns: Int)] {
        (1...depth).flatMap { l in [("W\(l)", sizes[l - 1], sizes[l]), ("b\(l)", 1, sizes[l])] }
    }
    public var parameterLayers: [Int] { (0..<depth).flatMap { [$0, $0] } }
    public var parameters: [[Double]] { (0..<depth).flatMap { [weights[$0].elements, biases[$0]] } }

    func layer(_ s: [Double], _ l: Int) -> ArraySlice<Double> {
        let o = offsets
        return l == 0 ? input[...] : s[o[l - 1]..<o[l]]
    }

    /// b_l + s_{l−1}·W_l + s_{l+1}·W_{l+1}ᵀ for layer l (1-based).
    func drive(_ s: [Double], _ l: Int) -> [Double] {
        let n = sizes[l]
        var d = biases[l - 1]
        let below = Array(layer(s, l - 1))
        let w = weights[l - 1]
        w.withUnsafeBufferPointer { p in
            for i in 0..<below.count where below[i] != 0 {
                let x = below[i]
                for j in 0..<n { d[j] += x * p[i * n + j] }
            }
        }
        if l < depth {
            let above = Array(layer(s, l + 1))
            let up = weights[l], m = sizes[l + 1]
            up.withUnsafeBufferPointer { p in
                for j in 0..<n { var t = 0.0; for k in 0..<m { t += p[j * m + k] * above[k] }; d[j] += t }
            }
        }
        return d
    }

    public func fixedPoint(beta: Double, free: [Double]?) throws -> [Double] {
        var s = free ?? [Double](repeating: 0, count: stateCount)
        let o = offsets
        for _ in 0..<100_000 {
            var change = 0.0
            for parity in [1, 0] {
                for l in stride(from: parity == 1 ? 1 : 2, through: depth, by: 2) {
                    let d = drive(s, l)
                    for j in 0..<sizes[l] {
                        var v = d[j]
                        if l == depth && beta != 0 { v = (v + 2 * beta * target[j]) / (1 + 2 * beta) }
                        v = min(max(v, 0), 1)
                        change = max(change, abs(v - s[o[l - 1] + j]))
                        s[o[l - 1] + j] = v
                    }
                }
            }
            if change <= 1e-15 { return s }
        }
        throw GradientError("the Hopfield network's fixed point did not converge (block coordinate descent stalled)")
    }

    public func activeUnits(at s: [Double]) -> [Bool] { s.map { $0 > 0 && $0 < 1 } }

    public func hessian(at s: [Double], active: [Int]) -> [Double] {
        let n = active.count, o = offsets
        var position = [Int: Int]()
        for (k, i) in active.enumerated() { position[i] = k }
        var h = [Double](repeating: 0, count: n * n)
        for k in 0..<n { h[k * n + k] = 1 }
        for l in 2...max(depth, 2) where l <= depth {
            let w = weights[l - 1]
            for i in 0..<sizes[l - 1] {
                guard let a = position[o[l - 2] + i] else { continue }
                for j in 0..<sizes[l] {
                    guard let b = position[o[l - 1] + j] else { continue }
                    h[a * n + b] = -w[i, j]
                    h[b * n + a] = -w[i, j]
                }
            }
        }
        return h
    }

    public func cost(at s: [Double]) -> Double {
        zip(layer(s, depth), target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    public func costGradient(at s: [Double]) -> [Double] {
        var g = [Double](repeating: 0, count: stateCount)
        let start = offsets[depth - 1]
        for j in 0..<sizes[depth] { g[start + j] = 2 * (s[start + j] - target[j]) }
        return g
    }

    public func energyParameterGradient(at s: [Double]) -> [[Double]] {
        (1...depth).flatMap { l -> [[Double]] in
            let below = Array(layer(s, l - 1)), here = Array(layer(s, l))
            var gw = [Double](repeating: 0, count: below.count * here.count)
            for i in 0..<below.count { for j in 0..<here.count { gw[i * here.count + j] = -below[i] * here[j] } }
            return [gw, here.map { -$0 }]
        }
    }

    public func adjointParameterGradient(at s: [Double], adjoint lambda: [Double]) -> [[Double]] {
        let o = offsets
        return (1...depth).flatMap { l -> [[Double]] in
            let below = Array(layer(s, l - 1)), here = Array(layer(s, l))
            let lh = Array(lambda[o[l - 1]..<o[l]])
            let lb: [Double] = l >= 2 ? Array(lambda[o[l - 2]..<o[l - 1]]) : [Double](repeating: 0, count: below.count)
            var g = [Double](repeating: 0, count: below.count * here.count)
            for i in 0..<below.count {
                for j in 0..<here.count { g[i * here.count + j] = lh[j] * below[i] + lb[i] * here[j] }
            }
            return [g, lh]
        }
    }

    public func perturbed(tensor: Int, index: Int, by delta: Double) -> HopfieldEnergyModel {
        var m = self
        if tensor % 2 == 0 { m.weights[tensor / 2].elements[index] += delta } else { m.biases[tensor / 2][index] += delta }
        return m
    }

    public func mass() -> [Double] { [Double](repeating: 1, count: stateCount) }

    public func force(at s: [Double], beta: Double, free: [Double]) -> [Double] {
        let o = offsets
        var f = [Double](repeating: 0, count: stateCount)
        for l in 1...depth {
            let d = drive(s, l)
            for j in 0..<sizes[l] {
                let k = o[l - 1] + j
                var v = d[j] - s[k]
                if l == depth { v -= 2 * beta * (s[k] - target[j]) }
                if (s[k] <= 0 && v < 0) || (s[k] >= 1 && v > 0) { v = 0 }
                f[k] = v
            }
        }
        return f
    }

    public func kinkMargin(at s: [Double]) -> Double {
        let o = offsets
        var margin = Double.infinity
        for l in 1...depth {
            let d = drive(s, l)
            for j in 0..<sizes[l] {
                let k = o[l - 1] + j
                margin = min(margin, s[k] > 0 && s[k] < 1 ? min(s[k], 1 - s[k]) : (d[j] <= 0 ? -d[j] : d[j] - 1))
            }
        }
        return margin
    }
}
