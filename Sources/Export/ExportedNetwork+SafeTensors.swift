import Reporting

extension ExportedNetwork {
    /// The safetensors export: `namedTensors` (PyTorch names and layouts, F32) with
    /// `metadata` as `__metadata__`. Loads with `safetensors.torch.load_file` or
    /// `safetensors.numpy.load_file`; `eqprop infer` reads it back.
    public func safeTensors() -> SafeTensors {
        SafeTensors(tensors: namedTensors.map { ($0.name, SafeTensors.Tensor($0.values, shape: $0.shape)) },
                    metadata: metadata)
    }
}
