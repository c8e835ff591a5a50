import EqProp
import Equilibrium
import Numerics
import Testing

/// The EqProp update (Eq. 3–5) against the finite-difference gradient of the loss at the free
/// fixed point, on a tiny network, and the feedforward network's local-loss gradient (Eq. 8).
@Suite struct EquilibriumPropagationTests {
    let sizes = [4, 5, 3]

    /// A small network whose free fixed point lies inside (0, 1) (no clipped unit), so that
    /// J(θ) = ‖s*_L(θ) − y‖² is differentiable.
    func network() -> LayeredHopfieldNetwork {
        var rng = SeededGenerator(seed: 21)
        var n = LayeredHopfieldNetwork(layerSizes: sizes, rng: &rng)
        // Weights scaled by 0.3 around a bias of 0.5 keep every drive well inside (0, 1).
        for l in 0..<n.depth {
            for j in 0..<n.biases[l].count { n.biases[l][j] = 0.5 }
            n.weights[l].elements = n.weights[l].elements.map { $0 * 0.3 }
        }
        return n
    }

    let x: [Float] = [0.2, 0.9, 0.5, 0.1]
    let y: [Float] = [0, 1, 0]

    /// Runs the production relaxer long enough to reach the fixed point to Float roundoff.
    func fixedPoint(_ net: LayeredHopfieldNetwork, beta: Double, from start: [FloatMatrix]? = nil) -> [FloatMatrix] {
        let relaxer = HopfieldRelaxer(stepsFree: 3000, stepsNudged: 3000, stepSize: 0.2)
        let inputs = FloatMatrix(rows: 1, columns: 4, elements: x)
        relaxer.prepare(net, inputs: inputs)
        let s = start ?? sizes.dropFirst().map { FloatMatrix(rows: 1, columns: $0, repeating: 0.5) }
        let phase = Phase<Float>.free.nudged(beta: beta, targets: FloatMatrix(rows: 1, columns: 3, elements: y))
        let result = relaxer.relax(net, RelaxationRequest(inputs: inputs, start: s, phase: phase))
        #expect(result.statistics.residual < 1e-5)
        return result.states
    }

    func loss(_ net: LayeredHopfieldNetwork) -> Double {
        let s = fixedPoint(net, beta: 0)
        return zip(s.last!.elements, y).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
    }

    @Test func centeredUpdateMatchesFiniteDifferenceGradient() {
        let net = network()
        let free = fixedPoint(net, beta: 0)
        #expect(free.allSatisfy { $0.elements.allSatisfy { $0 > 0.01 && $0 < 0.99 } }, "fixed point must be interior: \(free.map(\.elements))")
        let beta = 0.02
        let plus = fixedPoint(net, beta: beta, from: free), minus = fixedPoint(net, beta: -beta, from: free)
        // With η = 1 the update is −(EqProp gradient estimate).
        var updated = net
        var scratch = FloatMatrix(rows: 0, columns: 0)
        updated.applyEquilibriumPropagationUpdate(
            input: FloatMatrix(rows: 1, columns: 4, elements: x), first: minus, second: plus,
            betaDifference: Float(2 * beta), learningRates: [1, 1], scratch: &scratch)
        var estimate: [Double] = [], finite: [Double] = []
        var probe = net
        for l in 0..<net.depth {
            for i in 0..<net.weights[l].rows {
                for j in 0..<net.weights[l].columns {
                    estimate.append(-Double(updated.weights[l][i, j] - net.weights[l][i, j]))
                    let w = net.weights[l][i, j]
                    probe.weights[l][i, j] = w + 0.01
                    let up = Double(probe.weights[l][i, j]); let jp = loss(probe)
                    probe.weights[l][i, j] = w - 0.01
                    let down = Double(probe.weights[l][i, j]); let jm = loss(probe)
                    probe.weights[l][i, j] = w
                    finite.append((jp - jm) / (up - down))
                }
            }
        }
        let diff = zip(estimate, finite).map { $0 - $1 }
        let relative = norm(diff) / norm(finite)
        // Centered EqProp has O(β²) bias (β = 0.02: ~1e-3 relative); the FD step 0.01 adds
        // O(h²) and single-precision fixed points add ~1e-4. Measured 0.22%; stated tolerance 0.5%.
        #expect(relative < 0.005, "relative error \(relative)")
        #expect(norm(finite) > 1e-3, "the gradient must not be trivially zero")
    }

