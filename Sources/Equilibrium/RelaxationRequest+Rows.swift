import Numerics

extension RelaxationRequest {
    /// The request for samples `range` of its batch only: the same phase on those rows of the
    /// inputs, the start, the targets, the free state and the tether's anchors. A data-parallel
    /// relaxer hands each rank such a share (`BatchShare`).
    @inlinable
    public func rows(_ range: Range<Int>) -> RelaxationRequest {
        var phase = phase
        if var nudge = phase.nudge {
            nudge.targets = nudge.targets.rows(range)
            nudge.freeState = nudge.freeState?.map { $0.rows(range) }
            phase.nudge = nudge
        }
        if var tether = phase.tether {
            tether.anchors = tether.anchors.map { $0.rows(range) }
            phase.tether = tether
        }
        return RelaxationRequest(inputs: inputs.rows(range), start: start.map { $0.rows(range) }, phase: phase)
    }
}

/// Which samples of a batch each of `parts` ranks relaxes: contiguous shares in rank order,
/// rank r getting rows ⌊r·B/N⌋ ..< ⌊(r+1)·B/N⌋. Shares of a batch divisible by N are equal; the
/// last, shorter batch of an epoch is shared as evenly as it can be (a share may be empty).
/// Concatenating the shares in rank order gives the batch back in its own order.
public struct BatchShare: Sendable, Equatable {
    public var parts: Int

    public init(parts: Int) {
        precondition(parts >= 1)
        self.parts = parts
    }

    /// Rank `part`'s rows of a batch of `batch` samples.
    @inlinable
    public func rows(_ part: Int, of batch: Int) -> Range<Int> {
        (part * batch / parts)..<((part + 1) * batch / parts)
    }
}
