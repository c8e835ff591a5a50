import CZlib
import Foundation
import Numerics

/// gzip decompression through zlib, for the `.gz` IDX files that MNIST ships as.
public enum Gzip {
    /// True when `data` starts with the gzip magic bytes 1f 8b.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// Inflates a whole gzip stream (concatenated members allowed). `path` only names the
    /// source in error messages.
    ///
    /// A gzip file can inflate to a thousand times its size, so the output is bounded while
    /// it is produced, never after: at most `maxBytes` (default: the memory budget), and, once
    /// `announcedSize` returns a size from the first inflated bytes (a format's own header, such
    /// as IDX's), exactly that many. `announcedSize` is called after each inflated chunk until it
    /// returns non-nil; it may throw to refuse the header.
    public static func decompress(_ data: Data, path: String, maxBytes: Int? = nil,
                                  announcedSize: ((Data) throws -> Int?)? = nil) throws -> Data {
        var limit = maxBytes ?? MemoryBudget.limitBytes
        var announced: Int?
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer (with CRC check), not raw zlib.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.corruptGzip(path: path, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            guard let base = input.bindMemory(to: UInt8.self).baseAddress, input.count > 0 else {
                throw DatasetError.corruptGzip(path: path, reason: "empty file")
            }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            var remaining = input.count
            // avail_in is 32-bit: feed inputs above 4 GiB in slices.
            func feed() {
                if stream.avail_in == 0 && remaining > 0 {
                    let n = min(remaining, Int(UInt32.max))
                    stream.avail_in = uInt(n)
                    remaining -= n
                }
            }
            feed()
            while true {
                let status: Int32 = buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                if output.count + produced > limit {
                    if let announced {
                        throw DatasetError.corruptGzip(path: path, reason: "inflates to more than the \(announced) bytes its header announces")
                    }
                    throw DatasetError.corruptGzip(path: path, reason: "inflates to more than the limit of \(MemoryBudget.format(limit)) (a gzip bomb, or set EQPROP_MEMORY_LIMIT)")
                }
                output.append(contentsOf: buffer[0..<produced])
                if announced == nil, let announcedSize, let size = try announcedSize(output) {
                    announced = size
                    limit = min(limit, size)
                    if output.count > limit {
                        throw DatasetError.corruptGzip(path: path, reason: "inflates to more than the \(size) bytes its header announces")
                    }
                }
                feed()
                if status == Z_STREAM_END {
                    if stream.avail_in == 0 { break }
                    // Another gzip member follows: continue with a fresh header.
                    guard inflateReset(&stream) == Z_OK else {
                        throw DatasetError.corruptGzip(path: path, reason: "bad member boundary")
                    }
                    continue
                }
                if status == Z_BUF_ERROR || (stream.avail_in == 0 && produced == 0) {
                    throw DatasetError.corruptGzip(path: path, reason: "stream ends before its trailer")
                }
                if status != Z_OK {
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw DatasetError.corruptGzip(path: path, reason: message)
                }
            }
        }
        return output
    }

    /// Compresses `data` into one gzip member (used by tests and by exporters).
    public static func compress(_ data: Data, level: Int32 = Z_DEFAULT_COMPRESSION) -> Data {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(data.count))) + 64
        var out = [UInt8](repeating: 0, count: bound)
        var produced = 0
        data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            let base = input.bindMemory(to: UInt8.self).baseAddress
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(input.count)
            out.withUnsafeMutableBufferPointer { o in
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(bound)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate did not finish")
                produced = bound - Int(stream.avail_out)
            }
        }
        return Data(out[0..<produced])
    }
}