    func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    @Test func localLossGradientMatchesFiniteDifferences() {
        var rng = SeededGenerator(seed: 31)
        let ff = FeedforwardNetwork(layerSizes: [4, 6, 3], activations: [.hardSigmoid, .hardSigmoid], gain: 2, rng: &rng)
        let xb = FloatMatrix.uniform(rows: 5, columns: 4, in: 0...1, using: &rng)
        let targets = [FloatMatrix.uniform(rows: 5, columns: 6, in: 0...1, using: &rng),
                       FloatMatrix.uniform(rows: 5, columns: 3, in: 0...1, using: &rng)]
        let ws = FeedforwardWorkspace()
        // Local loss of layer l as a function of ω_l only, the input h_{l−1} held fixed.
        func layerLoss(_ net: FeedforwardNetwork, _ l: Int) -> Double {
            net.forward(xb, leaky: true, workspace: ws)
            return 0.5 * zip(ws.activations[l].elements, targets[l].elements)
                .reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / 5
        }
        var updated = ff
        ff.forward(xb, leaky: true, workspace: ws)
        let lr: Float = 1
        updated.applyLocalLossUpdate(input: xb, targets: targets, learningRates: [lr, lr], workspace: ws)
        var worst = 0.0, largest = 0.0
        var probe = ff
        for l in 0..<2 {
            for i in 0..<ff.weights[l].rows {
                for j in 0..<ff.weights[l].columns {
                    let w = ff.weights[l][i, j]
                    probe.weights[l][i, j] = w + 1e-3
                    let up = Double(probe.weights[l][i, j]), lp = layerLoss(probe, l)
                    probe.weights[l][i, j] = w - 1e-3
                    let down = Double(probe.weights[l][i, j]), lm = layerLoss(probe, l)
                    probe.weights[l][i, j] = w
                    let fd = (lp - lm) / (up - down)
                    let analytic = -Double(updated.weights[l][i, j] - w) / Double(lr)
                    worst = max(worst, abs(fd - analytic))
                    largest = max(largest, abs(fd))
                }
            }
        }
        // Piecewise-linear activations: exact except across a kink; single precision ~1e-4.
        #expect(worst < 2e-3 * max(largest, 1e-3), "worst \(worst), largest \(largest)")
        #expect(largest > 1e-3)
    }

    @Test func localUpdateNeverTouchesOtherLayers() {
        // Targets equal to the network's own leaky output for layer 0 give δ₀ = 0: layer 0
        // must not move even though layer 1's target is far off (no gradient crosses layers).
        var rng = SeededGenerator(seed: 41)
        var ff = FeedforwardNetwork(layerSizes: [3, 4, 2], activations: [.hardSigmoid, .hardSigmoid], rng: &rng)
        let xb = FloatMatrix.uniform(rows: 2, columns: 3, in: 0...1, using: &rng)
        let ws = FeedforwardWorkspace()
        ff.forward(xb, leaky: true, workspace: ws)
        let targets = [ws.activations[0], FloatMatrix(rows: 2, columns: 2, repeating: 5)]
        let before = ff
        ff.applyLocalLossUpdate(input: xb, targets: targets, learningRates: [0.5, 0.5], workspace: ws)
        #expect(ff.weights[0] == before.weights[0] && ff.biases[0] == before.biases[0])
        #expect(ff.weights[1] != before.weights[1])
    }
}
