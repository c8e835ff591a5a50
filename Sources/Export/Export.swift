// The Export module: the trained digital feedforward network of a run (`ExportedNetwork`)
// in formats the ML ecosystem reads (safetensors, ONNX, npz, JSON, C), and reading exports
// back for `eqprop infer`. User documentation: docs/export.md.
