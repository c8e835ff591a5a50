import Foundation
import Numerics
import Reporting

/// The on-disk form of a DRN: a safetensors file (`*.drn.safetensors`) that training writes
/// and `eqprop netlist` reads.
///
/// Version 1:
/// - metadata: `format` = "eqprop-drn", `version` = "1", `architecture` = "784,100,10" (pixels,
///   hidden…, classes), `readout` = "single" or "differential", `preset` = hardware preset
///   name, optional `description`;
/// - tensors, all F64, in siemens: `crossbar.<l>` for l = 0…L−1 (rows = nodes of the layer
///   below, x⁺ then x⁻ for l = 0; columns = nodes of the layer above), `bias_positive.<l>` and
///   `bias_negative.<l>` (one per node of free layer l+1).
extension ResistiveNetwork {
    public static let fileFormat = "eqprop-drn"
    public static let fileVersion = "1"

    public func safeTensors(description: String? = nil) -> SafeTensors {
        var file = SafeTensors()
        for l in 0..<depth {
            let g = conductances[l]
            file.tensors.append(("crossbar.\(l)", .init(g.elements, shape: [g.rows, g.columns])))
            file.tensors.append(("bias_positive.\(l)", .init(biasToPositiveRail[l], shape: [layerSizes[l]])))
            file.tensors.append(("bias_negative.\(l)", .init(biasToNegativeRail[l], shape: [layerSizes[l]])))
        }
        file.metadata = ["format": Self.fileFormat, "version": Self.fileVersion,
                         "architecture": architecture.map(String.init).joined(separator: ","),
                         "readout": isDifferential ? "differential" : "single", "preset": presetName]
        if let description { file.metadata["description"] = description }
        return file
    }

    public func write(to url: URL, description: String? = nil) throws {
        try safeTensors(description: description).write(to: url)
    }

    /// Reads a network file, checking its version and every tensor's shape.
    public init(contentsOf url: URL) throws {
        let file = try SafeTensors(contentsOf: url)
        try self.init(file, path: url.path)
    }

    public init(_ file: SafeTensors, path: String) throws {
        func fail(_ m: String) -> CircuitError { CircuitError("\(path): \(m)") }
        guard file.metadata["format"] == Self.fileFormat else {
            throw fail("not a DRN parameter file (metadata 'format' is \(file.metadata["format"].map { "'\($0)'" } ?? "missing"), expected '\(Self.fileFormat)')")
        }
        guard file.metadata["version"] == Self.fileVersion else {
            throw fail("DRN file version \(file.metadata["version"] ?? "?") is not supported (this build reads version \(Self.fileVersion))")
        }
        guard let archText = file.metadata["architecture"] else { throw fail("metadata 'architecture' is missing") }
        let arch: [Int]
        do { arch = try InputLimits.parseLayers(archText, source: "metadata 'architecture'") } catch let e as InputError {
            throw fail(e.description)
        }
        let differential = file.metadata["readout"] == "differential"
        let classes = arch.last!
        let sizes = Array(arch.dropFirst().dropLast()) + [differential ? 2 * classes : classes]
        var conductances: [DoubleMatrix] = [], bp: [[Double]] = [], bn: [[Double]] = []
        for l in 0..<sizes.count {
            let rows = l == 0 ? 2 * arch[0] : sizes[l - 1]
            guard let g = file["crossbar.\(l)"], g.dtype == .f64, g.shape == [rows, sizes[l]] else {
                throw fail("tensor 'crossbar.\(l)' is missing or not an F64 tensor of shape [\(rows), \(sizes[l])] (architecture \(archText))")
            }
            guard let p = file["bias_positive.\(l)"], p.dtype == .f64, p.shape == [sizes[l]],
                  let n = file["bias_negative.\(l)"], n.dtype == .f64, n.shape == [sizes[l]] else {
                throw fail("tensor 'bias_positive.\(l)' or 'bias_negative.\(l)' is missing or not F64 of shape [\(sizes[l])]")
            }
            conductances.append(DoubleMatrix(rows: rows, columns: sizes[l], elements: g.doubles))
            bp.append(p.doubles)
            bn.append(n.doubles)
        }
        self.init(inputs: arch[0], layerSizes: sizes, classes: classes, conductances: conductances,
                  biasToPositiveRail: bp, biasToNegativeRail: bn, presetName: file.metadata["preset"] ?? "")
    }
}
