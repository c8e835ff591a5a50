import Foundation

#if !_endian(little)
#error("the worker wire format copies Doubles and integers in the host's (little-endian) byte order")
#endif

/// The framing and encoding of the messages between the pool and a worker process
/// (`WorkerProtocol.swift`).
///
/// A message is one frame: its payload length as a 4-byte little-endian unsigned integer, then
/// the payload (at most `maxPayload` bytes). Inside a payload: integers are little-endian
/// (`UInt8`, `UInt32`, `UInt64`), a `Double` is its 8 IEEE 754 bytes (exact, and an order of
/// magnitude faster than decimal text), a string is its UTF-8 byte count (`UInt32`) then the
/// bytes, an array is its element count (`UInt32`) then the elements.
enum WorkerWire {
    /// The largest payload either side sends or accepts, bytes (a deck of a million elements
    /// is about 50 MB).
    static let maxPayload = 1 << 30

    /// A payload that does not decode: truncated, a count beyond the bytes left, an unknown
    /// kind, text that is not UTF-8.
    struct Malformed: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Builds one frame: `payload` grows as values are appended, and `frame` prefixes its length.
    struct Writer {
        private(set) var bytes: [UInt8] = [0, 0, 0, 0]

        init(capacity: Int = 256) { bytes.reserveCapacity(capacity + 4) }

        mutating func byte(_ v: UInt8) { bytes.append(v) }
        mutating func uint32(_ v: UInt32) { withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) } }
        mutating func uint64(_ v: UInt64) { withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) } }
        mutating func double(_ v: Double) { withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) } }
        mutating func count(_ n: Int) { uint32(UInt32(clamping: n)) }
        mutating func string(_ s: String) {
            var s = s
            s.withUTF8 { u in count(u.count); bytes.append(contentsOf: u) }
        }
        mutating func strings(_ a: [String]) { count(a.count); for s in a { string(s) } }
        mutating func doubles(_ a: [Double]) { count(a.count); a.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        mutating func rows(_ a: [[Double]]) { count(a.count); for r in a { doubles(r) } }

        /// The frame: length prefix and payload. Throws when the payload exceeds `maxPayload`.
        func frame() throws -> [UInt8] {
            let length = bytes.count - 4
            guard length <= maxPayload else { throw Malformed("a message of \(length) bytes exceeds the limit of \(maxPayload)") }
            var framed = bytes
            withUnsafeBytes(of: UInt32(length)) { for i in 0..<4 { framed[i] = $0[i] } }
            return framed
        }
    }

    /// Reads the values of one payload in order; every read is bounds-checked, so a hostile
    /// or truncated payload throws `Malformed` and never traps or allocates beyond its size.
    struct Reader {
        private let bytes: UnsafeRawBufferPointer
        private var offset = 0

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        var isAtEnd: Bool { offset == bytes.count }

        private mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
            guard n >= 0, n <= bytes.count - offset else { throw Malformed("truncated at byte \(offset) of \(bytes.count)") }
            defer { offset += n }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
        }
        private mutating func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let p = try take(MemoryLayout<T>.size)
            return T(littleEndian: p.loadUnaligned(as: T.self))
        }

        mutating func byte() throws -> UInt8 { try load(UInt8.self) }
        mutating func uint64() throws -> UInt64 { try load(UInt64.self) }
        mutating func double() throws -> Double { Double(bitPattern: try load(UInt64.self)) }
        /// A count of elements of at least `size` bytes each: never more than the bytes left.
        mutating func count(elementSize size: Int) throws -> Int {
            let n = Int(try load(UInt32.self))
            guard n <= (bytes.count - offset) / max(size, 1) else { throw Malformed("a count of \(n) beyond the message's end") }
            return n
        }
        mutating func string() throws -> String {
            let p = try take(try count(elementSize: 1))
            guard let s = String(validating: p.bindMemory(to: UInt8.self), as: UTF8.self) else { throw Malformed("text that is not UTF-8") }
            return s
        }
        mutating func strings() throws -> [String] {
            let n = try count(elementSize: 4)
            return try (0..<n).map { _ in try string() }
        }
        mutating func doubles() throws -> [Double] {
            let n = try count(elementSize: 8)
            let p = try take(n * 8)
            return [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
                if n > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: p) }
                initialized = n
            }
        }
        mutating func rows() throws -> [[Double]] {
            let n = try count(elementSize: 4)
            return try (0..<n).map { _ in try doubles() }
        }
    }

    /// Bytes received and not yet consumed, cut into frames as they complete.
    struct FrameBuffer {
        private var bytes: [UInt8] = []
        private var start = 0

        mutating func append(_ chunk: UnsafeRawBufferPointer) {
            // Drop consumed bytes before growing, so a long session does not accumulate them.
            if start > 0 && start == bytes.count { bytes.removeAll(keepingCapacity: true); start = 0 }
            if start > 1 << 20 { bytes.removeSubrange(..<start); start = 0 }
            bytes.append(contentsOf: chunk)
        }

        /// Whether bytes of an unfinished frame are held.
        var hasPartialFrame: Bool { start < bytes.count }

        /// The next complete frame's payload, or nil until all of it has arrived. Throws when
        /// the length prefix exceeds `maxPayload` (the stream cannot be read further).
        mutating func nextPayload() throws -> [UInt8]? {
            guard bytes.count - start >= 4 else { return nil }
            var length = 0
            for i in 0..<4 { length |= Int(bytes[start + i]) << (8 * i) }
            guard length <= maxPayload else { throw Malformed("a frame of \(length) bytes exceeds the limit of \(maxPayload)") }
            guard bytes.count - start - 4 >= length else { return nil }
            let payload = Array(bytes[(start + 4)..<(start + 4 + length)])
            start += 4 + length
            return payload
        }
    }
}
