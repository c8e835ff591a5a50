import Foundation

/// The formats of `eqprop export --format`, each a view of the same `ExportedNetwork`.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// `layers.<l>.weight` [out, in] and `layers.<l>.bias` (PyTorch names and layouts), F32, metadata.
    case safetensors
    /// The whole inference graph, pixels to scores and class (opset 13).
    case onnx
    /// NumPy: the safetensors tensors as `.npy` files in a stored zip, plus `metadata.npy`.
    case npz
    /// Everything in one JSON file, weights as nested arrays [out][in].
    case json
    /// A C99 header and source: `--out FILE.c` writes FILE.c and FILE.h.
    case c

    /// The format whose files end like `url` (`.onnx` → onnx), if any.
    public static func named(byExtensionOf url: URL) -> ExportFormat? {
        ExportFormat(rawValue: url.pathExtension.lowercased())
    }

    /// The files that `--out` stands for, with their contents. An `--out` ending like another
    /// format's files (`--format safetensors --out m.onnx`) is refused: a file whose name
    /// promises one format and holds another fails later, far from the cause.
    public func files(for network: ExportedNetwork, out: URL) throws -> [(url: URL, data: Data)] {
        if let other = Self.named(byExtensionOf: out), other != self {
            throw ExportError.badOutputPath(path: out.path, reason: "--out ends in .\(out.pathExtension), the extension of the \(other.rawValue) format, "
                                            + "but --format is \(rawValue): give --format \(other.rawValue), or an --out that does not name another format")
        }
        switch self {
        case .safetensors: return [(out, network.safeTensors().encoded())]
        case .onnx: return [(out, network.onnx())]
        case .npz: return [(out, try network.npz())]
        case .json: return [(out, try network.json())]
        case .c:
            guard out.pathExtension == "c", out.lastPathComponent.count > 2 else {
                throw ExportError.badOutputPath(path: out.path, reason: "the C export writes FILE.c and FILE.h: give a path ending in .c")
            }
            let headerURL = out.deletingPathExtension().appendingPathExtension("h")
            let code = network.cSource(headerName: headerURL.lastPathComponent)
            return [(out, Data(code.source.utf8)), (headerURL, Data(code.header.utf8))]
        }
    }
}
