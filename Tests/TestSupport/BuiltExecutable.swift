import Foundation

/// Executables of this package as the tests find them.
public enum BuiltExecutable {
    /// The `eqprop` executable next to the test bundle (same build configuration), else the
    /// release or debug build of this checkout.
    public static let eqprop: URL = {
        let bundleDir = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        let candidate = bundleDir.appendingPathComponent("eqprop")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for config in ["release", "debug"] {
            let url = root.appendingPathComponent(".build/\(config)/eqprop")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidate
    }()
}
