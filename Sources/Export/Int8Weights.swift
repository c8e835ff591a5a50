/// A weight matrix quantized to int8, symmetric and per layer: q = round(w / s) clamped to
/// [−127, 127] with s = max|w| / 127 (s = 1 for an all-zero layer), so that w ≈ s·q and the
/// largest weight maps to ±127. Rounding is half away from zero.
public struct Int8Weights: Equatable, Sendable {
    public let values: [Int8]
    /// s, the float value of one quantization step.
    public let scale: Float

    public init(_ weights: [Float]) {
        let largest = weights.reduce(Float(0)) { max($0, abs($1)) }
        let s: Float = largest > 0 ? largest / 127 : 1
        scale = s
        values = weights.map { Int8(max(-127, min(127, ($0 / s).rounded()))) }
    }
}
