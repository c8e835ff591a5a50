import Foundation
import Reporting

extension ExportedNetwork {
    /// The npz export: a zip of stored `.npy` files, `layers.<l>.weight.npy` [out, in] and
    /// `layers.<l>.bias.npy` [out] (float32, the names and layouts of the safetensors export),
    /// and `metadata.npy`, a 0-d unicode array holding `metadata` as a JSON object
    /// (`json.loads(str(np.load(f)["metadata"]))`).
    public func npz() throws -> Data {
        var entries = namedTensors.map { ($0.name + ".npy", NPY.encode(.float32(shape: $0.shape, values: $0.values))) }
        entries.append(("metadata.npy", NPY.encode(.unicode(try JSONOutput.line(metadata)))))
        return StoredZip.encode(entries)
    }

    /// The tensors and metadata of an npz export, in the form the safetensors reader gives.
    static func npzContents(_ data: Data, path: String) throws -> (tensors: [String: SafeTensors.Tensor], metadata: [String: String]) {
        func fail(_ reason: String) -> ExportError { .invalidExport(path: path, reason: reason) }
        var tensors: [String: SafeTensors.Tensor] = [:]
        var metadata: [String: String]?
        do {
            for (file, bytes) in try StoredZip.entries(of: data) {
                guard file.hasSuffix(".npy") else { continue }
                let name = String(file.dropLast(4))
                switch try NPY.decode(bytes, name: file) {
                case let .float32(shape, values):
                    tensors[name] = SafeTensors.Tensor(values, shape: shape)
                case let .unicode(text) where name == "metadata":
                    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
                          let m = object as? [String: String] else {
                        throw fail("metadata.npy is not a JSON object of strings")
                    }
                    metadata = m
                case .unicode:
                    continue
                }
            }
        } catch let e as StoredZip.FormatError {
            throw fail(e.description)
        } catch let e as NPY.FormatError {
            throw fail(e.description)
        }
        guard let metadata else { throw fail("the archive holds no metadata.npy") }
        return (tensors, metadata)
    }
}
