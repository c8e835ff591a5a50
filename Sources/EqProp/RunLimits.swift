import Numerics

/// The checks every training configuration shares (`HopfieldTrainingConfig.validate`,
/// `ResistiveTrainingConfig.validate`): the layer sizes, the minibatch size, the epochs and the
/// memory the run will need, each named by the flag that sets it.
public enum RunLimits {
    /// Throws an `InputError` naming the flag. `estimatedBytes`: the run's memory estimate;
    /// (evaluated only after the sizes passed); `what`: the network as the message names it ("a 784-500-10 network").
    public static func check(layers: [Int], batchSize: Int, epochs: Int, estimatedBytes: @autoclosure () -> Int?, what: String) throws {
        try InputLimits.checkLayers(layers, source: "--layers")
        try InputLimits.check(batchSize, in: 1...InputLimits.batchSize, source: "--batch-size", meaning: "the minibatch size")
        try InputLimits.check(epochs, in: 1...InputLimits.epochs, source: "--epochs", meaning: "the number of epochs")
        try MemoryBudget.check(estimatedBytes(), for: "\(what) with batches of \(batchSize)", source: "--layers")
    }
}
