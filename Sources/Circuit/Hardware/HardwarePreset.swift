import Foundation
import Numerics
import Reporting

/// A hardware preset (`hardware/NAME.json`): the physical parts a deep resistive network is
/// built from, in SI units. Every field is documented in `hardware/README.md`; a file with an
/// unknown or a missing field is rejected (`HardwarePreset+Decoding.swift` reads files).
public struct HardwarePreset: Sendable, Equatable {
    public var name: String
    public var description: String

    /// Programmable conductance window of one crossbar cell, S.
    public var conductanceMin: Double
    public var conductanceMax: Double
    /// Number of programmable levels, evenly spaced over [min, max]; 0 means continuous.
    public var conductanceLevels: Int
    /// Resistance of one wire segment between adjacent crossbar cells, Ω (0: ideal wires).
    /// With `wireModel` `.mesh` (the default) every crossbar is the resistive mesh of
    /// `docs/wire-mesh.md`, solved exactly (`CrossbarMesh`); with `.firstOrder`, cell (i, j)
    /// gets a series resistance r·(i + j + 2) and currents shared along a wire are neglected.
    public var wireResistance: Double

    /// How wire resistance is modelled (no effect when `wireResistance` is 0).
    public enum WireModel: String, Sendable, Codable, CaseIterable {
        /// Every wire segment a resistor: the physical crossbar (exact).
        case mesh
        /// A series resistance r·(i + j + 2) per cell, shared wire currents neglected: a named
        /// approximation (its error against the mesh is in BENCHMARKS.md).
        case firstOrder = "first-order"
    }
    public var wireModel: WireModel = .mesh
    /// The largest tile, cells: a crossbar with more rows (columns) is split into tiles of at
    /// most `tileRows` × `tileColumns` cells, each with its own row and column wires; a node
    /// joins its wire in every tile that holds it. 0 = no tiling (one tile per crossbar).
    public var tileRows = 0
    public var tileColumns = 0

    /// Input sources hold ±g·x for a pixel x ∈ [0, 1], V.
    public var inputGain: Double
    /// Bias rails at ±V_b; every free node has a conductance to each rail, V.
    public var biasVolts: Double

    public enum Clamp: String, Sendable, Codable {
        /// First half of each hidden layer excitatory (V ≥ low), second half inhibitory (V ≤ high).
        case oneSided = "one-sided"
        /// Every hidden node within [low, high].
        case twoSided = "two-sided"
    }
    public var clamp: Clamp
    public var clampLow: Double
    public var clampHigh: Double

    public enum DiodeKind: String, Sendable, Codable {
        /// Ideal clamps in the Swift solver (a convex QP); netlists use the model card as the
        /// closest SPICE part, and Swift-vs-ngspice comparisons use the card's equations.
        case ideal
        /// The model card's Shockley equations everywhere.
        case shockley
    }
    public var diodeKind: DiodeKind
    /// The diode's SPICE model card (level-1 junction diode).
    public var diodeCard: DiodeModelCard
    /// Each clamp rail is shifted by this much away from the node's allowed range, to offset
    /// the diode's forward drop, V (excitatory rail at low + offset, inhibitory at high − offset).
    public var diodeOffset: Double

    public enum Readout: String, Sendable, Codable {
        /// One output node per class.
        case single
        /// Two nodes per class; the score is V(o⁺) − V(o⁻).
        case differential
    }
    public var outputReadout: Readout

    /// Capacitance from every free node to ground, for transient settling, F.
    public var nodeCapacitance: Double
    /// Voltage gain A of a bidirectional amplifier between consecutive free layers (forward
    /// VCVS ×A, backward CCCS ×1/A; Kendall et al. 2020); 1 means no amplifier.
    public var amplifierGain: Double

    /// ngspice `.options` for decks that must agree with the Swift solver to 1e-6 V.
    public var spiceOptions: [String: Double]

    /// How cells respond to programming and reading (the optional `device` section; absent:
    /// ideal devices programmed by clip-and-round).
    public var device = DeviceModel()

    /// The conductance G_u (S) that one unit of the reference DRN's weights maps to (the
    /// optional `conductance_unit_siemens`; absent: the training preset's, 1e-4 S). Initial
    /// conductances, β, λ and every learning rate scale with it, and the fixed point does not
    /// change (scaling every conductance of a resistive network by c leaves its node voltages
    /// as they are), so it only chooses where in [G_min, G_max] the weights live: a device
    /// with soft bounds must hold them near the middle of its window, where up and down pulses
    /// are alike, not near G_min, where a down pulse moves (G − G_min)/(G_max − G_min) of an up one.
    public var conductanceUnit: Double?
}

/// Why a preset file was rejected.
public struct PresetError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

