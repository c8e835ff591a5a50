import Foundation
import Synchronization

/// Two pieces of work on the two cores at once, with a fork/join latency of about a
/// microsecond.
///
/// Training steps are short (a free phase of a 20-sample batch takes ~0.1 ms), too short
/// for a thread pool that parks its workers: waking one costs tens of microseconds. A
/// dedicated worker thread instead spins for a while after each job (a fraction of a
/// millisecond) before it sleeps, so back-to-back fork/joins find it awake.
public enum Parallel {
    /// Runs `first` on the calling thread and `second` on the worker, and returns both
    /// results when both are done.
    ///
    /// The caller promises that the two closures touch disjoint mutable state (they may read
    /// shared state that neither writes). A nested call (from inside a lane) runs serially.
    public static func both<A, B>(_ first: () -> A, _ second: () -> B) -> (A, B) {
        let worker = SpinningWorker.shared
        guard worker.acquire() else { return (first(), second()) }
        defer { worker.release() }
        return withoutActuallyEscaping(second) { s in
            let box = ResultBox<B>()
            worker.post { box.value = s() }
            let a = first()
            worker.wait()
            return (a, box.value!)
        }
    }

    private final class ResultBox<B>: @unchecked Sendable {
        var value: B?
    }
}

/// One worker thread that runs posted jobs, spinning between jobs before it sleeps.
final class SpinningWorker: @unchecked Sendable {
    static let shared = SpinningWorker()

    private enum Phase: UInt32 { case idle = 0, posted = 1, done = 2 }
    private let phase = Atomic<UInt32>(Phase.idle.rawValue)
    private let sleeping = Atomic<Bool>(false)
    private let inUse = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private var job: (() -> Void)?
    /// Busy-wait iterations before the idle worker parks (≈ 0.2–0.5 ms). It does not yield
    /// meanwhile: a worker that yields while idle parks sooner on a quiet machine and drn-1h's
    /// back-to-back fork/joins then pay its wake-up (5–9% slower, measured).
    private let spinLimit = 200_000
    /// Busy-wait iterations (≈ 10 µs) after which the thread waiting for the worker's half
    /// yields its core on every turn: `sched_yield` returns at once when no other thread wants
    /// the core, and otherwise lets the worker (or another process) run.
    static let spinsBeforeYielding = 4_096

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "eqprop-lane"
        thread.start()
    }

    func acquire() -> Bool { inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged }
    func release() { inUse.store(false, ordering: .releasing) }

    func post(_ work: @escaping () -> Void) {
        job = work
        phase.store(Phase.posted.rawValue, ordering: .sequentiallyConsistent)
        if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
    }

    func wait() {
        var spins = 0
        while phase.load(ordering: .acquiring) != Phase.done.rawValue {
            spins += 1
            // On an oversubscribed machine (several jobs or MPI ranks per core) the worker may
            // be waiting for this very core: after ~10 µs of spinning, give it up each turn.
            if spins > Self.spinsBeforeYielding { sched_yield() }
        }
        job = nil
        phase.store(Phase.idle.rawValue, ordering: .releasing)
    }

    private func loop() {
        while true {
            var spins = 0
            while phase.load(ordering: .acquiring) != Phase.posted.rawValue {
                spins += 1
                if spins < spinLimit { continue }
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if phase.load(ordering: .sequentiallyConsistent) == Phase.posted.rawValue {
                    // A job arrived while going to sleep: cancel the sleep, or consume the
                    // signal the poster already committed to.
                    if !sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.wait() }
                } else {
                    wake.wait()
                }
                spins = 0
            }
            job!()
            phase.store(Phase.done.rawValue, ordering: .releasing)
        }
    }
}
