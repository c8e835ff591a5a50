import Foundation
import Numerics

/// Compares, per layer, the gradient estimates of an equilibrating network: EqProp (one-sided
/// and centered, for a list of β), recurrent backpropagation (implicit and iterative) and
/// central finite differences of J(θ) = C(s⁰_θ) on sampled parameters.
public struct GradientCheck {
    public struct Layer: Codable, Sendable {
        public var layer: Int
        public var parameters: Int
        public var rbpNorm: Double
        /// Centered EqProp at the main β vs implicit RBP.
        public var cosineCenteredRBP: Double
        public var relErrorCenteredRBP: Double
        /// One-sided EqProp at the main β vs implicit RBP.
        public var cosineOneSidedRBP: Double
        public var relErrorOneSidedRBP: Double
        /// Iterative vs implicit RBP.
        public var relErrorIterativeRBP: Double
        /// Central finite differences vs implicit RBP, on `finiteDifferenceSamples` entries.
        public var relErrorRBPFiniteDiff: Double
        public var finiteDifferenceSamples: Int
        /// RBP gives this layer an exactly zero gradient (every unit it drives is clamped or
        /// clipped at s⁰): there is nothing to compare, and the layer is left out of the
        /// report's worst-layer summaries.
        public var flat: Bool

        enum CodingKeys: String, CodingKey {
            case layer, parameters, flat
            case rbpNorm = "rbp_norm"
            case cosineCenteredRBP = "cosine_centered_rbp", relErrorCenteredRBP = "rel_error_centered_rbp"
            case cosineOneSidedRBP = "cosine_one_sided_rbp", relErrorOneSidedRBP = "rel_error_one_sided_rbp"
            case relErrorIterativeRBP = "rel_error_iterative_rbp", relErrorRBPFiniteDiff = "rel_error_rbp_finite_diff"
            case finiteDifferenceSamples = "finite_difference_samples"
        }
    }

    public struct Sweep: Codable, Sendable {
        public var beta: Double
        /// ‖estimate − RBP‖ / ‖RBP‖ over all parameters.
        public var relErrorOneSided: Double
        public var relErrorCentered: Double
        enum CodingKeys: String, CodingKey {
            case beta, relErrorOneSided = "rel_error_one_sided", relErrorCentered = "rel_error_centered"
        }
    }

    public struct Report: Codable, Sendable {
        public var beta: Double
        public var layers: [Layer]
        public var sweep: [Sweep]
        /// Slopes of log(error) vs log(β) over the sweep: ≈ 1 one-sided, ≈ 2 centered. Nil when
        /// fewer than two sweep points lie above the numerical floor (1e-10): e.g. a piecewise
        /// linear circuit (ideal diodes), where centered EqProp is exact until a kink.
        public var orderOneSided: Double?
        public var orderCentered: Double?
        public var activeUnits: Int
        public var units: Int
        public var hessianPivotRatio: Double
        public var iterativeSteps: Int
        /// Distance of the nearest unit to a constraint kink at s⁰ (state units).
        public var kinkMargin: Double
        public var finiteDifferenceStep: Double
        public var cost: Double
        // The contract's summary (worst layer among those with a gradient).
        public var cosineEqPropRBP: Double
        public var relErrorEqPropRBP: Double
        public var relErrorRBPFiniteDiff: Double

        enum CodingKeys: String, CodingKey {
            case beta, layers, sweep, cost, units
            case orderOneSided = "order_one_sided", orderCentered = "order_centered"
            case activeUnits = "active_units", hessianPivotRatio = "hessian_pivot_ratio"
            case iterativeSteps = "iterative_rbp_steps", kinkMargin = "kink_margin"
            case finiteDifferenceStep = "finite_difference_step"
            case cosineEqPropRBP = "cosine_eqprop_rbp", relErrorEqPropRBP = "rel_error_eqprop_rbp"
            case relErrorRBPFiniteDiff = "rel_error_rbp_finite_diff"
        }
    }

