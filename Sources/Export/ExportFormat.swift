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

    /// The files that `--out` stands for, with their contents.
    public func files(for network: ExportedNetwork, out: URL) throws -> [(url: URL, data: Data)] {
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
