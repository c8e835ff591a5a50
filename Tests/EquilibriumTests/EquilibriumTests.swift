import Equilibrium
import Numerics
import Testing

@Suite struct NudgePlanTests {
    @Test func centeredPairsMinusBetaWithPlusBeta() {
        var plan = NudgePlan(sign: .centered, beta: 0.5, seed: 1, epoch: 1)
        let phases = plan.next()
        #expect(phases.betas == [0.5, -0.5])
        #expect(phases.betaDifference == 1.0)
        let pair = phases.pair(free: "free", nudged: ["+β", "−β"])
        #expect(pair.first == "−β" && pair.second == "+β")
    }

    @Test func positivePairsTheFreeStateWithPlusBeta() {
        var plan = NudgePlan(sign: .positive, beta: 0.5, seed: 1, epoch: 1)
        for _ in 0..<10 {
            let phases = plan.next()
            #expect(phases == .oneSided(beta: 0.5))
            #expect(phases.pair(free: "free", nudged: ["+β"]) == ("free", "+β"))
        }
    }

    /// Random signs: both occur, the same sequence for the same seed and epoch (a resumed epoch
    /// replays them), another for another epoch.
    @Test func randomSignsAreSeededPerEpoch() {
        func signs(epoch: Int) -> [Double] {
            var plan = NudgePlan(sign: .random, beta: 1, seed: 7, epoch: epoch)
            return (0..<64).map { _ in plan.next().betaDifference }
        }
        let a = signs(epoch: 3)
        #expect(a == signs(epoch: 3))
        #expect(a != signs(epoch: 4))
        #expect(a.contains(1) && a.contains(-1))
        #expect(Set(a) == [1, -1])
    }
}

@Suite struct StateDifferenceTests {
    @Test func findsTheFirstLargestDifference() {
        let a = [DoubleMatrix(rows: 2, columns: 3, elements: [0, 0, 0, 0, 0, 0]), DoubleMatrix(rows: 2, columns: 1, elements: [1, 1])]
        var b = a
        b[0][1, 2] = 0.25
        b[1][0, 0] = 1.25
        let d = StateDifference(a, b)
        #expect(d == StateDifference(maxAbs: 0.25, layer: 0, sample: 1, unit: 2))
        #expect(StateDifference(a, a).maxAbs == 0)
    }

    @Test func aNaNIsAnInfiniteDifference() {
        let a = [FloatMatrix(rows: 1, columns: 2, elements: [0, 1])]
        let b = [FloatMatrix(rows: 1, columns: 2, elements: [0, .nan])]
        let d = StateDifference(a, b)
        #expect(d.maxAbs == .infinity && d.unit == 1)
    }
}

@Suite struct CrossCheckingRelaxerTests {
    /// A relaxer whose answer is its input times a factor: enough to see which phases the
    /// cross-check compares.
    final class Scaling: EquilibriumRelaxer {
        let factor: Double
        var calls = 0
        init(_ factor: Double) { self.factor = factor }
        func relax(_ model: Void, _ request: RelaxationRequest<Double>) throws -> Relaxation<Double> {
            calls += 1
            var s = request.start
            for l in s.indices { for i in 0..<s[l].count { s[l].elements[i] *= factor } }
            return Relaxation(states: s, statistics: RelaxationStatistics(iterations: 1, residual: 0, converged: true))
        }
    }

    @Test func comparesEveryNthFreePhaseOnly() throws {
        let primary = Scaling(1), twin = Scaling(1.5)
        let relaxer = CrossCheckingRelaxer(primary: primary, twin: twin, every: 3)
        let start = [DoubleMatrix(rows: 1, columns: 1, elements: [2])]
        var logged: [String] = []
        relaxer.log = { logged.append($0) }
        for _ in 0..<7 {
            let free = try relaxer.relax((), RelaxationRequest(inputs: DoubleMatrix(rows: 1, columns: 1), start: start))
            #expect(free.states == start)
            _ = try relaxer.relax((), RelaxationRequest(inputs: DoubleMatrix(rows: 1, columns: 1), start: start,
                                                        phase: Phase.free.nudged(beta: 1, targets: DoubleMatrix(rows: 1, columns: 1))))
        }
        #expect(primary.calls == 14)
        #expect(twin.calls == 3)  // free phases 0, 3 and 6
        #expect(relaxer.largest?.maxAbs == 1)
        #expect(logged.count == 3)
        relaxer.reset()
        #expect(relaxer.largest == nil)
    }
}

/// The data-parallel split of a batch: contiguous shares in rank order that give the batch back.
@Suite struct BatchShareTests {
    @Test func sharesCoverTheBatchInOrder() {
        for parts in 1...5 {
            let share = BatchShare(parts: parts)
            for batch in 0...13 {
                let ranges = (0..<parts).map { share.rows($0, of: batch) }
                #expect(ranges.flatMap { Array($0) } == Array(0..<batch), "\(parts) parts of \(batch)")
                if batch % parts == 0 { #expect(Set(ranges.map(\.count)).count == 1) }
                #expect((ranges.map(\.count).max() ?? 0) - (ranges.map(\.count).min() ?? 0) <= 1)
            }
        }
    }

    @Test func requestRowsTakeTheSameRowsOfEveryPart() {
        let m = { (c: Int, k: Double) in DoubleMatrix(rows: 4, columns: c, elements: (0..<(4 * c)).map { Double($0) + k }) }
        var request = RelaxationRequest(inputs: m(3, 0), start: [m(2, 100), m(1, 200)],
                                        phase: Phase<Double>.free.nudged(beta: 0.5, targets: m(1, 300), freeState: [m(2, 400), m(1, 500)]))
        request.phase.tether = .init(strength: 2, anchors: [m(2, 600), m(1, 700)])
        let part = request.rows(1..<3)
        #expect(part.inputs.elements == request.inputs.rows(1..<3).elements)
        #expect(part.start.map(\.elements) == request.start.map { $0.rows(1..<3).elements })
        #expect(part.phase.nudge?.beta == 0.5)
        #expect(part.phase.nudge?.targets.elements == m(1, 300).rows(1..<3).elements)
        #expect(part.phase.nudge?.freeState?.map(\.elements) == [m(2, 400), m(1, 500)].map { $0.rows(1..<3).elements })
        #expect(part.phase.tether?.strength == 2)
        #expect(part.phase.tether?.anchors.map(\.elements) == [m(2, 600), m(1, 700)].map { $0.rows(1..<3).elements })
    }
}
