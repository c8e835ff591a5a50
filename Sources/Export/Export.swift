// The Export module: the trained digital feedforward network in formats the ML ecosystem
// reads (safetensors, ONNX, npz, JSON, C). See the README's export section.
