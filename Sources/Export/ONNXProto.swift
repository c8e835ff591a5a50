import Foundation

/// The ONNX messages an inference graph needs (onnx.proto, IR version 7), encoded with
/// `ProtobufMessage`. Field numbers are those of onnx.proto; only the fields used are listed.
enum ONNXProto {
    /// TensorProto.DataType.
    enum DataType: Int {
        case float = 1, int64 = 7
    }

    /// A dimension of a ValueInfo's shape: a fixed size or a symbolic name (a batch size).
    enum Dimension {
        case value(Int)
        case parameter(String)
    }

    /// TensorProto (dims = 1, data_type = 2, name = 8, raw_data = 9): an initializer, its
    /// values little-endian in raw_data.
    static func tensor(name: String, dims: [Int], floats: [Float]) -> ProtobufMessage {
        precondition(floats.count == dims.reduce(1, *), "tensor '\(name)': shape does not match the value count")
        return tensor(name: name, dims: dims, type: .float,
                      raw: floats.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) })
    }

    static func tensor(name: String, dims: [Int], int64s: [Int64]) -> ProtobufMessage {
        precondition(int64s.count == dims.reduce(1, *), "tensor '\(name)': shape does not match the value count")
        return tensor(name: name, dims: dims, type: .int64, raw: int64s.map(\.littleEndian).withUnsafeBytes { Data($0) })
    }

    private static func tensor(name: String, dims: [Int], type: DataType, raw: Data) -> ProtobufMessage {
        var m = ProtobufMessage()
        for d in dims { m.int(1, d) }
        m.int(2, type.rawValue)
        m.string(8, name)
        m.data(9, raw)
        return m
    }

    /// AttributeProto of type INT (name = 1, i = 3, type = 20; AttributeType.INT = 2).
    static func intAttribute(_ name: String, _ value: Int) -> ProtobufMessage {
        var m = ProtobufMessage()
        m.string(1, name)
        m.int(3, value)
        m.int(20, 2)
        return m
    }

    /// NodeProto (input = 1, output = 2, name = 3, op_type = 4, attribute = 5) of the
    /// default ("ai.onnx") domain.
    static func node(_ op: String, inputs: [String], outputs: [String], name: String,
                     attributes: [ProtobufMessage] = []) -> ProtobufMessage {
        var m = ProtobufMessage()
        for i in inputs { m.string(1, i) }
        for o in outputs { m.string(2, o) }
        m.string(3, name)
        m.string(4, op)
        for a in attributes { m.message(5, a) }
        return m
    }

    /// ValueInfoProto (name = 1, type = 2, doc_string = 3) of a tensor: TypeProto.tensor_type
    /// (1) → elem_type (1), shape (2) → dim (1) → dim_value (1) or dim_param (2).
    static func valueInfo(name: String, type: DataType, shape: [Dimension], doc: String) -> ProtobufMessage {
        var shapeProto = ProtobufMessage()
        for d in shape {
            var dim = ProtobufMessage()
            switch d {
            case .value(let n): dim.int(1, n)
            case .parameter(let p): dim.string(2, p)
            }
            shapeProto.message(1, dim)
        }
        var tensorType = ProtobufMessage()
        tensorType.int(1, type.rawValue)
        tensorType.message(2, shapeProto)
        var typeProto = ProtobufMessage()
        typeProto.message(1, tensorType)
        var m = ProtobufMessage()
        m.string(1, name)
        m.message(2, typeProto)
        m.string(3, doc)
        return m
    }

    /// GraphProto (node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12).
    static func graph(name: String, nodes: [ProtobufMessage], initializers: [ProtobufMessage],
                      inputs: [ProtobufMessage], outputs: [ProtobufMessage], doc: String) -> ProtobufMessage {
        var m = ProtobufMessage()
        for n in nodes { m.message(1, n) }
        m.string(2, name)
        for t in initializers { m.message(5, t) }
        m.string(10, doc)
        for i in inputs { m.message(11, i) }
        for o in outputs { m.message(12, o) }
        return m
    }

    /// ModelProto (ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6,
    /// graph = 7, opset_import = 8 → OperatorSetIdProto (domain = 1, version = 2),
    /// metadata_props = 14 → StringStringEntryProto (key = 1, value = 2)).
    static func model(graph: ProtobufMessage, irVersion: Int, opset: Int, producer: String, producerVersion: String,
                      doc: String, metadata: [String: String]) -> ProtobufMessage {
        var m = ProtobufMessage()
        m.int(1, irVersion)
        m.string(2, producer)
        m.string(3, producerVersion)
        m.string(6, doc)
        m.message(7, graph)
        var opsetID = ProtobufMessage()
        opsetID.string(1, "")
        opsetID.int(2, opset)
        m.message(8, opsetID)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            var entry = ProtobufMessage()
            entry.string(1, key)
            entry.string(2, value)
            m.message(14, entry)
        }
        return m
    }
}
