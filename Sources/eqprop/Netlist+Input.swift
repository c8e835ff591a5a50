import ArgumentParser
import CoSimulation
import Foundation

extension EqPropCommand.Netlist {
    /// Checks --out, --svg, --raw and --existing against each other and the file system
    /// (nothing is overwritten without --force); returns the --raw file.
    func checkPaths() throws -> URL? {
        for (flag, path) in [("--out", out), ("--svg", svg)] {
            if let path, path.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("\(flag): empty path") }
        }
        if let svg, DataOptions.canonicalPath(svg) == DataOptions.canonicalPath(out) {
            throw ValidationError("--svg \(svg) is the deck's own path (--out): the schematic would replace the deck; give it another name")
        }
        if existing {
            guard verify else { throw ValidationError("--existing applies to --verify") }
            guard raw == nil && svg == nil else { throw ValidationError("--existing checks a deck as it is: --raw and --svg write files, drop them") }
            guard FileManager.default.fileExists(atPath: out) else { throw ValidationError("--out \(out): no deck to verify (--existing)") }
        }
        let rawURL = try raw.map { try writableFileLocation($0, flag: "--raw") }
        for (flag, path) in [("--out", existing ? nil : out), ("--svg", svg), ("--raw", raw)] {
            if let path, FileManager.default.fileExists(atPath: path) && !force {
                throw ValidationError("\(flag) \(path) exists; pass --force to overwrite it")
            }
        }
        return rawURL
    }

    /// The input of exactly one of --sample, --pixels and --input-volts, and where it came
    /// from (for the deck's header).
    func input(inputs: Int) throws -> (NetlistJob.Input, String) {
        switch (sample, pixels, inputVolts) {
        case let (k?, nil, nil):
            try FlagChecks.sampleIndex(k)
            let ds = try data.load()
            guard k >= 0 && k < ds.test.count else {
                throw ValidationError("--sample \(k) is outside the \(ds.test.count) test samples")
            }
            let images = try testImages(ds, count: k + 1, pixels: inputs)
            let label = images.labels[k]
            return (.pixels(images.images.row(k).map(Double.init), label: label),
                    "test sample \(k) of \(data.name.rawValue) (label \(label))")
        case let (nil, text?, nil):
            return (.pixels(try parseList(text, flag: "--pixels", as: Double.self), label: nil), "explicit pixels")
        case let (nil, nil, text?):
            return (.voltages(try parseList(text, flag: "--input-volts", as: Double.self)), "explicit input voltages")
        default:
            throw ValidationError("give exactly one of --sample, --pixels or --input-volts")
        }
    }
}
