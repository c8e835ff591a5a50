import CMPI
import Foundation
import Synchronization

/// The ranks of one MPI job (`MPI_COMM_WORLD`) and the collective operations eqprop's
/// data-parallel training needs. Every operation is collective: every rank of the job must call
/// it, in the same order, with the same `root` and element type, or the job hangs (or Open MPI
/// aborts it). Results that combine ranks are always in rank order (rank 0 first), never in
/// arrival order, so every rank computes the same thing from them.
///
/// Calls are serialized by a lock, so a communicator may be used from any thread (MPI is
/// initialized with `MPI_THREAD_SERIALIZED`); `abort` takes no lock.
public final class Communicator: @unchecked Sendable {
    /// This process's rank, 0..<size.
    public let rank: Int
    /// The number of ranks in the job.
    public let size: Int
    /// The thread level Open MPI provided (0 single … 3 multiple; 2 or more was asked for).
    public let threadLevel: Int
    /// The library's entry points.
    let library: MPILibrary
    /// Whether `finalize()` was called; guarded, and held during every call.
    private let finalized = Mutex(false)

    private init(library: MPILibrary, rank: Int, size: Int, threadLevel: Int) {
        self.library = library
        self.rank = rank
        self.size = size
        self.threadLevel = threadLevel
    }

    // MARK: - The job

