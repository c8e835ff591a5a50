import ArgumentParser
import MessagePassing
import Reporting

/// How a command run under `mpirun` stops on an error every rank found before its work began:
/// rank 0 prints it and sends every rank the status it exits with; every rank waits for that
/// (mpirun kills the job at the first non-zero exit, which could cut rank 0 off before it wrote),
/// finalizes MPI and exits with it. The status is the one the same mistake gets without mpirun
/// (`EqPropCommand.exitStatus`): 64 for a flag's or a file's, 1 otherwise, also when another rank
/// found it (`DataParallelTraining.RankFailed` carries that rank's status).
func failTogether(_ world: Communicator, _ error: Error) -> ExitCode {
    if world.rank == 0 { printError("Error: \(EqPropCommand.usageMessage(error) ?? "\(error)")") }
    let mine = EqPropCommand.exitStatus(error)
    let rootStatus = (try? world.broadcast(bytes: [UInt8(mine)]))?.first
    try? world.finalize()
    return ExitCode(rootStatus.map(Int32.init) ?? mine)
}
