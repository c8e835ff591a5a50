import Numerics

/// How the feedforward network's last layer becomes class scores; the predicted class is the
/// argmax of the scores (the first index on ties, as `Matrix.argmaxPerRow`).
///
/// - `single`: one output per class, score_k = out_k (Hopfield networks; resistive networks
///   with a single-ended readout).
/// - `differential`: two outputs per class, score_k = out_k − out_{k+K} for K classes (a
///   resistive network whose hardware preset reads each class as V⁺ − V⁻).
///
/// Training's evaluation and every export use this one readout, so that exported networks
/// predict exactly the classes the run reported.
public enum Readout: Equatable, Sendable {
    case single(classes: Int)
    case differential(classes: Int)

    /// `name` as written in metadata ("single" or "differential") for a last layer of `outputs` units.
    public init?(name: String, outputs: Int) {
        switch name {
        case "single": self = .single(classes: outputs)
        case "differential" where outputs % 2 == 0: self = .differential(classes: outputs / 2)
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .single: return "single"
        case .differential: return "differential"
        }
    }

    public var classes: Int {
        switch self {
        case .single(let k), .differential(let k): return k
        }
    }

    /// Units of the last layer this readout reads.
    public var outputs: Int {
        switch self {
        case .single(let k): return k
        case .differential(let k): return 2 * k
        }
    }

    /// The formula, for metadata and generated code comments.
    public var formula: String {
        switch self {
        case .single(let k): return "score_k = out_k, k = 0..\(k - 1)"
        case .differential(let k): return "score_k = out_k - out_(k+\(k)), k = 0..\(k - 1)"
        }
    }

    /// The class scores of a batch of last-layer outputs (one sample per row).
    public func scores<S: BLASScalar>(_ output: Matrix<S>) -> Matrix<S> {
        precondition(output.columns == outputs, "the readout expects \(outputs) outputs per sample")
        guard case .differential(let k) = self else { return output }
        var s = Matrix<S>(rows: output.rows, columns: k)
        for b in 0..<output.rows {
            for j in 0..<k { s[b, j] = output[b, j] - output[b, j + k] }
        }
        return s
    }
}

/// The batch sizes of the trainers' test-set evaluation. Results of a matrix product can differ
/// in the last bit with the batch's shape, so an export reproduces a run's reported error
/// exactly only when it is evaluated in the same batches.
public enum EvaluationBatch {
    public static let hopfield = 500
    public static let resistive = 250
}
