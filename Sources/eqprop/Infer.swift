import ArgumentParser
import Datasets
import Export
import Foundation
import Numerics
import Reporting

extension EqPropCommand {
    struct Infer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate exported weights on test images, or classify one image.",
            discussion: """
            Reads a safetensors or npz file written by `eqprop export` and runs the \
            forward pass and readout of training's evaluation: with the run's \
            --test-limit it reproduces the test error the run reported, exactly. \
            With --image FILE.pgm it classifies one binary PGM image (P5, 8-bit, as \
            many pixels as the network has inputs, e.g. 28x28; 0 = background, as in \
            MNIST) and prints the class and the scores.
            """)

        @Option(help: "Exported weights: a .safetensors or .npz file written by `eqprop export`.")
        var weights: String

        @Option(help: "Data set: mnist or fashion-mnist (default mnist).")
        var dataset: DatasetName?

        @Option(help: ArgumentHelp(
            "Folder with the IDX files (raw or .gz).",
            discussion: DataOptions.searchPath))
        var data: String?

        @Option(help: "Use only the first N test samples.")
        var testLimit: Int?

        @Option(help: "Classify this binary PGM image (P5, 8-bit) instead of the test set.")
        var image: String?

        @Option(help: "Also write the test scores, float32 [samples, classes], to this .npy file.")
        var scoresOut: String?

        @Flag(help: "Overwrite an existing --scores-out file.")
        var force = false

        @Flag(help: "Print the result as one JSON line on standard output.")
        var json = false

        struct TestSummary: Encodable {
            var testError: Double
            var samples: Int
            var errors: Int
            var reportedTestError: Double?
            var reportedTestSamples: Int?
            var weights: String
            enum CodingKeys: String, CodingKey {
                case samples, errors, weights
                case testError = "test_error", reportedTestError = "reported_test_error"
                case reportedTestSamples = "reported_test_samples"
            }
        }

        struct ImageSummary: Encodable {
            var `class`: Int
            var scores: [Float]
            var image: String
        }

        func validate() throws {
            if let n = testLimit { try FlagChecks.samples(n, "--test-limit") }
            if image != nil && (dataset != nil || data != nil || testLimit != nil || scoresOut != nil) {
                throw ValidationError("--image classifies one image: leave out --dataset, --data, --test-limit and --scores-out")
            }
            if let scoresOut, FileManager.default.fileExists(atPath: scoresOut), !force {
                throw ValidationError("--scores-out \(scoresOut) exists; pass --force to overwrite it")
            }
        }

        func run() throws {
            let network = try ExportedNetwork(contentsOf: URL(fileURLWithPath: weights))
            if let image {
                let picture = try PGMImage(contentsOf: URL(fileURLWithPath: image))
                guard picture.pixels.count == network.inputs else {
                    throw ExportError.badImage(path: image, reason: "a \(picture.width)x\(picture.height) image has "
                                               + "\(picture.pixels.count) pixels, the network takes \(network.inputs)")
                }
                let scores = network.scores(FloatMatrix(rows: 1, columns: network.inputs, elements: picture.pixels))
                let predicted = scores.argmaxPerRow()[0]
                if json {
                    print(try JSONOutput.line(ImageSummary(class: predicted, scores: scores.elements, image: image)))
                } else {
                    print("class \(predicted); scores " + scores.elements.map { String(format: "%.4g", $0) }.joined(separator: " "))
                }
                return
            }
            let name = dataset ?? .mnist
            let test = try Dataset.load(name, explicitDirectory: data, trainLimit: 1, testLimit: testLimit).test
            let result = try network.evaluate(test)
            if let scoresOut {
                try AtomicFile.write(NPY.encode(.float32(shape: [result.scores.rows, result.scores.columns],
                                                         values: result.scores.elements)),
                                     to: URL(fileURLWithPath: scoresOut))
            }
            let reported = network.metadata["test_error_feedforward"].flatMap(Double.init)
            let reportedSamples = network.metadata["test_samples"].flatMap { Int($0) }
            if json {
                print(try JSONOutput.line(TestSummary(testError: result.testError, samples: result.samples, errors: result.errors,
                                                      reportedTestError: reported, reportedTestSamples: reportedSamples,
                                                      weights: weights)))
            } else {
                var text = String(format: "test error %.2f%% (%d of %d %@ test samples)", 100 * result.testError,
                                  result.errors, result.samples, name.rawValue)
                if let reported, let reportedSamples {
                    text += String(format: "; the run reported %.2f%% on %d samples", 100 * reported, reportedSamples)
                }
                print(text)
            }
        }
    }
}
