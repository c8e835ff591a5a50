import ArgumentParser
import Datasets
import Numerics

/// Input samples for the commands that probe one circuit (crosscheck, gradcheck, benchmark
/// solvers): test images of the data set resampled to the network's inputs, or, when no data
/// set is found, seeded uniform pixels in [0, 1] with seeded labels.
struct InputSamples {
    /// samples × pixels, in [0, 1].
    var pixels: DoubleMatrix
    var labels: [Int]
    /// Where they came from, for reports.
    var source: String
}

extension DataOptions {
    /// Test samples `first..<first + count`. An explicit `--data` that cannot be read is an
    /// error; a range beyond the test set is an error naming `flag`.
    func inputSamples(first: Int = 0, count: Int, pixels: Int, classes: Int, seed: UInt64, flag: String) throws -> InputSamples {
        guard first >= 0, count > 0 else { throw ValidationError("\(flag) must select at least one sample from index 0 on") }
        try FlagChecks.sampleIndex(first, flag)
        try FlagChecks.samples(count, flag)
        do {
            try MemoryBudget.check(elements: CheckedSize.product(count, pixels), of: MemoryLayout<Double>.size,
                                   for: "\(count) samples of \(pixels) pixels", source: flag)
        } catch let e as InputError { throw ValidationError(e.description) }
        if let ds = try? load() {
            let images = try testImages(ds, count: first + count, pixels: pixels)
            guard images.count == first + count else {
                throw ValidationError("\(flag): samples \(first)..<\(first + count) requested, the test set of \(ds.name.rawValue) has \(images.count)")
            }
            let rows = images.images.elements[(first * pixels)..<((first + count) * pixels)].map(Double.init)
            return InputSamples(pixels: DoubleMatrix(rows: count, columns: pixels, elements: Array(rows)),
                                labels: images.labels[first..<(first + count)].map { $0 % classes },
                                source: "\(ds.name.rawValue) test samples \(first)..<\(first + count)")
        }
        if data != nil { _ = try load() }
        var rng = SeededGenerator(seed: seed).stream(77)
        let values = DoubleMatrix.uniform(rows: count, columns: pixels, in: 0...1, using: &rng)
        let labels = (0..<count).map { _ in Int(rng.next() % UInt64(classes)) }
        return InputSamples(pixels: values, labels: labels, source: "seeded random pixels (no data set found)")
    }
}
