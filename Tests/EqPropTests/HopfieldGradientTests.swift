import EqProp
import Equilibrium
import Numerics
import Testing
import TestSupport

/// Derivatives of the layered Hopfield energy (Eq. 1) against central finite differences,
/// and the batched Euler relaxer against the per-sample reference gradient.
@Suite struct HopfieldGradientTests {
    let sizes = [6, 5, 4, 3]

    func network(seed: UInt64 = 1) -> LayeredHopfieldNetwork {
        var rng = SeededGenerator(seed: seed)
        var n = LayeredHopfieldNetwork(layerSizes: sizes, rng: &rng)
        for l in 0..<n.depth { for j in 0..<n.biases[l].count { n.biases[l][j] = Float(rng.uniform(-0.3, 0.3)) } }
        return n
    }

    /// States strictly inside (0, 1), away from the kinks of ρ, so E is smooth there.
    func interiorState(_ rng: inout SeededGenerator) -> (x: [Double], s: [[Double]]) {
        let x = (0..<sizes[0]).map { _ in rng.uniform(0, 1) }
        let s = sizes.dropFirst().map { n in (0..<n).map { _ in rng.uniform(0.1, 0.9) } }
        return (x, s)
    }

    @Test func stateGradientMatchesFiniteDifferences() {
        let net = network()
        var rng = SeededGenerator(seed: 2)
        let (x, s) = interiorState(&rng)
        let g = net.energyGradient(input: x, states: s)
        let h = 1e-6
        var worst = 0.0
        for l in 0..<s.count {
            for j in 0..<s[l].count {
                var sp = s, sm = s
                sp[l][j] += h; sm[l][j] -= h
                let fd = (net.energy(input: x, states: sp) - net.energy(input: x, states: sm)) / (2 * h)
                worst = max(worst, abs(fd - g[l][j]))
            }
        }
        // E is quadratic in each coordinate here, so central differences are exact up to the
        // roundoff of the two energies, each within γ_n·Σ|terms of E| (not γ_n·|E|: E's terms
        // have both signs), divided by 2h.
        let (magnitude, terms) = energyMagnitude(net, x, s)
        let bound = RoundingBound.sum(magnitude: magnitude, terms: terms) / (2 * h)
        #expect(worst <= bound, "worst \(worst) vs bound \(bound) (Σ|terms| = \(magnitude))")
    }

    /// Σ|terms| of E (Eq. 1) as `energy(input:states:)` adds them, and how many terms it adds.
    func energyMagnitude(_ net: LayeredHopfieldNetwork, _ x: [Double], _ s: [[Double]]) -> (Double, Int) {
        var m = 0.0, terms = 0
        for l in 1...net.depth {
            let below = l == 1 ? x : s[l - 2].map(HardSigmoid.rho)
            for j in 0..<s[l - 1].count {
                let r = abs(HardSigmoid.rho(s[l - 1][j]))
                m += 0.5 * s[l - 1][j] * s[l - 1][j] + abs(Double(net.biases[l - 1][j])) * r
                for i in 0..<below.count { m += abs(below[i] * Double(net.weights[l - 1][i, j])) * r }
                terms += 3 + below.count
            }
        }
        return (m, terms)
    }

    @Test func parameterGradientMatchesFiniteDifferences() {
        var net = network()
        var rng = SeededGenerator(seed: 3)
        let (x, s) = interiorState(&rng)
        let g = net.parameterGradient(input: x, states: s)
        var worst = 0.0
        for l in 0..<net.depth {
            for i in 0..<net.weights[l].rows {
                for j in 0..<net.weights[l].columns {
                    let w = net.weights[l][i, j]
                    net.weights[l][i, j] = w + 1e-2
                    let ep = net.energy(input: x, states: s)
                    let up = Double(net.weights[l][i, j])
                    net.weights[l][i, j] = w - 1e-2
                    let em = net.energy(input: x, states: s)
                    let down = Double(net.weights[l][i, j])
                    net.weights[l][i, j] = w
                    // E is linear in each weight: the difference quotient is exact.
                    worst = max(worst, abs((ep - em) / (up - down) - g.weights[l][i, j]))
                }
            }
            for j in 0..<net.biases[l].count {
                let b = net.biases[l][j]
                net.biases[l][j] = b + 1e-2
                let ep = net.energy(input: x, states: s), up = Double(net.biases[l][j])
                net.biases[l][j] = b - 1e-2
                let em = net.energy(input: x, states: s), down = Double(net.biases[l][j])
                net.biases[l][j] = b
                worst = max(worst, abs((ep - em) / (up - down) - g.biases[l][j]))
            }
        }
        #expect(worst < 1e-9)
    }

    @Test func relaxerStepIsClippedGradientStep() {
        let net = network()
        var rng = SeededGenerator(seed: 4)
        let batch = 3
        var xs: [[Double]] = [], ss: [[[Double]]] = []
        for _ in 0..<batch { let (x, s) = interiorState(&rng); xs.append(x); ss.append(s) }
        // Push some states to the bounds so that clipping is exercised.
        ss[0][0][0] = 0; ss[1][1][2] = 1
        var states = (0..<net.depth).map { l in
            FloatMatrix(rows: batch, columns: sizes[l + 1], elements: ss.flatMap { $0[l] }.map(Float.init))
        }
        let x = FloatMatrix(rows: batch, columns: sizes[0], elements: xs.flatMap { $0 }.map(Float.init))
        let y = FloatMatrix(rows: batch, columns: 3, elements: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let tether = states.map { m in FloatMatrix(rows: m.rows, columns: m.columns, elements: m.elements.map { 1 - $0 }) }
        let relaxer = HopfieldRelaxer()
        relaxer.prepare(net, inputs: x)
        let eps: Float = 0.3, beta = 0.7, lambda = 0.2
        relaxer.relax(net, states: &states, steps: 1, epsilon: eps,
                      phase: Phase(nudge: .init(beta: beta, targets: y), tether: .init(strength: lambda, anchors: tether)))
        var worst = 0.0
        for b in 0..<batch {
            let g = net.energyGradient(input: xs[b], states: ss[b])
            for l in 0..<net.depth {
                for j in 0..<sizes[l + 1] {
                    var grad = g[l][j] + 2 * lambda * (ss[b][l][j] - Double(tether[l][b, j]))
                    if l == net.depth - 1 { grad += 2 * beta * (ss[b][l][j] - Double(y[b, j])) }
                    let expected = min(max(ss[b][l][j] - Double(eps) * grad, 0), 1)
                    worst = max(worst, abs(expected - Double(states[l][b, j])))
                }
            }
        }
        #expect(worst < 1e-6)  // single-precision relaxer vs double reference
    }

    @Test func eulerStepsLowerTheEnergy() {
        let net = network(seed: 9)
        var rng = SeededGenerator(seed: 10)
        let (x, s) = interiorState(&rng)
        var states = (0..<net.depth).map { FloatMatrix(rows: 1, columns: sizes[$0 + 1], elements: s[$0].map(Float.init)) }
        let relaxer = HopfieldRelaxer()
        relaxer.prepare(net, inputs: FloatMatrix(rows: 1, columns: sizes[0], elements: x.map(Float.init)))
        var energy = net.energy(input: x, states: s)
        for _ in 0..<30 {
            relaxer.relax(net, states: &states, steps: 1, epsilon: 0.2, phase: .free)
            let e = net.energy(input: x, states: states.map { $0.elements.map(Double.init) })
            #expect(e <= energy + 1e-6)
            energy = e
        }
    }
}
