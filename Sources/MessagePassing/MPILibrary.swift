import CMPI
import Foundation

/// Open MPI's entry points and predefined handles, resolved at run time with dlopen/dlsym (see
/// the CMPI shim). Nothing here runs unless a process was started by `mpirun`
/// (`Communicator.world()`), so eqprop's commands never need libmpi otherwise.
///
/// The library is opened with `RTLD_GLOBAL`: Open MPI loads its components (`mca_*.so`) with
/// dlopen, and they resolve symbols of libmpi that they do not link against.
public struct MPILibrary: @unchecked Sendable {
    let initThread: eqprop_MPI_Init_thread
    let initialized: eqprop_MPI_Initialized
    let finalized: eqprop_MPI_Finalized
    let finalize: eqprop_MPI_Finalize
    let commRank: eqprop_MPI_Comm_rank
    let commSize: eqprop_MPI_Comm_size
    let allgather: eqprop_MPI_Allgather
    let allgatherv: eqprop_MPI_Allgatherv
    let allreduce: eqprop_MPI_Allreduce
    let bcast: eqprop_MPI_Bcast
    let barrier: eqprop_MPI_Barrier
    let abort: eqprop_MPI_Abort
    let errorString: eqprop_MPI_Error_string

    /// `MPI_COMM_WORLD` (`&ompi_mpi_comm_world`).
    let commWorld: MPI_Comm
    /// `MPI_BYTE`, `MPI_DOUBLE`, `MPI_INT`, `MPI_INT64_T`, `MPI_UINT64_T`.
    let byte: MPI_Datatype, double: MPI_Datatype, int: MPI_Datatype, int64: MPI_Datatype, uint64: MPI_Datatype
    /// `MPI_SUM`, `MPI_MAX`, `MPI_MIN`.
    let sum: MPI_Op, max: MPI_Op, min: MPI_Op

    /// The path of the library that was opened (as dlopen was given it).
    public let name: String

    /// The library names tried, in order: Debian's Open MPI (libopenmpi3, the runtime package of
    /// openmpi-bin) ships `libmpi.so.40`; `libmpi.so` comes with libopenmpi-dev or a
    /// cluster's own build on `LD_LIBRARY_PATH`.
    public static let defaultCandidates = ["libmpi.so.40", "libmpi.so"]

    /// Opens the first of `candidates` that dlopen finds and resolves every symbol eqprop uses.
    /// Throws `MessagePassingError.libraryMissing` (naming the Debian packages) when none opens
    /// or a symbol is missing (a library that is not Open MPI's).
    public static func open(candidates: [String] = defaultCandidates) throws -> MPILibrary {
        var handle: UnsafeMutableRawPointer?
        var opened = ""
        var reasons: [String] = []
        for name in candidates {
            handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL)
            if handle != nil { opened = name; break }
            reasons.append(dlerror().map { String(cString: $0) } ?? "\(name): not found")
        }
        guard let handle else { throw MessagePassingError.libraryMissing(reasons.joined(separator: "; ")) }
        func address(_ symbol: String) throws -> UnsafeMutableRawPointer {
            guard let p = dlsym(handle, symbol) else {
                throw MessagePassingError.libraryMissing("symbol \(symbol) not found in \(opened) (eqprop needs Open MPI 4 or later)")
            }
            return p
        }
        func function<T>(_ symbol: String, _ type: T.Type) throws -> T { unsafeBitCast(try address(symbol), to: type) }
        func handleOf(_ symbol: String) throws -> OpaquePointer { OpaquePointer(try address(symbol)) }
        return MPILibrary(
            initThread: try function("MPI_Init_thread", eqprop_MPI_Init_thread.self),
            initialized: try function("MPI_Initialized", eqprop_MPI_Initialized.self),
            finalized: try function("MPI_Finalized", eqprop_MPI_Finalized.self),
            finalize: try function("MPI_Finalize", eqprop_MPI_Finalize.self),
            commRank: try function("MPI_Comm_rank", eqprop_MPI_Comm_rank.self),
            commSize: try function("MPI_Comm_size", eqprop_MPI_Comm_size.self),
            allgather: try function("MPI_Allgather", eqprop_MPI_Allgather.self),
            allgatherv: try function("MPI_Allgatherv", eqprop_MPI_Allgatherv.self),
            allreduce: try function("MPI_Allreduce", eqprop_MPI_Allreduce.self),
            bcast: try function("MPI_Bcast", eqprop_MPI_Bcast.self),
            barrier: try function("MPI_Barrier", eqprop_MPI_Barrier.self),
            abort: try function("MPI_Abort", eqprop_MPI_Abort.self),
            errorString: try function("MPI_Error_string", eqprop_MPI_Error_string.self),
            commWorld: try handleOf("ompi_mpi_comm_world"),
            byte: try handleOf("ompi_mpi_byte"), double: try handleOf("ompi_mpi_double"), int: try handleOf("ompi_mpi_int"),
            int64: try handleOf("ompi_mpi_int64_t"), uint64: try handleOf("ompi_mpi_uint64_t"),
            sum: try handleOf("ompi_mpi_op_sum"), max: try handleOf("ompi_mpi_op_max"), min: try handleOf("ompi_mpi_op_min"),
            name: opened)
    }

    /// Open MPI's text for an error code.
    func message(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(EQPROP_MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        guard errorString(code, &buffer, &length) == EQPROP_MPI_SUCCESS else { return "MPI error \(code)" }
        return String(decoding: buffer.prefix(Int(Swift.max(0, length))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether a libmpi is mapped into this process (reads /proc/self/maps): false in every
    /// eqprop process not started by mpirun.
    public static func isLoaded() -> Bool {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return false }
        return maps.split(separator: "\n").contains { $0.contains("/libmpi.so") }
    }
}
