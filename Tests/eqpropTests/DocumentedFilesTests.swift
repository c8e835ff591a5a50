import Foundation
import Testing
import TestSupport

/// Every file of the package that a command's `--help` or the README names exists (issue 19,
/// item 8: `export --help` pointed to a docs/export.md that was never written).
@Suite struct DocumentedFilesTests {
    /// The subcommands `eqprop --help` lists.
    static func subcommands() throws -> [String] {
        let help = try Eqprop.run(["--help"])
        guard let start = help.stdout.range(of: "SUBCOMMANDS:") else { return [] }
        return help.stdout[start.upperBound...].split(separator: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first,
                  word.first?.isLowercase == true else { return nil }  // not "  See 'eqprop help <subcommand>'…"
            return String(word)
        }
    }

    @Test func everyFileTheHelpAndReadmeNameExists() throws {
        let commands = try Self.subcommands()
        #expect(commands.count >= 10 && commands.contains("export"), "subcommands found: \(commands)")
        var texts = [("README.md", try String(contentsOf: Eqprop.packageRoot.appendingPathComponent("README.md"), encoding: .utf8))]
        for command in [""] + commands {
            let r = try Eqprop.run((command.isEmpty ? [] : [command]) + ["--help"])
            #expect(r.status == 0, "\(command) --help: \(r.stderr)")
            texts.append(("eqprop \(command) --help", r.stdout))
        }
        var named = 0
        for (source, text) in texts {
            for match in text.matches(of: /\b(?:docs|hardware|scripts|netlists)\/[A-Za-z0-9_.\-\/]*[A-Za-z0-9_\-]/) {
                let path = String(match.output)
                named += 1
                #expect(FileManager.default.fileExists(atPath: Eqprop.packageRoot.appendingPathComponent(path).path),
                        "\(source) names \(path), which does not exist")
            }
        }
        #expect(named >= 10, "only \(named) file names found: is the pattern still right?")
    }
}
