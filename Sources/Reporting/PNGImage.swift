import CZlib
import Foundation

/// An 8-bit RGB image encoded as PNG (ISO/IEC 15948): signature, IHDR, one zlib-compressed
/// IDAT of scanlines each led by filter byte 0 (none), IEND; every chunk with its CRC-32.
/// Used to embed large heat maps in SVG files, where a rectangle per cell would not scale.
public struct PNGImage: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major RGB triples, 3·width·height bytes.
    public let rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        precondition(width > 0 && height > 0 && rgb.count == 3 * width * height)
        self.width = width
        self.height = height
        self.rgb = rgb
    }

    public func encoded() -> Data {
        var raw = [UInt8]()
        raw.reserveCapacity((3 * width + 1) * height)
        for y in 0..<height {
            raw.append(0)
            raw.append(contentsOf: rgb[(3 * width * y)..<(3 * width * (y + 1))])
        }
        var size = compressBound(uLong(raw.count))
        var packed = [UInt8](repeating: 0, count: Int(size))
        let status = compress2(&packed, &size, raw, uLong(raw.count), Z_BEST_COMPRESSION)
        precondition(status == Z_OK, "zlib compress2 failed (\(status))")
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, 2, 0, 0, 0])  // 8 bits per sample, RGB, deflate, adaptive filtering, no interlace
        Self.chunk("IHDR", header, into: &png)
        Self.chunk("IDAT", Data(packed[0..<Int(size)]), into: &png)
        Self.chunk("IEND", Data(), into: &png)
        return png
    }

    private static func chunk(_ type: String, _ body: Data, into png: inout Data) {
        png.appendBigEndian(UInt32(body.count))
        let typed = Data(type.utf8) + body
        png.append(typed)
        png.appendBigEndian(crc32Checksum(typed))
    }
}

extension Data {
    mutating func appendBigEndian(_ v: UInt32) {
        append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
    }
}
