import Foundation
import Reporting

extension RunFolder {
    /// Refuses a resume when `config.json` no longer states the checkpoint's configuration
    /// (`checkpointConfig`, the JSON saved in the checkpoint), except for `runtimeKeys` (how
    /// the run continues: epochs, solver, workers…). A resume continues the checkpoint's
    /// configuration bit for bit, so an edit of `config.json` is never applied; it is not
    /// silently overwritten either. A missing `config.json` is fine (the resume rewrites it).
    public func checkConfigNotEdited(checkpointConfig: String, runtimeKeys: Set<String>, units: [String: String] = [:]) throws {
        guard FileManager.default.fileExists(atPath: config.path) else { return }
        let advice = "a resume continues the configuration saved in checkpoint.safetensors and never applies edits to config.json: "
            + "undo the edits (or delete config.json, which the resume rewrites), or start a new run with the new settings as flags"
        guard let file = (try? JSONSerialization.jsonObject(with: Data(contentsOf: config))) as? [String: Any] else {
            throw TrainingError.invalidConfiguration("--resume: \(config.path) is not a JSON object; \(advice)")
        }
        guard let stored = (try? JSONSerialization.jsonObject(with: Data(checkpointConfig.utf8))) as? [String: Any] else {
            throw TrainingError.checkpoint(path: checkpoint.path, reason: "its configuration is not a JSON object")
        }
        // Keys compared in today's form, so that the camelCase config.json of an older folder
        // matches a checkpoint written in snake_case (and the resume then rewrites the file).
        // A key present in both forms (batchSize and batch_size) counts as an edit.
        var collisions = Set<String>()
        func normalized(_ object: [String: Any]) -> [String: Any] {
            var d: [String: Any] = [:]
            for (key, value) in object {
                let k = ConfigurationJSON.canonicalKey(key, units: units)
                if d[k] != nil { collisions.insert(k) }
                d[k] = value
            }
            return d
        }
        let edited = normalized(file), saved = normalized(stored)
        let runtime = Set(runtimeKeys.map { ConfigurationJSON.storedKey($0, units: units) })
        let differing = Set(edited.keys).union(saved.keys).subtracting(runtime).filter { key in
            if collisions.contains(key) { return true }
            switch (edited[key], saved[key]) {
            case (nil, nil): return false
            case let (a?, b?): return canonical(a) != canonical(b)
            default: return true
            }
        }.sorted()
        guard differing.isEmpty else {
            throw TrainingError.invalidConfiguration("--resume: \(config.path) was edited (\(differing.joined(separator: ", ")) "
                                                     + "\(differing.count == 1 ? "differs" : "differ") from the checkpoint's configuration); \(advice)")
        }
    }

    /// A JSON value as sorted-key JSON text, for comparing two parsed values.
    private func canonical(_ value: Any) -> Data? {
        try? JSONSerialization.data(withJSONObject: ["v": value], options: [.sortedKeys])
    }

    /// Removes the temporary files of `AtomicFile` (`.<name>.tmp-<pid>`) that an interrupted
    /// writer left in the folder; call it holding the folder's lock. Returns their names.
    @discardableResult
    public func removeStaleTemporaryFiles() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return [] }
        return names.filter(AtomicFile.isTemporaryName).sorted().filter { unlink(url.appendingPathComponent($0).path) == 0 }
    }
}
