import Foundation
import MessagePassing
import Testing

/// Loading libmpi when it is missing or is not Open MPI's: a clear error, never a crash. These
/// call the real dlopen in this process with paths that cannot be Open MPI (libmpi itself is
/// never loaded here, see `CommunicatorJobTests.worldIsNilWithoutALauncher`).
@Suite struct MPILibraryTests {
    @Test func missingLibraryNamesTheDebianPackages() {
        do {
            _ = try MPILibrary.open(candidates: ["/nonexistent/libmpi.so.40", "libmpi-that-does-not-exist.so"])
            Issue.record("opened a library that does not exist")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("apt-get install openmpi-bin libopenmpi-dev"), "\(message)")
            #expect(message.contains("/nonexistent/libmpi.so.40"), "\(message)")
        }
    }

    @Test func aLibraryThatIsNotOpenMPIIsRefused() {
        do {
            _ = try MPILibrary.open(candidates: ["libz.so.1"])
            Issue.record("accepted zlib as libmpi")
        } catch {
            let message = String(describing: error)
            #expect(message.contains("MPI_Init_thread not found in libz.so.1"), "\(message)")
        }
        #expect(!MPILibrary.isLoaded())
    }

    @Test func defaultCandidatesAreDebiansOpenMPI() {
        #expect(MPILibrary.defaultCandidates.first == "libmpi.so.40")
    }
}
