import CZlib
import Foundation

/// CRC-32 (IEEE 802.3, polynomial 0x04C11DB7 reflected, zlib's `crc32`) of `data`: the
/// checksum a zip archive (`StoredZip`, the container of `.npz`) holds for every entry, and a
/// PNG file for every chunk (`PNGImage`).
public func crc32Checksum(_ data: Data) -> UInt32 {
    data.withUnsafeBytes { p in
        guard var base = p.bindMemory(to: UInt8.self).baseAddress else { return 0 }
        // zlib's length is 32-bit: longer inputs go through in slices.
        var remaining = p.count
        var crc = crc32(0, nil, 0)
        while remaining > 0 {
            let n = min(remaining, 1 << 30)
            crc = crc32(crc, base, uInt(n))
            base += n
            remaining -= n
        }
        return UInt32(crc)
    }
}
