/// What can go wrong when eqprop runs as an MPI job. Every message names the cause and what to do.
public enum MessagePassingError: Error, CustomStringConvertible, Equatable {
    /// libmpi could not be opened or is not Open MPI's (the dlopen/dlsym reasons).
    case libraryMissing(String)
    /// An MPI call returned an error code (the call, the code, Open MPI's text).
    case callFailed(call: String, code: Int32, message: String)
    /// A message too large for MPI's `int` counts, or a root rank outside the job.
    case invalidArgument(String)
    /// The communicator was used after `finalize()`.
    case finalized

    public var description: String {
        switch self {
        case .libraryMissing(let reason):
            return "this process was started by mpirun but Open MPI's library could not be loaded (\(reason)); "
                + "install it with `apt-get install openmpi-bin libopenmpi-dev` (or put your cluster's libmpi.so on LD_LIBRARY_PATH)"
        case .callFailed(let call, let code, let message):
            return "\(call) failed with MPI error \(code): \(message)"
        case .invalidArgument(let message):
            return message
        case .finalized:
            return "MPI was already finalized in this process; no communication is possible after finalize()"
        }
    }
}
