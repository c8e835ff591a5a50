import ArgumentParser
import MessagePassing
import Reporting

/// How a command run under `mpirun` stops on an error every rank found before its work began:
/// rank 0 prints it and sends every rank the status it exits with; every rank waits for that
/// (mpirun kills the job at the first non-zero exit, which could cut rank 0 off before it wrote),
/// finalizes MPI and exits with it. The status is the one the same mistake gets without mpirun
/// (`EqPropCommand.usageMessage`): 64 for a flag's or a file's, 1 otherwise. A rank that holds
/// only another rank's message (`DataParallelTraining.RankFailed`) follows rank 0's status.
func failTogether(_ world: Communicator, _ error: Error) -> ExitCode {
    let usage = EqPropCommand.usageMessage(error)
    if world.rank == 0 { printError("Error: \(usage ?? "\(error)")") }
    let mine: Int32 = usage == nil ? ExitCode.failure.rawValue : ExitCode.validationFailure.rawValue
    let rootStatus = (try? world.broadcast(bytes: [UInt8(mine)]))?.first
    try? world.finalize()
    return ExitCode(rootStatus.map(Int32.init) ?? mine)
}