extension HardwarePreset {
    /// Reads and validates a preset file.
    public init(contentsOf url: URL) throws {
        try self.init(json: try Self.fileData(url), path: url.path)
    }

    /// The bytes of a preset file (a regular file, a pipe or `/dev/fd/N`: read once, so a
    /// caller that also copies the file keeps these bytes rather than reading it again).
    public static func fileData(_ url: URL) throws -> Data {
        // A preset is a few hundred bytes; a megabyte is already absurd.
        do { return try FileInput.read(url, maxBytes: maxFileBytes) } catch let e as InputError {
            throw PresetError(path: url.path, reason: "cannot read the file: \(e.reason)")
        }
    }

    /// Reads and validates a preset from its bytes; `path` names the file in messages.
    public init(json data: Data, path: String) throws {
        // The whole file must be JSON, not only the fields read: JSONDecoder reads values
        // lazily, and a malformed number or string would otherwise be named as a wrong field.
        guard JSONValue.parse(data)?.object != nil else { throw PresetError(path: path, reason: "not a JSON object") }
        let decoder = JSONDecoder()
        decoder.userInfo[Self.pathKey] = path
        do { self = try decoder.decode(HardwarePreset.self, from: data) } catch let error as PresetError { throw error } catch {
            // Not JSON at all (the reader's own refusals are `PresetError`s).
            throw PresetError(path: path, reason: "not a JSON object")
        }
    }

    /// The most programmable levels a preset may give (2^30: far finer than any device).
    public static let maxConductanceLevels = 1 << 30
    /// The largest preset file read, bytes.
    public static let maxFileBytes = 1 << 20

    /// The longest preset name, characters; names are file-name safe and go into deck titles.
    public static let maxNameLength = 64
    /// The longest description, characters.
    public static let maxDescriptionLength = 2000

    /// Checks every field's range, as reading a file does.
    public func validate() throws {
        try validate(fail: { PresetError(path: name, reason: $0) })
    }

