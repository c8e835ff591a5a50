import Datasets
import EqProp
import Foundation
import Numerics
import Reporting

/// The experiments behind the paper's figures (O'Connor et al. 2019), each producing SVG
/// charts, CSV data and a JSON summary. Quick mode reduces data and epochs (stated on every
/// chart) so that a figure takes minutes on two cores; full mode uses the paper's settings.
public enum Figures {
    public struct Output {
        /// File name → contents (SVG and CSV).
        public var files: [(name: String, contents: String)] = []
        public var summary: [String: JSONValue] = [:]
    }

    /// The files figure `n` writes, in the order of `Output.files`.
    public static func fileNames(figure n: Int) -> [String] {
        switch n {
        case 1: return ["figure-1-loss.svg", "figure-1-alignment.svg", "figure-1.csv"]
        case 2: return ["figure-2-small.svg", "figure-2-large.svg", "figure-2.csv"]
        case 3: return ["figure-3-error.svg", "figure-3-alignment.svg", "figure-3.csv"]
        default: return ["figure-4.svg", "figure-4.csv"]
        }
    }

    static func files(figure n: Int, _ contents: [String]) -> [(name: String, contents: String)] {
        Array(zip(fileNames(figure: n), contents))
    }

    public struct Settings {
        public var quick: Bool
        public var seed: UInt64
        public var progress: ((String) -> Void)?
        public init(quick: Bool, seed: UInt64, progress: ((String) -> Void)? = nil) {
            self.quick = quick
            self.seed = seed
            self.progress = progress
        }
    }

    // MARK: - Figure 1: local vs global losses on layer-wise targets

