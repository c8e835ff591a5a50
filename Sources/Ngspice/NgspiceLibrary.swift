import CNgspice
import Foundation

/// The libngspice entry points, resolved with dlopen/dlsym (see the CNgspice shim).
struct NgspiceLibrary: @unchecked Sendable {
    // Callbacks are passed as raw function pointers: spelling their C types (which contain
    // NG_BOOL) in @convention(c) signatures crashes the Swift 6.3 compiler.
    typealias InitFn = @convention(c) (UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?,
                                       UnsafeRawPointer?, UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
    typealias InitSyncFn = @convention(c) (UnsafeRawPointer?, UnsafeRawPointer?, UnsafeRawPointer?,
                                           UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?) -> Int32
    typealias CommandFn = @convention(c) (UnsafeMutablePointer<CChar>?) -> Int32
    typealias CircFn = @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32
    typealias VecInfoFn = @convention(c) (UnsafeMutablePointer<CChar>?) -> pvector_info?
    typealias CurPlotFn = @convention(c) () -> UnsafeMutablePointer<CChar>?

    let initialize: InitFn
    let initializeSync: InitSyncFn
    let command: CommandFn
    let circuit: CircFn
    let vectorInfo: VecInfoFn
    let currentPlot: CurPlotFn

    /// The library names tried, in order.
    static let candidates = ["libngspice.so.0", "libngspice.so"]

    static func open() throws -> NgspiceLibrary {
        var handle: UnsafeMutableRawPointer?
        var reasons: [String] = []
        for name in candidates {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
            reasons.append(String(cString: dlerror()))
        }
        guard let handle else { throw NgspiceError.libraryMissing(reasons.joined(separator: "; ")) }
        func symbol<T>(_ name: String, _ type: T.Type) throws -> T {
            guard let p = dlsym(handle, name) else {
                throw NgspiceError.libraryMissing("symbol \(name) not found in libngspice")
            }
            return unsafeBitCast(p, to: type)
        }
        return NgspiceLibrary(
            initialize: try symbol("ngSpice_Init", InitFn.self),
            initializeSync: try symbol("ngSpice_Init_Sync", InitSyncFn.self),
            command: try symbol("ngSpice_Command", CommandFn.self),
            circuit: try symbol("ngSpice_Circ", CircFn.self),
            vectorInfo: try symbol("ngGet_Vec_Info", VecInfoFn.self),
            currentPlot: try symbol("ngSpice_CurPlot", CurPlotFn.self))
    }
}