    func validate(fail: (String) -> PresetError) throws {
        guard !name.isEmpty, name.unicodeScalars.count <= Self.maxNameLength, name.unicodeScalars.allSatisfy({ c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-" || c == "."
        }) else {
            throw fail("field 'name' must be 1 to \(Self.maxNameLength) letters, digits, '_', '-' or '.' (got \(name.unicodeScalars.count) characters)")
        }
        guard description.unicodeScalars.count <= Self.maxDescriptionLength,
              !description.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw fail("field 'description' must be at most \(Self.maxDescriptionLength) characters without line breaks or control characters")
        }
        // Decks hold resistances 1/G: G must be a normal number (1/G finite), as must the wire
        // resistance summed along a crossbar.
        guard conductanceMin >= 1e-300, conductanceMax > conductanceMin else {
            throw fail("need 1e-300 ≤ conductance_min_siemens < conductance_max_siemens (got \(conductanceMin), \(conductanceMax))")
        }
        guard wireResistance >= 0 && wireResistance <= 1e12 else { throw fail("wire_resistance_ohms must be in [0, 1e12] (got \(wireResistance))") }
        guard tileRows >= 0, tileColumns >= 0 else {
            throw fail("fields 'tile_rows' and 'tile_columns' must be ≥ 1 (leave them out for no tiling)")
        }
        guard inputGain > 0 else { throw fail("input_gain_volts must be positive") }
        guard biasVolts >= 0 else { throw fail("bias_volts must be ≥ 0") }
        if clamp == .twoSided {
            guard clampLow < clampHigh else { throw fail("two-sided clamps need clamp_low_volts < clamp_high_volts") }
        }
        guard diodeCard.saturationCurrent > 0, diodeCard.emissionCoefficient > 0, diodeCard.seriesResistance >= 0 else {
            throw fail("diode: saturation current and emission coefficient must be positive, series resistance ≥ 0")
        }
        guard nodeCapacitance >= 0 else { throw fail("node_capacitance_farads must be ≥ 0") }
        guard conductanceLevels == 0 || (2...Self.maxConductanceLevels).contains(conductanceLevels) else {
            throw fail("conductance_levels must be 0 (continuous) or a whole number in 2…\(Self.maxConductanceLevels)")
        }
        // The backward source's gain is 1/A: both must be finite numbers a deck can hold.
        guard amplifierGain >= 1e-6 && amplifierGain <= 1e6 else {
            throw fail("amplifier_gain must be in [1e-6, 1e6] (1: no amplifier; got \(amplifierGain))")
        }
        try device.validate(levels: conductanceLevels, fail: { fail($0) })
        if device.hasDiodeMismatch && diodeKind == .ideal {
            throw fail("fields 'device.diode_saturation_current_spread' and 'device.diode_emission_coefficient_spread' describe Shockley diodes: this preset's diode kind is \"ideal\"")
        }
        try validateRanges(fail: fail)
    }

    /// The closest programmable conductance: clipped to the window and, with levels, rounded to
    /// the nearest level.
    @inlinable
    public func programmable(_ g: Double) -> Double {
        let clipped = min(max(g, conductanceMin), conductanceMax)
        guard conductanceLevels >= 2 else { return clipped }
        let step = (conductanceMax - conductanceMin) / Double(conductanceLevels - 1)
        return conductanceMin + ((clipped - conductanceMin) / step).rounded() * step
    }

    /// Spacing of the programmable levels Δℓ, S (0 on a continuous device).
    public var levelStep: Double {
        conductanceLevels >= 2 ? (conductanceMax - conductanceMin) / Double(conductanceLevels - 1) : 0
    }

    /// Nominal size of one programming pulse Δp, S: the device section's fraction of the
    /// window, else one level.
    public var pulseStep: Double {
        device.pulseStepFraction > 0 ? device.pulseStepFraction * (conductanceMax - conductanceMin) : levelStep
    }

    /// The conductance cell (i, j) of a crossbar presents under the first-order wire model:
    /// device G in series with its wire segments, 1 / (1/G + r_wire·(i + j + 2)), S (G itself
    /// with ideal wires or the mesh model, where the wires are separate resistors).
    @inlinable
    public func effectiveConductance(_ g: Double, row i: Int, column j: Int) -> Double {
        usesFirstOrderWires ? Self.effectiveConductance(g, wireResistance: wireResistance, row: i, column: j) : g
    }

    /// The first-order formula itself, 1 / (1/G + r·(i + j + 2)), S, for G in S and r in Ω per
    /// segment: for loops over a crossbar, which read r once (going through the preset per
    /// cell copies the whole struct, strings and device model included).
    @inlinable
    public static func effectiveConductance(_ g: Double, wireResistance r: Double, row i: Int, column j: Int) -> Double {
        1 / (1 / g + r * Double(i + j + 2))
    }

    /// Wires with resistance, modelled as a mesh (`CrossbarMesh`).
    @inlinable public var usesMesh: Bool { wireResistance > 0 && wireModel == .mesh }
    /// Wires with resistance, modelled to first order (series resistance per cell).
    @inlinable public var usesFirstOrderWires: Bool { wireResistance > 0 && wireModel == .firstOrder }

    /// Where a preset given by name is looked for, in order: `./hardware`, `$EQPROP_HARDWARE`,
    /// the `hardware/` folder of the package the running executable was built in (the folder
    /// above its `.build`), and `<prefix>/share/eqprop/hardware` for an executable installed in
    /// `<prefix>/bin`: names work from any directory.
    public static var searchDirectories: [URL] {
        var dirs = [URL(fileURLWithPath: "hardware")]
        if let env = ProcessInfo.processInfo.environment["EQPROP_HARDWARE"], !env.isEmpty {
            dirs.append(URL(fileURLWithPath: env))
        }
        let bin = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var folder = bin
        while folder.pathComponents.count > 1 {
            if folder.lastPathComponent == ".build" {
                dirs.append(folder.deletingLastPathComponent().appendingPathComponent("hardware"))
                break
            }
            folder = folder.deletingLastPathComponent()
        }
        dirs.append(bin.deletingLastPathComponent().appendingPathComponent("share/eqprop/hardware"))
        return dirs
    }

    /// Loads a preset by path (anything with a "/" or ending in ".json") or by name (NAME.json
    /// in `searchDirectory`, else in `searchDirectories`).
    public static func load(_ nameOrPath: String, searchDirectory: URL? = nil) throws -> HardwarePreset {
        try HardwarePreset(contentsOf: file(nameOrPath, searchDirectory: searchDirectory))
    }

    /// The file `load` reads for a name or path (a path is returned as given, unchecked).
    public static func file(_ nameOrPath: String, searchDirectory: URL? = nil) throws -> URL {
        guard !nameOrPath.contains("/") && !nameOrPath.hasSuffix(".json") else {
            return URL(fileURLWithPath: nameOrPath)
        }
        let candidates = (searchDirectory.map { [$0] } ?? searchDirectories).map { $0.appendingPathComponent(nameOrPath + ".json") }
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw PresetError(path: nameOrPath, reason: "no preset of that name; looked for "
                              + candidates.map(\.path).joined(separator: ", ") + " (give a path, or set EQPROP_HARDWARE)")
        }
        return found
    }
}

extension HardwarePreset {
    /// The clamp diode as the deck simulates it: the preset's card with its `gmin` option.
    public var junctionDiode: JunctionDiode {
        JunctionDiode(diodeCard, gmin: spiceOptions["gmin"] ?? JunctionDiode.defaultGmin)
    }
}
