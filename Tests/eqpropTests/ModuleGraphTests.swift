import Foundation
import Testing

/// The modules follow the data flow (docs/design.md): each source file imports only modules of
/// a lower level than its own, so no module reaches up the graph (Circuit does not import the
/// Hopfield trainer, the library does not import the command line).
@Suite struct ModuleGraphTests {
    /// Level of every module of the package; system and third-party modules are below all.
    static let levels: [String: Int] = [
        "Numerics": 0,
        "Datasets": 1, "Reporting": 1, "Equilibrium": 1, "MessagePassing": 1,
        "EqProp": 2, "Circuit": 2,
        "Ngspice": 3, "Gradients": 3, "Export": 3,
        "CoSimulation": 4,
        "eqprop": 5,
    ]
    static let external: Set<String> = ["Foundation", "Synchronization", "Dispatch", "Glibc", "ArgumentParser",
                                        "CBLAS", "CZlib", "CNgspice", "CMPI", "CCrossbar"]

    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
    }

    @Test func noModuleImportsOneAboveIt() throws {
        var violations: [String] = []
        var files = 0
        for (module, level) in Self.levels {
            let folder = Self.sources.appendingPathComponent(module)
            let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard url.pathExtension == "swift" else { continue }
                files += 1
                for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard let i = words.firstIndex(of: "import"), words[..<i].allSatisfy({ $0.hasPrefix("@") }), i + 1 < words.count else { continue }
                    let imported = String(words[i + 1])
                    if Self.external.contains(imported) { continue }
                    guard let other = Self.levels[imported] else {
                        violations.append("\(module)/\(url.lastPathComponent) imports \(imported), a module the graph does not know")
                        continue
                    }
                    if other >= level { violations.append("\(module)/\(url.lastPathComponent) (level \(level)) imports \(imported) (level \(other))") }
                }
            }
        }
        #expect(files > 100)
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }
}
