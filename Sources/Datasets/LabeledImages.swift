import Numerics

/// Images with class labels, pixels scaled to [0, 1] (byte / 255), one image per row.
public struct LabeledImages: Sendable {
    /// count × (height·width) pixels in [0, 1].
    public var images: FloatMatrix
    /// One class index per image, in 0..<classes.
    public var labels: [Int]
    public let height: Int
    public let width: Int
    public let classes: Int

    public init(images: FloatMatrix, labels: [Int], height: Int, width: Int, classes: Int = 10) {
        precondition(images.rows == labels.count && images.columns == height * width)
        self.images = images
        self.labels = labels
        self.height = height
        self.width = width
        self.classes = classes
    }

    public var count: Int { labels.count }
    public var pixels: Int { height * width }

    /// The first `n` samples (all of them when `n` is nil or larger than the set).
    public func prefix(_ n: Int?) -> LabeledImages {
        guard let n, n < count else { return self }
        var copy = self
        copy.images = FloatMatrix(rows: n, columns: pixels, elements: Array(images.elements[0..<(n * pixels)]))
        copy.labels = Array(labels[0..<n])
        return copy
    }

    /// Copies the samples at `indices` into `x` (rows of pixels) and `y` (one-hot rows),
    /// resizing both to `indices.count` rows. No allocation when the buffers are large enough.
    public func gather(_ indices: ArraySlice<Int>, into x: inout FloatMatrix, targets y: inout FloatMatrix) {
        let n = pixels
        let k = classes
        x.resize(rows: indices.count)
        y.resize(rows: indices.count)
        images.withUnsafeBufferPointer { src in
            x.withUnsafeMutableBufferPointer { dst in
                for (r, i) in indices.enumerated() {
                    (dst.baseAddress! + r * n).update(from: src.baseAddress! + i * n, count: n)
                }
            }
        }
        y.withUnsafeMutableBufferPointer { t in
            for i in t.indices { t[i] = 0 }
            for (r, i) in indices.enumerated() { t[r * k + labels[i]] = 1 }
        }
    }

    /// A downsampled copy: each `factor`×`factor` block of pixels averaged (e.g. 28×28 → 7×7
    /// with factor 4), for small example circuits.
    public func downsampled(by factor: Int) -> LabeledImages {
        precondition(factor >= 1 && height % factor == 0 && width % factor == 0,
                     "downsampling factor must divide the image size")
        let h = height / factor, w = width / factor
        var out = FloatMatrix(rows: count, columns: h * w)
        let scale = 1 / Float(factor * factor)
        for s in 0..<count {
            for i in 0..<h {
                for j in 0..<w {
                    var sum: Float = 0
                    for a in 0..<factor {
                        for b in 0..<factor {
                            sum += images[s, (i * factor + a) * width + j * factor + b]
                        }
                    }
                    out[s, i * w + j] = sum * scale
                }
            }
        }
        return LabeledImages(images: out, labels: labels, height: h, width: w, classes: classes)
    }
}
