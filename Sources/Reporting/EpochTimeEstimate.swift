/// The time left in a run of several epochs, shown as "run ETA" on the progress line: the rest
/// of the current epoch's training at its own rate, then every epoch still to come at the median
/// wall time (training and testing) of the last three epochs this process finished (recent,
/// and one epoch slowed by another job on the machine does not count), or, before one has
/// finished, at the current epoch's projected training time (its testing not yet measured).
public struct EpochTimeEstimate: Sendable {
    /// Wall seconds of each epoch this process finished.
    public private(set) var finished: [Double] = []

    public init() {}

    public mutating func record(epochSeconds: Double) { finished.append(epochSeconds) }

    /// Seconds until the run's last epoch ends, or nil while nothing has been measured.
    /// - Parameters:
    ///   - currentLeft: seconds of the current epoch's training still to come (0 once it is done).
    ///   - currentProjected: the current epoch's projected training seconds, when known.
    ///   - epochsAfter: epochs after the current one.
    public func remaining(currentLeft: Double, currentProjected: Double?, epochsAfter: Int) -> Double? {
        let recent = finished.suffix(3).sorted()
        let perEpoch = recent.isEmpty ? currentProjected
            : recent.count % 2 == 1 ? recent[recent.count / 2] : (recent[recent.count / 2 - 1] + recent[recent.count / 2]) / 2
        guard let perEpoch, perEpoch.isFinite, currentLeft.isFinite else { return nil }
        return currentLeft + Double(epochsAfter) * perEpoch
    }

    /// "run ETA h:mm:ss" for `remaining`, or "" when there is nothing to show.
    public func text(currentLeft: Double, currentProjected: Double?, epochsAfter: Int) -> String {
        guard epochsAfter > 0, let s = remaining(currentLeft: currentLeft, currentProjected: currentProjected, epochsAfter: epochsAfter) else {
            return ""
        }
        return "run ETA " + ProgressLine.format(seconds: s)
    }
}
