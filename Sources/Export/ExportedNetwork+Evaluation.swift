import Datasets
import EqProp
import Numerics

/// Class scores, predictions and error of an exported network on labeled images.
public struct InferenceResult: Sendable {
    /// One row of class scores per image.
    public let scores: FloatMatrix
    /// The argmax of each row of `scores` (the first index on ties).
    public let predictions: [Int]
    public let errors: Int
    public var samples: Int { predictions.count }
    /// errors / samples, computed as training's evaluation computes it.
    public var testError: Double { Double(errors) / Double(max(samples, 1)) }
}

extension ExportedNetwork {
    /// The batch size of the run's own evaluation: 500 images for Hopfield runs
    /// (`HopfieldTrainer.evaluate`), 250 for resistive ones (`ResistiveTrainer.evaluate`).
    /// BLAS may sum a product in another order for another batch shape (a single image goes
    /// through gemv), so only the same batches give bit-identical scores, hence exactly the
    /// reported test error.
    public var evaluationBatchSize: Int { metadata["model"] == "resistive" ? EvaluationBatch.resistive : EvaluationBatch.hopfield }

    /// Scores every image of `data` in batches of `evaluationBatchSize` (the forward pass
    /// without leak, then the readout, as the run's evaluation) and counts the errors.
    public func evaluate(_ data: LabeledImages) throws -> InferenceResult {
        guard data.pixels == inputs else {
            throw ExportError.dataMismatch("the network takes \(inputs) pixels per image, the data set has \(data.pixels) (\(data.height)x\(data.width))")
        }
        guard data.classes == classes else {
            throw ExportError.dataMismatch("the network scores \(classes) classes, the data set has \(data.classes)")
        }
        let workspace = FeedforwardWorkspace()
        var x = FloatMatrix(rows: 0, columns: inputs), y = FloatMatrix(rows: 0, columns: classes)
        var all = FloatMatrix(rows: data.count, columns: classes)
        var done = 0
        while done < data.count {
            let indices = ArraySlice(done..<min(done + evaluationBatchSize, data.count))
            data.gather(indices, into: &x, targets: &y)
            all.writeRows(startingAt: done, from: scores(x, workspace: workspace))
            done += indices.count
        }
        let predictions = all.argmaxPerRow()
        let errors = zip(predictions, data.labels).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
        return InferenceResult(scores: all, predictions: predictions, errors: errors)
    }
}
