import Foundation
import Numerics

/// A binary greyscale PGM image ("P5", netpbm): the ASCII header `P5 <width> <height>
/// <maxval>` (fields separated by whitespace, `#` comments up to the end of a line), one
/// whitespace byte, then width × height pixel bytes, row-major, with maxval ≤ 255.
///
/// Pixels become value / maxval in [0, 1] (MNIST's byte / 255 when maxval is 255), used as
/// they are: like the IDX files, 0 is the background and maxval the ink (white digit on black).
public struct PGMImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// width × height values in [0, 1], row-major.
    public let pixels: [Float]

    public init(data: Data, path: String) throws {
        func fail(_ reason: String) -> ExportError { .badImage(path: path, reason: reason) }
        let bytes = [UInt8](data)
        var position = 0
        /// The next header field, skipping whitespace and comments.
        func field() throws -> String {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count && bytes[position] != 0x0A { position += 1 }
                } else if Self.isSpace(bytes[position]) {
                    position += 1
                } else { break }
            }
            let start = position
            while position < bytes.count && !Self.isSpace(bytes[position]) && bytes[position] != UInt8(ascii: "#") { position += 1 }
            guard position > start else { throw fail("the PGM header ends early") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        guard try field() == "P5" else { throw fail("not a binary PGM image (it must start with P5)") }
        guard let w = Int(try field()), let h = Int(try field()), let maxval = Int(try field()),
              w > 0, h > 0, w <= 1 << 16, h <= 1 << 16 else {
            throw fail("the PGM header must give a positive width, height and maxval")
        }
        guard maxval > 0 && maxval <= 255 else { throw fail("maxval \(maxval): only 8-bit images (maxval 1…255) are supported") }
        guard position < bytes.count, Self.isSpace(bytes[position]) else { throw fail("no whitespace byte after the header") }
        position += 1
        let body = bytes.count - position
        guard body == w * h else {
            throw fail("a \(w)x\(h) image needs \(w * h) pixel bytes, the file holds \(body) after its header")
        }
        if let bright = bytes[position...].first(where: { Int($0) > maxval }) {
            throw fail("pixel value \(bright) exceeds the header's maxval \(maxval)")
        }
        width = w
        height = h
        let scale = Float(maxval)
        pixels = bytes[position...].map { Float($0) / scale }
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        // The largest image the header allows: 65536 × 65536 pixels and a header.
        do { data = try FileInput.read(url, maxBytes: (1 << 32) + 4096) } catch let e as InputError {
            throw ExportError.badImage(path: url.path, reason: "cannot read the file: \(e.reason)")
        }
        try self.init(data: data, path: url.path)
    }

    /// A P5 file of `bytes` (width × height, row-major, maxval 255).
    public static func encode(width: Int, height: Int, bytes: [UInt8]) -> Data {
        precondition(bytes.count == width * height, "a \(width)x\(height) image needs \(width * height) bytes")
        return Data("P5\n\(width) \(height)\n255\n".utf8) + Data(bytes)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }
}
