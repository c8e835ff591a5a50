import Ngspice

extension EqPropCommand.Crosscheck {
    /// The `--json` line.
        struct Output: Encodable {
            var architecture: [Int]
            var preset: String
            var samples: Int
            var inputs: String
            var form: String
            var workers: Int
            var maxAbsDiffVolts: Double
            var phases: [CrossCheck.PhaseResult]
            var swiftSecondsPerSample: Double
            var ngspiceSecondsPerSample: Double
            var speedup: Double
            var swiftToleranceVolts: Double
            var spiceOptions: [String: Double]
            var workerRestarts: Int
            enum CodingKeys: String, CodingKey {
                case architecture, preset, samples, inputs, form, workers, phases, speedup
                case maxAbsDiffVolts = "max_abs_diff_volts"
                case swiftSecondsPerSample = "swift_seconds_per_sample"
                case ngspiceSecondsPerSample = "ngspice_seconds_per_sample"
                case swiftToleranceVolts = "swift_tolerance_volts", spiceOptions = "spice_options"
                case workerRestarts = "worker_restarts"
            }
        }
}
