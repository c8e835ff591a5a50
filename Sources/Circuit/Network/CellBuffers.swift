import Reporting

/// One double per crossbar cell and per bias conductance, kept on the digital side of a chip
/// and saved in a training checkpoint: the mixed-precision accumulators (`DeviceAccumulators`,
/// S) and the momentum velocities (`MomentumBuffers`, V²/S).
public struct CellBuffers: Sendable, Equatable {
    /// Per crossbar, rows × columns.
    public var crossbars: [[Double]]
    /// Per free layer, its bias conductances: + rail then − rail.
    public var biases: [[Double]]

    public init(crossbars: [[Double]], biases: [[Double]]) {
        self.crossbars = crossbars
        self.biases = biases
    }

    /// All zero, shaped as `network`'s cells and biases.
    init(zeroFor network: ResistiveNetwork) {
        crossbars = network.conductances.map { [Double](repeating: 0, count: $0.count) }
        biases = network.layerSizes.map { [Double](repeating: 0, count: 2 * $0) }
    }

    /// Empty buffers for `depth` crossbars: the state of a circuit that keeps none.
    init(unusedFor depth: Int) {
        crossbars = Array(repeating: [], count: depth)
        biases = Array(repeating: [], count: depth)
    }

    /// Whether these buffers are shaped as `network`'s cells and biases.
    func fits(_ network: ResistiveNetwork) -> Bool {
        crossbars.map(\.count) == network.conductances.map(\.count) && biases.map(\.count) == network.layerSizes.map { 2 * $0 }
    }

    /// As checkpoint tensors `<cells>.<l>` (rows × columns) and `<biases>.<l>` (+ rail then
    /// − rail), F64, for every crossbar l of `network`.
    func tensors(cells: String, biases biasName: String, network: ResistiveNetwork) -> [(name: String, tensor: SafeTensors.Tensor)] {
        (0..<network.depth).flatMap { l -> [(name: String, tensor: SafeTensors.Tensor)] in
            [("\(cells).\(l)", .init(crossbars[l], shape: [network.nodes(inLayer: l), network.nodes(inLayer: l + 1)])),
             ("\(biasName).\(l)", .init(biases[l], shape: [2 * network.layerSizes[l]]))]
        }
    }

    /// The buffers a checkpoint holds under these names (nil when it holds no `<cells>.0`);
    /// `what` names them in the error for a missing or non-F64 tensor.
    static func read(from file: SafeTensors, cells: String, biases biasName: String, what: String, path: String) throws -> CellBuffers? {
        let named = Dictionary(file.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        guard named["\(cells).0"] != nil else { return nil }
        var result = CellBuffers(crossbars: [], biases: [])
        var l = 0
        while let t = named["\(cells).\(l)"] {
            guard t.dtype == .f64, let b = named["\(biasName).\(l)"], b.dtype == .f64 else {
                throw CircuitError("\(path): \(what) tensors of crossbar \(l) are missing or not F64")
            }
            result.crossbars.append(t.doubles)
            result.biases.append(b.doubles)
            l += 1
        }
        return result
    }
}
