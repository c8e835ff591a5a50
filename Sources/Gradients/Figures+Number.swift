import Datasets

extension Figures {
    /// The figures of the paper that `eqprop figures --figure` reproduces.
    public enum Number: Int, CaseIterable, Sendable {
        /// Local vs global losses on a toy with layer-wise targets (no data set).
        case one = 1
        /// Init-EqProp vs plain EqProp at long and short free phases.
        case two
        /// The feedforward network trained by local vs global losses during Init-EqProp.
        case three
        /// The effect of the tether strength λ.
        case four

        /// Whether the figure trains on a data set (all but figure 1).
        public var needsData: Bool { self != .one }

        /// The files it writes, in the order of `Output.files`.
        public var fileNames: [String] { Figures.fileNames(figure: rawValue) }
    }

    /// `eqprop figures`: figure `number`, trained on `data` (nil for figure 1).
    public static func make(_ number: Number, data: Dataset?, settings: Settings) throws -> Output {
        switch (number, data) {
        case (.one, _): return figure1(settings)
        case (.two, let data?): return try figure2(data, settings)
        case (.three, let data?): return try figure3(data, settings)
        case (.four, let data?): return try figure4(data, settings)
        default: preconditionFailure("figure \(number.rawValue) trains on a data set")
        }
    }
}
