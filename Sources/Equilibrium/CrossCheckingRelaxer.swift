import Numerics

/// A relaxer that answers with its primary and, every `every`-th free phase, also asks a twin
/// for the same request and compares the two node by node: ngspice checked by the Swift
/// solver during training, or the other way round (DESIGN §3).
///
/// Only free phases are compared (a nudged phase's currents come from the primary's free state,
/// so a twin's nudged state would inherit its differences); `crosscheck` compares every phase
/// with `every = 1`. The count and the largest difference start afresh with `reset()`.
public final class CrossCheckingRelaxer<Model, Scalar: BLASScalar>: EquilibriumRelaxer {
    public let primary: any EquilibriumRelaxer<Model, Scalar>
    public let twin: any EquilibriumRelaxer<Model, Scalar>
    /// Compare every this many free phases (0: never; 1: every phase, nudged ones included).
    public var every: Int
    /// A difference above this is reported through `log` (V for circuits).
    public var tolerance: Double
    public var log: ((String) -> Void)?
    /// The largest difference since `reset()` (nil: nothing compared).
    public private(set) var largest: StateDifference?
    /// The difference of the last compared phase.
    public private(set) var last: StateDifference?
    /// Wall time spent in each relaxer since `reset()`, s.
    public private(set) var primarySeconds = 0.0
    public private(set) var twinSeconds = 0.0
    /// The twin's statistics of the last compared phase.
    public private(set) var lastTwinStatistics: RelaxationStatistics?
    private var freePhases = 0

    public init(primary: any EquilibriumRelaxer<Model, Scalar>, twin: any EquilibriumRelaxer<Model, Scalar>,
                every: Int, tolerance: Double = 1e-6) {
        self.primary = primary
        self.twin = twin
        self.every = every
        self.tolerance = tolerance
    }

    public func reset() {
        freePhases = 0
        largest = nil
        last = nil
        lastTwinStatistics = nil
        primarySeconds = 0
        twinSeconds = 0
    }

    public func prepare(_ model: Model, inputs: Matrix<Scalar>) {
        primary.prepare(model, inputs: inputs)
        twin.prepare(model, inputs: inputs)
    }

    public func relax(_ model: Model, _ request: RelaxationRequest<Scalar>) throws -> Relaxation<Scalar> {
        let t0 = ContinuousClock.now
        let result = try primary.relax(model, request)
        primarySeconds += Self.seconds(since: t0)
        let due: Bool
        if request.phase.isFree {
            due = every > 0 && freePhases % every == 0
            freePhases += 1
        } else {
            due = every == 1
        }
        guard due, result.statistics.converged else { return result }
        let t1 = ContinuousClock.now
        let reference = try twin.relax(model, request)
        twinSeconds += Self.seconds(since: t1)
        lastTwinStatistics = reference.statistics
        let difference = reference.statistics.converged
            ? StateDifference(result.states, reference.states)
            : StateDifference(maxAbs: .infinity, layer: 0, sample: 0, unit: 0)
        last = difference
        if difference.maxAbs > largest?.maxAbs ?? -1 { largest = difference }
        if difference.maxAbs > tolerance {
            log?("\(request.phase.name) phase \(freePhases): the two solvers differ by \(difference.maxAbs) "
                 + "(layer \(difference.layer + 1), sample \(difference.sample), unit \(difference.unit))")
        }
        return result
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
