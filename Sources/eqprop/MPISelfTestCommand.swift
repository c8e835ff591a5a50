import ArgumentParser
import Foundation
import MessagePassing

extension EqPropCommand {
    /// Exercises the MessagePassing layer under a real `mpirun` (for the tests and for checking
    /// a cluster's MPI): every rank contributes rank-dependent data of different lengths, and
    /// rank 0 prints one JSON line with what came back and the allgather timings. Without
    /// mpirun it prints `{"mpi":false,"libmpiLoaded":…}` and never loads libmpi.
    struct MPISelfTestCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mpi-selftest", abstract: "Check the MPI layer under mpirun (internal).", shouldDisplay: false)

        @Option(help: "Make this rank exit abruptly after the first barrier (no MPI_Finalize).")
        var dieAtRank: Int?

        @Option(help: "How the rank of --die-at-rank ends: exit (status 3) or kill (SIGKILL).")
        var dieWith: Death = .exit

        @Option(help: "Doubles each rank contributes to the timed allgather (4 × 1034 by default).")
        var doubles: Int = 4 * 1034

        @Option(help: "Timed repetitions of each allgather.")
        var repeats: Int = 200

        enum Death: String, ExpressibleByArgument { case exit, kill }

        func validate() throws {
            guard doubles >= 0, doubles <= 100_000_000 else { throw ValidationError("--doubles must be in 0...100000000, not \(doubles)") }
            guard repeats >= 1, repeats <= 1_000_000 else { throw ValidationError("--repeats must be in 1...1000000, not \(repeats)") }
        }

        func run() throws {
            guard let world = try Communicator.world() else {
                print(try Self.jsonLine(["mpi": false, "libmpiLoaded": MPILibrary.isLoaded()]))
                return
            }
            if let dieAtRank, !(0..<world.size).contains(dieAtRank) {
                throw ValidationError("--die-at-rank \(dieAtRank) is not a rank of this job of \(world.size) ranks")
            }
            let rank = world.rank, size = world.size
            try world.barrier()
            if dieAtRank == rank {
                FileHandle.standardError.write(Data("mpi-selftest: rank \(rank) ends abruptly (\(dieWith.rawValue))\n".utf8))
                switch dieWith {
                case .exit: _exit(3)
                case .kill: kill(getpid(), SIGKILL)
                }
            }

            // Rank r contributes r doubles (rank 0 none) and a text of its own length.
            let values = Self.expectedValues(rank: rank)
            let gathered = try world.allgather(values)
            let text = Self.expectedText(rank: rank)
            let gatheredBytes = try world.allgather(bytes: Array(text.utf8))
            let root = size - 1
            let message = "broadcast from rank \(root)"
            let broadcast = try world.broadcast(bytes: rank == root ? Array(message.utf8) : [], root: root)
            let broadcastDoubles = try world.broadcast(rank == root ? [1.5, -2.25, .pi] : [], root: root)
            let sums = try world.allreduce([Double(rank), 1], .sum)
            let maxima = try world.allreduce([Double(rank)], .max)

            // Every rank checks what it received against what each rank must have sent.
            let verified = gathered == (0..<size).map(Self.expectedValues)
                && gatheredBytes.map { String(decoding: $0, as: UTF8.self) } == (0..<size).map(Self.expectedText)
                && broadcast == Array(message.utf8) && broadcastDoubles == [1.5, -2.25, .pi]
                && sums == [Double(size * (size - 1) / 2), Double(size)] && maxima == [Double(size - 1)]
            let verifiedByRank = try world.allgather(verified ? 1 : 0)
            var checksum = Checksum()
            for v in gathered { checksum.add(v) }
            for b in gatheredBytes { checksum.add(bytes: b) }
            let agreeSame = try world.agree(on: checksum.value)
            let agreeRank = try world.agree(on: UInt64(rank))
            let disagreeing = try world.ranksDisagreeing(on: UInt64(rank))

            // Timings: one barrier before each call, times taken on rank 0.
            let payload = (0..<doubles).map { Double(rank) + Double($0) * 1e-3 }
            let bulk = try Self.time(world, repeats: repeats) { _ = try world.allgather(payload) }
            let small = try Self.time(world, repeats: repeats) { _ = try world.allgather([Double(rank)]) }
            let word = try Self.time(world, repeats: repeats) { _ = try world.allgather(UInt64(rank)) }
            let receivedBytes = doubles * 8 * size

            if rank == 0 {
                let object: [String: Any] = [
                    "mpi": true, "size": size, "threadLevel": world.threadLevel,
                    "gathered": gathered, "gatheredText": gatheredBytes.map { String(decoding: $0, as: UTF8.self) },
                    "broadcast": String(decoding: broadcast, as: UTF8.self), "broadcastDoubles": broadcastDoubles,
                    "allreduceSum": sums, "allreduceMax": maxima,
                    "verifiedByRank": verifiedByRank.map { $0 == 1 },
                    "agreeSameChecksum": agreeSame, "agreeRank": agreeRank, "ranksDisagreeingOnRank": disagreeing,
                    "allgather": [
                        "doublesPerRank": doubles, "repeats": repeats, "bytesReceivedPerRank": receivedBytes,
                        "medianSeconds": bulk.median, "minSeconds": bulk.min,
                        "megabytesPerSecondMedian": bulk.median > 0 ? Double(receivedBytes) / bulk.median / 1e6 : 0,
                    ],
                    "latency": [
                        "allgatherOneDoubleMedianSeconds": small.median, "allgatherOneDoubleMinSeconds": small.min,
                        "allgatherUInt64MedianSeconds": word.median, "allgatherUInt64MinSeconds": word.min,
                    ],
                ]
                print(try Self.jsonLine(object))
            }
            try world.finalize()
        }

        static func expectedValues(rank: Int) -> [Double] { (0..<rank).map { Double(rank * 1000 + $0) + 0.5 } }
        static func expectedText(rank: Int) -> String { "rank \(rank)" + String(repeating: "!", count: rank) }

        /// Median and minimum seconds of `repeats` calls of `body`, each after a barrier.
        static func time(_ world: Communicator, repeats: Int, _ body: () throws -> Void) throws -> (median: Double, min: Double) {
            try body()  // warm-up: connections and buffers
            var seconds: [Double] = []
            for _ in 0..<repeats {
                try world.barrier()
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            }
            seconds.sort()
            return (seconds[seconds.count / 2], seconds[0])
        }

        static func jsonLine(_ object: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }
}
