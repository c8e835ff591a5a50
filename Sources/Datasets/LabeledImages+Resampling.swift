import Numerics

extension LabeledImages {
    /// The input sizes a 28×28 data set can be reduced to by cropping a border of 0 or 2
    /// pixels (MNIST digits sit in the central 20×20) and averaging f×f blocks.
    public static func resamplingPlan(from side: Int, toPixels pixels: Int) -> (crop: Int, factor: Int)? {
        for crop in [0, 2] {
            let s = side - 2 * crop
            guard s > 0 else { continue }
            for factor in 1...s where s % factor == 0 {
                let out = s / factor
                if out * out == pixels { return (crop, factor) }
            }
        }
        return nil
    }

    public static func reachablePixelCounts(from side: Int) -> [Int] {
        var counts = Set<Int>()
        for crop in [0, 2] {
            let s = side - 2 * crop
            for factor in 1...s where s % factor == 0 { counts.insert((s / factor) * (s / factor)) }
        }
        return counts.sorted()
    }

    /// A copy with `pixels` inputs per image (see `resamplingPlan`), or nil if unreachable.
    public func resampled(toPixels pixels: Int) -> LabeledImages? {
        if pixels == self.pixels { return self }
        guard height == width, let plan = Self.resamplingPlan(from: height, toPixels: pixels) else { return nil }
        var cropped = self
        if plan.crop > 0 {
            let s = height - 2 * plan.crop
            var m = FloatMatrix(rows: count, columns: s * s)
            for n in 0..<count {
                for i in 0..<s {
                    for j in 0..<s { m[n, i * s + j] = images[n, (i + plan.crop) * width + j + plan.crop] }
                }
            }
            cropped = LabeledImages(images: m, labels: labels, height: s, width: s, classes: classes)
        }
        return plan.factor == 1 ? cropped : cropped.downsampled(by: plan.factor)
    }
}
