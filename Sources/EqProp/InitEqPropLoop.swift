import Datasets
import Equilibrium
import Foundation
import Numerics

/// The one Init-EqProp minibatch loop (O'Connor et al. 2019, Alg. 1), for every
/// `InitEqPropModel`: the layered Hopfield network and the deep resistive network alike.
///
/// Per batch: load it and predict s^f; relax the free phase; count the errors of s^f and s⁻;
/// draw the nudged phases (`NudgePlan`); learn. A batch whose phase finds no fixed point is
/// skipped (never learned from), and training stops once more than the model's
/// `maxSkippedFraction` of the batches were skipped. Evaluation runs Alg. 2 (s^f) and Alg. 3
/// (s^f, then the free phase) over the test set in the model's evaluation batches.
public struct InitEqPropLoop<Model: InitEqPropModel> {
    public let model: Model

    /// Skipped batches are reported through the model's `log`.
    public init(_ model: Model) {
        self.model = model
    }

    /// One pass over `data` in the seeded order of `epoch` (1-based). `progress` receives the
    /// number of samples done after each batch. BLAS runs single-threaded: the models use the
    /// two cores themselves (two lanes, or two ngspice workers).
    public func trainEpoch(_ epoch: Int, on data: LabeledImages, progress: ((Int) -> Void)? = nil) throws -> EpochTraining {
        try BLASThreads.with(1) { try trainEpochOnOneBLASThread(epoch, on: data, progress: progress) }
    }

    private func trainEpochOnOneBLASThread(_ epoch: Int, on data: LabeledImages, progress: ((Int) -> Void)?) throws -> EpochTraining {
        try model.checkFits(data)
        let settings = model.loopSettings
        let start = Date()
        var orderRNG = SeededGenerator(seed: settings.seed).stream(1000 + UInt64(epoch))
        let order = orderRNG.permutation(data.count)
        var plan = NudgePlan(sign: settings.betaSign, beta: settings.beta, seed: settings.seed, epoch: epoch)
        func batch(from first: Int) -> ArraySlice<Int>? {
            first < data.count ? order[first..<min(first + settings.batchSize, data.count)] : nil
        }
        model.beginEpoch(epoch)
        var tally = Tally()
        var current = batch(from: 0)
        if let current { model.load(current, of: data, for: .training) }
        while let indices = current {
            let position = BatchPosition(epoch: epoch, index: tally.batches, firstSample: tally.done, use: .training)
            let next = batch(from: tally.done + indices.count)
            tally.batches += 1
            tally.done += indices.count
            defer {
                current = next
                progress?(tally.done)
            }
            switch try model.relaxFreePhase(position) {
            case .failed(let why):
                try skip("the free phase did not converge (\(why))", &tally, epoch: epoch)
                if let next { model.load(next, of: data, for: .training) }
                continue
            case .relaxed(let statistics):
                tally.add(statistics, errors: model.errors(), samples: indices.count)
            }
            if case .failed(let why) = try model.learn(plan.next(), position, next: next, of: data) {
                try skip("a nudged phase did not converge (\(why))", &tally, epoch: epoch)
            }
        }
        try checkSkipped(tally, epoch: epoch, endOfEpoch: true)
        let relaxed = Double(max(tally.batches - tally.skipped, 1))
        let counted = Double(max(tally.counted, 1))
        var report = EpochTraining(samples: data.count, errorFeedforward: Double(tally.feedforwardErrors) / counted,
                                   errorRelaxed: Double(tally.relaxedErrors) / counted,
                                   seconds: Date().timeIntervalSince(start),
                                   meanFreeResidual: tally.residualSum / relaxed, meanFreeIterations: tally.iterationSum / relaxed)
        report.skippedBatches = tally.skipped
        try model.finishEpoch(&report, epoch: epoch, batches: tally.batches)
        return report
    }

    /// Test error of Alg. 2 (the feedforward network alone) and Alg. 3 (s^f, then the free
    /// phase; from zero without initialization), and the mean free-phase iterations per batch.
    public func evaluate(_ data: LabeledImages) throws -> Evaluation {
        let start = Date()
        let size = model.loopSettings.evaluationBatchSize
        var tally = Tally()
        while tally.done < data.count {
            let indices = tally.done..<min(tally.done + size, data.count)
            model.load(ArraySlice(indices), of: data, for: .evaluation)
            let position = BatchPosition(epoch: 0, index: tally.batches, firstSample: tally.done, use: .evaluation)
            switch try model.relaxFreePhase(position) {
            case .failed(let why):
                throw TrainingError.invalidConfiguration("the relaxation did not converge on test samples \(indices) (\(why))")
            case .relaxed(let statistics):
                tally.add(statistics, errors: model.errors(), samples: indices.count)
            }
            tally.batches += 1
            tally.done = indices.upperBound
        }
        let n = Double(max(data.count, 1))
        return Evaluation(samples: data.count, errorFeedforward: Double(tally.feedforwardErrors) / n,
                          errorRelaxed: Double(tally.relaxedErrors) / n, seconds: Date().timeIntervalSince(start),
                          meanIterations: tally.iterationSum / Double(max(tally.batches, 1)))
    }

    private func skip(_ what: String, _ tally: inout Tally, epoch: Int) throws {
        tally.skipped += 1
        model.log?("epoch \(epoch), batch \(tally.batches): \(what); batch skipped")
        try checkSkipped(tally, epoch: epoch)
    }

    /// Stops training once more than `maxSkippedFraction` of the batches were skipped: within
    /// an epoch from its 20th batch on (a single early failure does not stop it), and at the
    /// end of every epoch, however short, so that no checkpoint follows an epoch that did not train.
    private func checkSkipped(_ tally: Tally, epoch: Int, endOfEpoch: Bool = false) throws {
        let settings = model.loopSettings
        if (tally.batches >= 20 || endOfEpoch) && Double(tally.skipped) > settings.maxSkippedFraction * Double(tally.batches) {
            throw TrainingError.invalidConfiguration(
                "stopping in epoch \(epoch): \(tally.skipped) of \(tally.batches) batches did not converge "
                + "(limit \(settings.maxSkippedFraction)); " + settings.skipAdvice)
        }
    }

    /// Counts over an epoch or a test set.
    private struct Tally {
        var batches = 0, skipped = 0, done = 0, counted = 0
        var feedforwardErrors = 0, relaxedErrors = 0
        var residualSum = 0.0, iterationSum = 0.0

        mutating func add(_ statistics: RelaxationStatistics, errors: (feedforward: Int, relaxed: Int), samples: Int) {
            residualSum += statistics.residual
            iterationSum += Double(statistics.iterations)
            feedforwardErrors += errors.feedforward
            relaxedErrors += errors.relaxed
            counted += samples
        }
    }
}