    public static func figure1(_ s: Settings) -> Output {
        var toy = LayerwiseTargetsToy()
        toy.seed = s.seed
        toy.steps = s.quick ? 2000 : 10000
        let r = toy.run()
        var out = Output()
        var csv = "step,global_loss_local_training,global_loss_global_training," + (1...r.lateCosine.count).map { "cosine_layer\($0)" }.joined(separator: ",") + "\n"
        for p in r.points {
            csv += "\(p.step),\(p.globalLossLocalTraining),\(p.globalLossGlobalTraining)," + p.cosine.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        let note = "6-layer network \(toy.sizes.map(String.init).joined(separator: "-")), hard-sigmoid units, targets from random φ*"
        let note2 = "batch \(toy.batch), η \(toy.learningRate), \(toy.steps) steps\(s.quick ? " (quick mode)" : ""), seed \(s.seed)"
        var loss = LinePlot(title: "Fig. 1a: the distant (output) loss, trained by local or by global losses", xLabel: "step",
                            yLabel: "½‖f_L − s*_L‖² on held-out inputs", logY: true)
        loss.notes = [note, note2]
        loss.series = [.init(name: "local losses", points: r.points.map { (Double($0.step), $0.globalLossLocalTraining) }, color: LinePlot.palette[0]),
                       .init(name: "global loss (backprop)", points: r.points.map { (Double($0.step), $0.globalLossGlobalTraining) }, color: LinePlot.palette[1])]
        var align = LinePlot(title: "Fig. 1b: cos(local gradient, global gradient) per layer, along local training", xLabel: "step", yLabel: "cosine similarity")
        align.notes = [note, note2, "gradients on 500 probe inputs; curves: moving average over 10 records (raw values in figure-1.csv); layer 6: local = global loss"]
        align.yRange = -1...1.05
        align.series = (0..<r.lateCosine.count).map { k in
            let raw = r.points.map { $0.cosine[k] }
            let smooth = raw.indices.map { i -> Double in
                let window = raw[max(0, i - 9)...i]
                return window.reduce(0, +) / Double(window.count)
            }
            return .init(name: "layer \(k + 1)", points: zip(r.points, smooth).map { (Double($0.step), $1) }, color: LinePlot.palette[k % LinePlot.palette.count])
        }
        out.files = files(figure: 1, [loss.svg(), align.svg(), csv])
        out.summary = ["late_cosine": .array(r.lateCosine.map { .number($0) }), "target_loss": .number(r.targetLoss),
                       "local_reaches_target_at_step": r.localReachesTargetAt.map { .number(Double($0)) } ?? .null,
                       "global_reaches_target_at_step": r.globalReachesTargetAt.map { .number(Double($0)) } ?? .null,
                       "final_global_loss_local": .number(r.points.last!.globalLossLocalTraining),
                       "final_global_loss_global": .number(r.points.last!.globalLossGlobalTraining)]
        return out
    }

    // MARK: - Runs of the Hopfield trainer

    struct Run {
        var label: String
        var config: HopfieldTrainingConfig
        var metrics: [EpochMetrics] = []
    }

    static func train(_ run: inout Run, data: Dataset, _ s: Settings) throws {
        let trainer = try HopfieldTrainer(config: run.config)
        let start = Date()
        let epochs = run.config.epochs
        for epoch in 1...epochs {
            let t = try trainer.trainEpoch(epoch, on: data.train, progress: nil)
            let e = try trainer.evaluate(data.test)
            run.metrics.append(EpochMetrics(epoch: epoch, training: t, evaluation: e))
            let elapsed = Date().timeIntervalSince(start)
            s.progress?(String(format: "%@: epoch %d/%d, test error %.2f%% relaxed, %.2f%% feedforward; %@ %@",
                               run.label, epoch, epochs, 100 * e.errorRelaxed, 100 * e.errorFeedforward,
                               epoch < epochs ? "ETA" : "took",
                               ProgressLine.format(seconds: epoch < epochs ? elapsed / Double(epoch) * Double(epochs - epoch) : elapsed)))
        }
    }

    static func limited(_ data: Dataset, train: Int, test: Int) -> Dataset {
        var d = data
        d.train = data.train.prefix(train)
        d.test = data.test.prefix(test)
        return d
    }

    static func dataNote(_ d: Dataset, epochs: Int, quick: Bool) -> String {
        "\(d.name.rawValue): \(d.train.count) training / \(d.test.count) test samples, \(epochs) epochs\(quick ? " (quick mode)" : "")"
    }

    // MARK: - Figure 2: Init-EqProp vs EqProp at long and short free phases

    public static func figure2(_ data: Dataset, _ s: Settings) throws -> Output {
        var out = Output()
        var csv = "network,steps_free,method,epoch,test_error_relaxed,test_error_feedforward,train_error_relaxed,train_error_feedforward\n"
        var charts: [String] = []
        for (name, base, steps) in [("small", HopfieldTrainingConfig.paperSmall, [20, 4]), ("large", HopfieldTrainingConfig.paperLarge, [50, 10])] {
            let epochs = s.quick ? (name == "small" ? 5 : 3) : base.epochs
            let d = s.quick ? limited(data, train: 10_000, test: 2_000) : data
            var plot = LinePlot(title: "Fig. 2 (\(name) network \(base.layerSizes.map(String.init).joined(separator: "-"))): Init-EqProp vs EqProp",
                                xLabel: "epoch", yLabel: "test error (%)", logY: true)
            plot.integerXTicks = true
            plot.notes = [dataNote(d, epochs: epochs, quick: s.quick) + ", seed \(s.seed)", "solid: T⁻ = \(steps[0]); dashed: T⁻ = \(steps[1])"]
            for (k, t) in steps.enumerated() {
                for method in ["init", "plain"] {
                    var c = base
                    c.epochs = epochs
                    c.seed = s.seed
                    c.stepsFree = t
                    if method == "plain" { c.useInitialization = false; c.lambda = 0 }
                    var run = Run(label: "\(name) T⁻=\(t) \(method == "init" ? "Init-EqProp" : "EqProp")", config: c)
                    try train(&run, data: d, s)
                    for m in run.metrics {
                        csv += "\(name),\(t),\(method),\(m.epoch),\(m.testErrorRelaxed),\(m.testErrorFeedforward),\(m.trainErrorRelaxed),\(m.trainErrorFeedforward)\n"
                    }
                    func series(_ label: String, _ f: (EpochMetrics) -> Double, _ color: String) -> LinePlot.Series {
                        .init(name: label, points: run.metrics.map { (Double($0.epoch), max(100 * f($0), 0.01)) }, color: color, dashed: k == 1, markers: true)
                    }
                    if method == "init" {
                        plot.series.append(series("Init-EqProp s⁻ (Alg. 3), T⁻=\(t)", \.testErrorRelaxed, LinePlot.palette[0]))
                        plot.series.append(series("Init-EqProp s^f (Alg. 2), T⁻=\(t)", \.testErrorFeedforward, LinePlot.palette[2]))
                    } else {
                        plot.series.append(series("EqProp s⁻, T⁻=\(t)", \.testErrorRelaxed, LinePlot.palette[1]))
                    }
                    out.summary["\(name)_T\(t)_\(method)_final_test_error_relaxed"] = .number(run.metrics.last!.testErrorRelaxed)
                    out.summary["\(name)_T\(t)_\(method)_final_test_error_feedforward"] = .number(run.metrics.last!.testErrorFeedforward)
                }
            }
            charts.append(plot.svg())
        }
        out.files = files(figure: 2, charts + [csv])
        return out
    }

    // MARK: - Figure 3: the feedforward network trained by local vs global losses

    public static func figure3(_ data: Dataset, _ s: Settings) throws -> Output {
        var out = Output()
        let epochs = s.quick ? 5 : HopfieldTrainingConfig.paperSmall.epochs
        let d = s.quick ? limited(data, train: 10_000, test: 2_000) : data
        var runs: [Run] = []
        for loss in [HopfieldTrainingConfig.FeedforwardLoss.local, .global] {
            var c = HopfieldTrainingConfig.paperSmall
            c.epochs = epochs
            c.seed = s.seed
            c.feedforwardLoss = loss
            c.alignmentEvery = 10
            var run = Run(label: "feedforward trained by \(loss.rawValue) losses", config: c)
            try train(&run, data: d, s)
            runs.append(run)
        }
        let layers = runs[0].metrics.first?.alignment?.count ?? 0
        var csv = "feedforward_loss,epoch,test_error_feedforward,test_error_relaxed," + (1...max(layers, 1)).map { "alignment_layer\($0)" }.joined(separator: ",") + "\n"
        for run in runs {
            for m in run.metrics {
                csv += "\(run.config.feedforwardLoss!.rawValue),\(m.epoch),\(m.testErrorFeedforward),\(m.testErrorRelaxed),"
                    + (m.alignment ?? []).map { "\($0)" }.joined(separator: ",") + "\n"
            }
        }
        let note = "paper-small 784-500-10, Init-EqProp (T⁻ 20, T⁺ 4); " + dataNote(d, epochs: epochs, quick: s.quick) + ", seed \(s.seed)"
        var error = LinePlot(title: "Fig. 3a: feedforward network trained by local vs global losses", xLabel: "epoch", yLabel: "test error (%)", logY: true)
        error.integerXTicks = true
        error.notes = [note, "global: ½‖s^f_L − s⁻_L‖² backpropagated through the feedforward network"]
        for (k, run) in runs.enumerated() {
            error.series.append(.init(name: "s^f, \(run.config.feedforwardLoss!.rawValue) losses", points: run.metrics.map { (Double($0.epoch), 100 * $0.testErrorFeedforward) },
                                      color: LinePlot.palette[k], markers: true))
            error.series.append(.init(name: "s⁻, \(run.config.feedforwardLoss!.rawValue) losses", points: run.metrics.map { (Double($0.epoch), 100 * $0.testErrorRelaxed) },
                                      color: LinePlot.palette[k], dashed: true))
        }
        var align = LinePlot(title: "Fig. 3b: cos(local gradient, global gradient) per layer", xLabel: "epoch", yLabel: "mean cosine similarity")
        align.integerXTicks = true
        align.notes = [note, "measured every 10 batches; solid: training by local losses, dashed: by the global loss"]
        align.yRange = -0.2...1.05
        for (k, run) in runs.enumerated() {
            for l in 0..<layers {
                align.series.append(.init(name: "layer \(l + 1), \(run.config.feedforwardLoss!.rawValue)", points: run.metrics.map { (Double($0.epoch), $0.alignment?[l] ?? .nan) },
                                          color: LinePlot.palette[l], dashed: k == 1, markers: true))
            }
        }
        out.files = files(figure: 3, [error.svg(), align.svg(), csv])
        out.summary = ["final_test_error_feedforward_local": .number(runs[0].metrics.last!.testErrorFeedforward),
                       "final_test_error_feedforward_global": .number(runs[1].metrics.last!.testErrorFeedforward),
                       "final_alignment_local": .array((runs[0].metrics.last!.alignment ?? []).map { .number($0) })]
        return out
    }

    // MARK: - Figure 4: the λ tether

    public static func figure4(_ data: Dataset, _ s: Settings) throws -> Output {
        var out = Output()
        let epochs = s.quick ? 5 : HopfieldTrainingConfig.paperSmall.epochs
        let d = s.quick ? limited(data, train: 10_000, test: 2_000) : data
        let lambdas = [0, 0.01, 0.03, 0.1, 0.3, 1.0]
        var csv = "lambda,steps_free,test_error_feedforward,test_error_relaxed\n"
        var plot = LinePlot(title: "Fig. 4: final test error vs the tether strength λ (Init-EqProp, 784-500-10)", xLabel: "λ", yLabel: "final test error (%)", logY: true)
        plot.notes = [dataNote(d, epochs: epochs, quick: s.quick) + ", seed \(s.seed)", "solid: T⁻ = 4; dashed: T⁻ = 20"]
        for (k, steps) in [4, 20].enumerated() {
            var relaxed: [(x: Double, y: Double)] = [], feedforward: [(x: Double, y: Double)] = []
            for lambda in lambdas {
                var c = HopfieldTrainingConfig.paperSmall
                c.epochs = epochs
                c.seed = s.seed
                c.stepsFree = steps
                c.lambda = Float(lambda)
                var run = Run(label: "λ=\(lambda), T⁻=\(steps)", config: c)
                try train(&run, data: d, s)
                let m = run.metrics.last!
                csv += "\(lambda),\(steps),\(m.testErrorFeedforward),\(m.testErrorRelaxed)\n"
                relaxed.append((lambda, 100 * m.testErrorRelaxed))
                feedforward.append((lambda, 100 * m.testErrorFeedforward))
                out.summary["T\(steps)_lambda_\(lambda)_test_error_feedforward"] = .number(m.testErrorFeedforward)
                out.summary["T\(steps)_lambda_\(lambda)_test_error_relaxed"] = .number(m.testErrorRelaxed)
            }
            plot.series.append(.init(name: "s⁻ (Alg. 3), T⁻=\(steps)", points: relaxed, color: LinePlot.palette[0], dashed: k == 1, markers: true))
            plot.series.append(.init(name: "s^f (Alg. 2), T⁻=\(steps)", points: feedforward, color: LinePlot.palette[2], dashed: k == 1, markers: true))
        }
        out.files = files(figure: 4, [plot.svg(), csv])
        return out
    }
}