    /// Whether `environment` is that of a process started by Open MPI's `mpirun`/`mpiexec`
    /// (`OMPI_COMM_WORLD_SIZE`) or by a PMIx launcher such as Slurm's `srun --mpi=pmix`
    /// (`PMIX_RANK`).
    public static func launchedByMPI(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    private static let theWorld = Mutex<Communicator?>(nil)

    /// The job this process belongs to, or nil when it was not started by an MPI launcher: then
    /// libmpi is never loaded and eqprop runs exactly as a single process. The first call opens
    /// libmpi and initializes MPI; later calls return the same communicator (MPI can be
    /// initialized once per process).
    ///
    /// Throws `MessagePassingError.libraryMissing` when started by mpirun but libmpi cannot be
    /// loaded, `.callFailed` when MPI cannot be initialized.
    public static func world(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Communicator? {
        guard launchedByMPI(environment: environment) else { return nil }
        return try theWorld.withLock { world in
            if let world { return world }
            let library = try MPILibrary.open()
            func check(_ call: String, _ code: Int32) throws {
                guard code == EQPROP_MPI_SUCCESS else {
                    throw MessagePassingError.callFailed(call: call, code: code, message: library.message(for: code))
                }
            }
            var flag: Int32 = 0
            try check("MPI_Finalized", library.finalized(&flag))
            if flag != 0 { throw MessagePassingError.finalized }
            try check("MPI_Initialized", library.initialized(&flag))
            var provided = Int32(EQPROP_MPI_THREAD_SERIALIZED)
            if flag == 0 {
                try check("MPI_Init_thread", library.initThread(nil, nil, Int32(EQPROP_MPI_THREAD_SERIALIZED), &provided))
            }
            var rank: Int32 = 0, size: Int32 = 0
            try check("MPI_Comm_rank", library.commRank(library.commWorld, &rank))
            try check("MPI_Comm_size", library.commSize(library.commWorld, &size))
            let communicator = Communicator(library: library, rank: Int(rank), size: Int(size), threadLevel: Int(provided))
            world = communicator
            return communicator
        }
    }

    // MARK: - Calls

    /// Runs one MPI call (or several) under the lock, refusing after `finalize()`.
    private func locked<T>(_ body: () throws -> T) throws -> T {
        try finalized.withLock { done in
            if done { throw MessagePassingError.finalized }
            return try body()
        }
    }

    private func check(_ call: String, _ code: Int32) throws {
        guard code == EQPROP_MPI_SUCCESS else {
            throw MessagePassingError.callFailed(call: call, code: code, message: library.message(for: code))
        }
    }

    /// Waits until every rank has called `barrier()`.
    public func barrier() throws {
        try locked { try check("MPI_Barrier", library.barrier(library.commWorld)) }
    }

    /// Every rank's `values`, in rank order (element r is rank r's array). Ranks may contribute
    /// different counts, zero included (MPI_Allgatherv after an allgather of the counts).
    /// Throws `.invalidArgument` on every rank when the total exceeds MPI's `int` count
    /// (2^31 − 1 doubles).
    public func allgather(_ values: [Double]) throws -> [[Double]] {
        try locked { try gatherv(values, type: library.double) }
    }

    /// Every rank's `bytes`, in rank order; counts may differ between ranks.
    public func allgather(bytes: [UInt8]) throws -> [[UInt8]] {
        try locked { try gatherv(bytes, type: library.byte) }
    }

    /// Every rank's `value`, in rank order (one MPI_Allgather of a 64-bit integer).
    public func allgather(_ value: UInt64) throws -> [UInt64] {
        try locked {
            var mine = value
            var all = [UInt64](repeating: 0, count: size)
            try all.withUnsafeMutableBytes { out in
                try check("MPI_Allgather", library.allgather(&mine, 1, library.uint64, out.baseAddress, 1, library.uint64, library.commWorld))
            }
            return all
        }
    }

    /// Whether every rank passed the same `value` (for example a checksum of the conductances or
    /// of the resolved configuration, see `Checksum`). Every rank gets the same answer.
    public func agree(on value: UInt64) throws -> Bool {
        let all = try allgather(value)
        return all.allSatisfy { $0 == all[0] }
    }

    /// The ranks whose `value` differs from rank 0's (empty when all agree), for messages such
    /// as "rank 3 holds different conductances".
    public func ranksDisagreeing(on value: UInt64) throws -> [Int] {
        let all = try allgather(value)
        return all.indices.filter { all[$0] != all[0] }
    }

    /// `root`'s `bytes` on every rank (the other ranks' argument is ignored; pass `[]`). The
    /// length is broadcast first, so the other ranks need not know it.
    public func broadcast(bytes: [UInt8], root: Int = 0) throws -> [UInt8] {
        try locked { try bcast(bytes, root: root, type: library.byte) }
    }

    /// `root`'s `values` on every rank (the other ranks' argument is ignored).
    public func broadcast(_ values: [Double], root: Int = 0) throws -> [Double] {
        try locked { try bcast(values, root: root, type: library.double) }
    }

    /// An element-wise reduction over the ranks, the same on every rank. Every rank must pass
    /// the same count (checked first: a mismatch throws on every rank instead of corrupting
    /// memory). The order in which MPI adds the ranks' values is its own, so a sum may differ in
    /// the last bits from a sum in rank order; when results must be identical for any rank
    /// count, allgather and add in rank order instead.
    public func allreduce(_ values: [Double], _ operation: Reduction) throws -> [Double] {
        try locked {
            var count = Int64(values.count)
            var counts = [Int64](repeating: 0, count: size)
            try counts.withUnsafeMutableBytes { out in
                try check("MPI_Allgather", library.allgather(&count, 1, library.int64, out.baseAddress, 1, library.int64, library.commWorld))
            }
            guard counts.allSatisfy({ $0 == counts[0] }) else {
                throw MessagePassingError.invalidArgument("allreduce: the ranks passed different counts (in rank order: \(counts))")
            }
            guard counts[0] <= Int64(Int32.max) else {
                throw MessagePassingError.invalidArgument("allreduce: \(counts[0]) values exceed MPI's limit of \(Int32.max) per call")
            }
            if values.isEmpty { return [] }
            var result = [Double](repeating: 0, count: values.count)
            let op: MPI_Op = switch operation { case .sum: library.sum; case .max: library.max; case .min: library.min }
            try values.withUnsafeBytes { input in
                try result.withUnsafeMutableBytes { out in
                    try check("MPI_Allreduce", library.allreduce(input.baseAddress, out.baseAddress, Int32(values.count), library.double, op, library.commWorld))
                }
            }
            return result
        }
    }

    /// The element-wise operations of `allreduce`.
    public enum Reduction: Sendable { case sum, max, min }

    /// Ends the whole job: writes `message` to standard error naming this rank
    /// ("eqprop: rank 2 of 4: …"), then calls MPI_Abort, which makes mpirun kill every rank and
    /// exit with a non-zero status. Takes no lock, so it works while another thread is blocked
    /// in a collective.
    public func abort(code: Int32 = 1, message: String) -> Never {
        FileHandle.standardError.write(Data("eqprop: rank \(rank) of \(size): \(message)\n".utf8))
        _ = library.abort(library.commWorld, code == 0 ? 1 : code)
        Foundation.exit(code == 0 ? 1 : code)
    }

    /// Ends this process's part of the job (MPI_Finalize; collective). Later calls of this
    /// method do nothing; other calls throw `.finalized`. A rank that exits without finalizing
    /// makes mpirun end the whole job.
    public func finalize() throws {
        try finalized.withLock { done in
            if done { return }
            done = true
            try check("MPI_Finalize", library.finalize())
        }
    }

    // MARK: - Helpers (called under the lock)

    private func gatherv<T: BitwiseCopyable>(_ values: [T], type: MPI_Datatype) throws -> [[T]] {
        var count = Int64(values.count)
        var counts = [Int64](repeating: 0, count: size)
        try counts.withUnsafeMutableBytes { out in
            try check("MPI_Allgather", library.allgather(&count, 1, library.int64, out.baseAddress, 1, library.int64, library.commWorld))
        }
        let total = counts.reduce(0, +)
        guard counts.allSatisfy({ $0 >= 0 }), total <= Int64(Int32.max) else {
            throw MessagePassingError.invalidArgument(
                "allgather: \(total) elements in all exceed MPI's limit of \(Int32.max) per call (counts in rank order: \(counts))")
        }
        var receiveCounts = counts.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(1, size) { displacements[r] = displacements[r - 1] + receiveCounts[r - 1] }
        // A buffer of at least one element, so that no pointer is nil when a count is 0.
        let send = values.isEmpty ? [T](unsafeUninitializedCapacity: 1) { _, n in n = 0 } : values
        var received = [T](unsafeUninitializedCapacity: max(1, Int(total))) { _, n in n = Int(total) }
        try send.withUnsafeBufferPointer { input in
            let sendBase = UnsafeRawPointer(input.baseAddress) ?? UnsafeRawPointer(bitPattern: MemoryLayout<T>.alignment)
            try received.withUnsafeMutableBufferPointer { out in
                let outBase = out.baseAddress.map(UnsafeMutableRawPointer.init) ?? UnsafeMutableRawPointer(bitPattern: MemoryLayout<T>.alignment)
                try check("MPI_Allgatherv", library.allgatherv(sendBase, Int32(values.count), type, outBase,
                                                               &receiveCounts, &displacements, type, library.commWorld))
            }
        }
        return (0..<size).map { r in
            let start = Int(displacements[r])
            return Array(received[start..<(start + Int(receiveCounts[r]))])
        }
    }

    private func bcast<T: BitwiseCopyable>(_ values: [T], root: Int, type: MPI_Datatype) throws -> [T] {
        guard (0..<size).contains(root) else {
            throw MessagePassingError.invalidArgument("broadcast: root rank \(root) is not a rank of this job of \(size)")
        }
        var count = Int64(rank == root ? values.count : 0)
        try check("MPI_Bcast", library.bcast(&count, 1, library.int64, Int32(root), library.commWorld))
        guard count <= Int64(Int32.max) else {
            throw MessagePassingError.invalidArgument("broadcast: \(count) elements exceed MPI's limit of \(Int32.max) per call")
        }
        if count == 0 { return [] }
        var buffer = rank == root ? values : [T](unsafeUninitializedCapacity: Int(count)) { _, n in n = Int(count) }
        try buffer.withUnsafeMutableBytes { b in
            try check("MPI_Bcast", library.bcast(b.baseAddress, Int32(count), type, Int32(root), library.commWorld))
        }
        return buffer
    }
}
