import Foundation
import Reporting

/// A zip archive of uncompressed ("stored", method 0) entries: the container of NumPy's
/// `.npz` (what `np.savez` writes and `np.load` reads).
///
/// Layout (all numbers little-endian): per entry a local file header (signature 0x04034b50,
/// version 20, flags 0, method 0, DOS time and date, CRC-32, compressed and uncompressed
/// sizes, name length, extra length) followed by the name and the bytes; then the central
/// directory (one record per entry, signature 0x02014b50, with the local header's offset);
/// then the end-of-central-directory record (0x06054b50). Timestamps are fixed at
/// 1980-01-01 00:00 so that the same network always gives the same bytes.
public enum StoredZip {
    public struct FormatError: Error, CustomStringConvertible, Equatable {
        public let reason: String
        public var description: String { "not a valid zip archive: \(reason)" }
    }

    private static let localSignature: UInt32 = 0x0403_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let endSignature: UInt32 = 0x0605_4b50
    private static let dosDate: UInt16 = 0x21  // 1980-01-01

    public static func encode(_ entries: [(name: String, data: Data)]) -> Data {
        var out = Data(), central = Data()
        for (name, data) in entries {
            precondition(data.count < Int(UInt32.max) && out.count < Int(UInt32.max), "zip64 is not needed for networks this small")
            let nameBytes = Data(name.utf8)
            let crc = crc32Checksum(data)
            let offset = UInt32(out.count)
            var local = Data()
            local.le(localSignature); local.le(UInt16(20)); local.le(UInt16(0)); local.le(UInt16(0))
            local.le(UInt16(0)); local.le(dosDate); local.le(crc)
            local.le(UInt32(data.count)); local.le(UInt32(data.count))
            local.le(UInt16(nameBytes.count)); local.le(UInt16(0))
            out.append(local); out.append(nameBytes); out.append(data)

            central.le(centralSignature); central.le(UInt16(20)); central.le(UInt16(20)); central.le(UInt16(0))
            central.le(UInt16(0)); central.le(UInt16(0)); central.le(dosDate); central.le(crc)
            central.le(UInt32(data.count)); central.le(UInt32(data.count))
            central.le(UInt16(nameBytes.count)); central.le(UInt16(0)); central.le(UInt16(0))
            central.le(UInt16(0)); central.le(UInt16(0)); central.le(UInt32(0)); central.le(offset)
            central.append(nameBytes)
        }
        let centralOffset = UInt32(out.count)
        out.append(central)
        out.le(endSignature); out.le(UInt16(0)); out.le(UInt16(0))
        out.le(UInt16(entries.count)); out.le(UInt16(entries.count))
        out.le(UInt32(central.count)); out.le(centralOffset); out.le(UInt16(0))
        return out
    }

    /// The entries of an archive of stored entries, in central-directory order. Every
    /// offset and size is checked against the archive and every entry's CRC-32 is verified;
    /// zip64 sizes and offsets (as NumPy writes them) are understood.
    public static func entries(of data: Data) throws -> [(name: String, data: Data)] {
        let bytes = [UInt8](data)
        func fail(_ reason: String) -> FormatError { FormatError(reason: reason) }
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw fail("a record at byte \(at) runs past the end (\(bytes.count) bytes)") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> Int { try u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) throws -> Int {
            let high = try u32(at + 4)
            guard high < 1 << 16 else { throw fail("a zip64 size or offset at byte \(at) is too large") }
            return try u32(at) | high << 32
        }

        // The end record: the last 0x06054b50 within the final 64 KiB + 22 bytes.
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        guard let end = stride(from: bytes.count - 22, through: lowest, by: -1)
            .first(where: { (try? u32($0)) == Int(endSignature) }) else {
            throw fail("no end-of-central-directory record (truncated?)")
        }
        var count = try u16(end + 10)
        var position = try u32(end + 16)
        if position == 0xFFFF_FFFF || count == 0xFFFF {
            // zip64: the locator (0x07064b50) just before the end record gives the zip64 end record.
            guard end >= 20, try u32(end - 20) == 0x0706_4b50 else { throw fail("zip64 locator missing") }
            let record = try u64(end - 20 + 8)
            guard try u32(record) == 0x0606_4b50 else { throw fail("zip64 end record missing") }
            count = try u64(record + 32)
            position = try u64(record + 48)
        }
        var result: [(name: String, data: Data)] = []
        for _ in 0..<count {
            guard position + 46 <= end, try u32(position) == Int(centralSignature) else {
                throw fail("central directory record at byte \(position) is missing or damaged")
            }
            let method = try u16(position + 10)
            let crc = try u32(position + 16)
            var size = try u32(position + 20)
            var stored = try u32(position + 24)
            let nameLength = try u16(position + 28), extraLength = try u16(position + 30), commentLength = try u16(position + 32)
            var offset = try u32(position + 42)
            let nameStart = position + 46
            guard nameStart + nameLength + extraLength <= bytes.count else { throw fail("central directory runs past the end") }
            let name = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            // zip64 extra field (id 1): the 0xFFFFFFFF fields, in order, as 8-byte values.
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try u16(extra), length = try u16(extra + 2)
                if id == 1 {
                    var field = extra + 4
                    if stored == 0xFFFF_FFFF { stored = try u64(field); field += 8 }
                    if size == 0xFFFF_FFFF { size = try u64(field); field += 8 }
                    if offset == 0xFFFF_FFFF { offset = try u64(field) }
                }
                extra += 4 + length
            }
            guard method == 0 else {
                throw fail("entry '\(name)' is compressed (method \(method)); only stored entries are read (np.savez, not np.savez_compressed)")
            }
            guard stored == size else { throw fail("entry '\(name)': stored size \(size) differs from its size \(stored)") }
            guard try u32(offset) == Int(localSignature) else { throw fail("entry '\(name)': no local header at byte \(offset)") }
            let start = offset + 30 + (try u16(offset + 26)) + (try u16(offset + 28))
            guard start + size <= bytes.count else {
                throw fail("entry '\(name)' of \(size) bytes at byte \(start) runs past the end (\(bytes.count) bytes)")
            }
            let content = data.subdata(in: (data.startIndex + start)..<(data.startIndex + start + size))
            guard crc32Checksum(content) == UInt32(crc) else {
                throw fail("entry '\(name)' fails its CRC-32 check (damaged)")
            }
            result.append((name, content))
            position = nameStart + nameLength + extraLength + commentLength
        }
        return result
    }
}

extension Data {
    /// Appends `value` little-endian.
    fileprivate mutating func le<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
