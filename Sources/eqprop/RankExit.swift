import ArgumentParser
import MessagePassing
import Reporting

/// How a command run under `mpirun` stops on an error every rank found before its work began:
/// rank 0 prints it, every rank waits until it has (mpirun kills the job at the first non-zero
/// exit, which could cut rank 0 off before it wrote), finalizes MPI and exits non-zero.
func failTogether(_ world: Communicator, _ error: Error) -> ExitCode {
    if world.rank == 0 { printError("Error: \(error)") }
    try? world.barrier()
    try? world.finalize()
    return ExitCode.failure
}
