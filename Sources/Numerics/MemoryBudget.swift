import Foundation

/// An estimate before every large allocation: a reader or a command computes the bytes it is
/// about to allocate (with `CheckedSize`, so the estimate itself cannot overflow) and asks
/// here first. Above the limit — three quarters of physical memory, or `EQPROP_MEMORY_LIMIT`
/// bytes when set — the answer is an `InputError` naming the file or flag, the size asked and
/// the limit, instead of an allocation that fails or a machine that swaps.
public enum MemoryBudget {
    /// Physical memory, bytes.
    public static var physicalBytes: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory) }

    /// The most one input may make the process allocate, bytes: `EQPROP_MEMORY_LIMIT` when it
    /// is a positive whole number, else 3/4 of physical memory.
    public static var limitBytes: Int {
        if let text = ProcessInfo.processInfo.environment["EQPROP_MEMORY_LIMIT"],
           let v = CheckedSize.int(text, in: 1...Int.max) {
            return v
        }
        return physicalBytes / 4 * 3
    }

    /// Throws unless `bytes` (nil: the estimate overflowed) fits in the limit. `source` names
    /// the file or flag, `what` the thing to be allocated ("a 60000×784 float32 image matrix").
    public static func check(_ bytes: Int?, for what: String, source: String) throws {
        let limit = limitBytes
        guard let bytes else {
            throw InputError(source, "\(what) would need more bytes than this computer can address (limit \(format(limit)))")
        }
        guard bytes <= limit else {
            throw InputError(source, "\(what) would need \(format(bytes)), more than the limit of \(format(limit)) "
                             + "(3/4 of physical memory; set EQPROP_MEMORY_LIMIT to change it)")
        }
    }

    /// Throws unless `count` elements of `elementBytes` bytes each fit in the limit.
    public static func check(elements count: Int?, of elementBytes: Int, for what: String, source: String) throws {
        try check(count.flatMap { CheckedSize.product($0, elementBytes) }, for: what, source: source)
    }

    /// Bytes in binary units, e.g. "17.2 GiB (18468359168 bytes)".
    public static func format(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(bytes), u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(bytes) bytes" : String(format: "%.1f %@ (%lld bytes)", v, units[u], Int64(bytes))
    }
}