    /// - Parameters:
    ///   - beta: the main β for the per-layer comparison (in the model's units).
    ///   - betas: β values for the order fit.
    ///   - samplesPerTensor: parameters per tensor checked by finite differences.
    ///   - relativeStep: finite-difference step relative to max(|θ|, `absoluteStepFloor`).
    ///   - progress: sees (fixed points found, fixed points in all): 1 free, 2 per β, 2 per
    ///     finite-difference entry.
    public static func run<M: EnergyModel>(_ model: M, beta: Double, betas: [Double], samplesPerTensor: Int = 12,
                                           relativeStep: Double = 1e-5, absoluteStepFloor: Double,
                                           seed: UInt64 = 1, progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        guard beta.isFinite, beta > 0, betas.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw GradientError("β must be positive and finite (got \(beta))")
        }
        let total = 1 + 2 * (1 + betas.count) + 2 * model.parameters.reduce(0) { $0 + min($1.count, samplesPerTensor) }
        var done = 0
        func advance(_ n: Int) {
            done += n
            progress?(done, total)
        }
        let s0 = try model.fixedPoint(beta: 0, free: nil)
        advance(1)
        let implicit = try RecurrentBackpropagation.implicit(model, at: s0)
        let iterative = try RecurrentBackpropagation.iterative(model, at: s0)
        let e0 = model.energyParameterGradient(at: s0)
        func estimates(_ b: Double) throws -> (oneSided: [[Double]], centered: [[Double]]) {
            let plus = model.energyParameterGradient(at: try model.fixedPoint(beta: b, free: s0))
            let minus = model.energyParameterGradient(at: try model.fixedPoint(beta: -b, free: s0))
            let one = zip(plus, e0).map { zip($0, $1).map { ($0 - $1) / b } }
            let centered = zip(plus, minus).map { zip($0, $1).map { ($0 - $1) / (2 * b) } }
            advance(2)
            return (one, centered)
        }
        let main = try estimates(beta)
        let tensorLayers = model.parameterLayers
        let layerCount = (tensorLayers.max() ?? 0) + 1
        func perLayer(_ tensors: [[Double]]) -> [[Double]] {
            (0..<layerCount).map { l in tensorLayers.indices.filter { tensorLayers[$0] == l }.flatMap { tensors[$0] } }
        }
        // Finite differences on sampled entries of every tensor.
        var rng = SeededGenerator(seed: seed).stream(31)
        let params = model.parameters
        var fdSamples: [[(tensor: Int, index: Int)]] = Array(repeating: [], count: layerCount)
        var fdValues: [[Double]] = Array(repeating: [], count: layerCount)
        var rbpAtSamples: [[Double]] = Array(repeating: [], count: layerCount)
        var step = 0.0
        for (t, values) in params.enumerated() {
            let picks = values.count <= samplesPerTensor ? Array(0..<values.count)
                : Array(rng.permutation(values.count).prefix(samplesPerTensor))
            for index in picks {
                let h = relativeStep * max(abs(values[index]), absoluteStepFloor)
                step = max(step, h)
                let up = model.perturbed(tensor: t, index: index, by: h)
                let down = model.perturbed(tensor: t, index: index, by: -h)
                let jp = up.cost(at: try up.fixedPoint(beta: 0, free: s0))
                let jm = down.cost(at: try down.fixedPoint(beta: 0, free: s0))
                advance(2)
                let l = tensorLayers[t]
                fdSamples[l].append((t, index))
                fdValues[l].append((jp - jm) / (2 * h))
                rbpAtSamples[l].append(implicit.gradient[t][index])
            }
        }
        let rbpLayers = perLayer(implicit.gradient), iterLayers = perLayer(iterative.gradient)
        let oneLayers = perLayer(main.oneSided), centeredLayers = perLayer(main.centered)
        var layers: [Layer] = []
        for l in 0..<layerCount {
            layers.append(Layer(
                layer: l + 1, parameters: rbpLayers[l].count, rbpNorm: norm(rbpLayers[l]),
                cosineCenteredRBP: cosine(centeredLayers[l], rbpLayers[l]),
                relErrorCenteredRBP: relative(centeredLayers[l], rbpLayers[l]),
                cosineOneSidedRBP: cosine(oneLayers[l], rbpLayers[l]),
                relErrorOneSidedRBP: relative(oneLayers[l], rbpLayers[l]),
                relErrorIterativeRBP: relative(iterLayers[l], rbpLayers[l]),
                relErrorRBPFiniteDiff: relative(rbpAtSamples[l], fdValues[l]),
                finiteDifferenceSamples: fdSamples[l].count, flat: norm(rbpLayers[l]) == 0))
        }
        let compared = layers.filter { !$0.flat }
        guard !compared.isEmpty else {
            throw GradientError("J(θ) is flat at this point: every layer's gradient is zero (all units clamped or clipped); try another sample or seed")
        }
        var sweep: [Sweep] = []
        let rbpAll = implicit.gradient.flatMap { $0 }
        for b in betas {
            let e = try estimates(b)
            sweep.append(Sweep(beta: b, relErrorOneSided: relative(e.oneSided.flatMap { $0 }, rbpAll),
                               relErrorCentered: relative(e.centered.flatMap { $0 }, rbpAll)))
        }
        return Report(
            beta: beta, layers: layers, sweep: sweep,
            orderOneSided: fittedOrder(sweep.map(\.beta), sweep.map(\.relErrorOneSided)),
            orderCentered: fittedOrder(sweep.map(\.beta), sweep.map(\.relErrorCentered)),
            activeUnits: implicit.activeUnits, units: s0.count, hessianPivotRatio: implicit.pivotRatio ?? 0,
            iterativeSteps: iterative.steps ?? 0, kinkMargin: model.kinkMargin(at: s0), finiteDifferenceStep: step,
            cost: model.cost(at: s0),
            cosineEqPropRBP: compared.map(\.cosineCenteredRBP).min()!,
            relErrorEqPropRBP: compared.map(\.relErrorCenteredRBP).max()!,
            relErrorRBPFiniteDiff: compared.map(\.relErrorRBPFiniteDiff).max()!)
    }

    static func norm(_ a: [Double]) -> Double { a.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// ‖a − b‖ / ‖b‖.
    static func relative(_ a: [Double], _ b: [Double]) -> Double {
        norm(zip(a, b).map { $0 - $1 }) / max(norm(b), 1e-300)
    }

    static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } / max(norm(a) * norm(b), 1e-300)
    }

    /// The slope over the points above the numerical floor, or nil.
    static func fittedOrder(_ x: [Double], _ y: [Double]) -> Double? {
        let kept = zip(x, y).filter { $0.1 > 1e-10 }
        return kept.count >= 2 ? slope(kept.map(\.0), kept.map(\.1)) : nil
    }

    /// Least-squares slope of log y against log x.
    static func slope(_ x: [Double], _ y: [Double]) -> Double {
        let lx = x.map { log($0) }, ly = y.map { log(max($0, 1e-300)) }
        let n = Double(x.count)
        guard n >= 2 else { return .nan }
        let mx = lx.reduce(0, +) / n, my = ly.reduce(0, +) / n
        let sxy = zip(lx, ly).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let sxx = lx.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return sxy / sxx
    }
}
