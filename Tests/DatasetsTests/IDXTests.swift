import CZlib
import Datasets
import Foundation
import Testing
import TestSupport

@Suite struct IDXTests {
    let dir: URL = {
        Scratch.directory("idx")
    }()

    func write(_ data: Data, _ name: String) -> URL {
        let url = dir.appendingPathComponent(name)
        try! data.write(to: url)
        return url
    }

    /// Writes a tiny MNIST-format data set (n images of 2×3 pixels) into `folder`.
    func writeDataset(_ folder: URL, train: Int = 4, test: Int = 2, gzip: Bool) {
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (prefix, n) in [("train", train), ("t10k", test)] {
            let images = IDXFile.encode(shape: [n, 2, 3], bytes: (0..<(n * 6)).map { UInt8($0 % 256) })
            let labels = IDXFile.encode(shape: [n], bytes: (0..<n).map { UInt8($0 % 10) })
            let suffix = gzip ? ".gz" : ""
            try! (gzip ? Gzip.compress(images) : images).write(to: folder.appendingPathComponent("\(prefix)-images-idx3-ubyte\(suffix)"))
            try! (gzip ? Gzip.compress(labels) : labels).write(to: folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte\(suffix)"))
        }
    }

    @Test func readsRawAndGzipFiles() throws {
        let bytes: [UInt8] = [0, 255, 128, 1, 2, 3]
        let raw = IDXFile.encode(shape: [1, 2, 3], bytes: bytes)
        let a = try IDXFile(contentsOf: write(raw, "a.idx"))
        let b = try IDXFile(contentsOf: write(Gzip.compress(raw), "a.idx.gz"))
        #expect(a.shape == [1, 2, 3] && a.bytes == bytes)
        #expect(b.shape == a.shape && b.bytes == a.bytes)
    }

    @Test func rejectsBadMagic() {
        var d = IDXFile.encode(shape: [2], bytes: [1, 2])
        d[2] = 0x0D  // float data, not unsigned bytes
        #expect(throws: DatasetError.self) { try IDXFile(contentsOf: write(d, "magic.idx")) }
        do { _ = try IDXFile(contentsOf: write(d, "magic2.idx")) } catch {
            #expect("\(error)".contains("magic2.idx") && "\(error)".contains("magic"))
        }
    }

    @Test func rejectsTruncatedAndOverlongFiles() {
        let d = IDXFile.encode(shape: [3, 2, 2], bytes: Array(repeating: 7, count: 12))
        for (name, data) in [("short.idx", d.dropLast(1)), ("long.idx", d + Data([0])), ("header.idx", d.prefix(9))] {
            do {
                _ = try IDXFile(contentsOf: write(Data(data), name))
                Issue.record("\(name) was accepted")
            } catch let e as DatasetError {
                guard case .sizeMismatch(let path, _, _) = e else { Issue.record("wrong error \(e)"); continue }
                #expect(path.hasSuffix(name))
            } catch { Issue.record("unexpected \(error)") }
        }
    }

    @Test func rejectsCorruptGzip() {
        let gz = Gzip.compress(IDXFile.encode(shape: [100], bytes: Array(repeating: 3, count: 100)))
        var broken = gz
        broken[broken.count / 2] ^= 0xFF
        #expect(throws: DatasetError.self) { try IDXFile(contentsOf: write(broken, "bad.gz")) }
        #expect(throws: DatasetError.self) { try IDXFile(contentsOf: write(gz.prefix(gz.count - 6), "cut.gz")) }
    }

    @Test func loadsDatasetScaledToUnitInterval() throws {
        let folder = dir.appendingPathComponent("set")
        writeDataset(folder, gzip: true)
        let ds = try Dataset.load(.mnist, from: folder)
        #expect(ds.train.count == 4 && ds.test.count == 2 && ds.train.pixels == 6)
        #expect(ds.train.images[1, 0] == Float(6) / 255)
        #expect(ds.train.labels == [0, 1, 2, 3])
        var x = ds.train.images, y = ds.train.images
        ds.train.gather([2, 0], into: &x, targets: &y)
        #expect(x.rows == 2 && x[0, 0] == Float(12) / 255 && y.columns == 6)
        let limited = try Dataset.load(.mnist, from: folder, trainLimit: 3, testLimit: 1)
        #expect(limited.train.count == 3 && limited.test.count == 1)
    }

    @Test func rejectsLabelCountMismatch() throws {
        let folder = dir.appendingPathComponent("mismatch")
        writeDataset(folder, gzip: false)
        try IDXFile.encode(shape: [3], bytes: [1, 2, 3]).write(to: folder.appendingPathComponent("train-labels-idx1-ubyte"))
        #expect(throws: DatasetError.self) { try Dataset.load(.mnist, from: folder) }
        do { _ = try Dataset.load(.mnist, from: folder) } catch {
            #expect("\(error)".contains("4 images") && "\(error)".contains("3 labels"))
        }
    }

    @Test func locatorFollowsTheDocumentedOrder() throws {
        let root = dir.appendingPathComponent("envroot")
        writeDataset(root.appendingPathComponent("fashion-mnist"), gzip: true)
        let env = ["EQPROP_DATA": root.path]
        let found = try DatasetLocator.locate(.fashionMNIST, explicitDirectory: nil, environment: env)
        #expect(found.path == root.appendingPathComponent("fashion-mnist").path)
        let candidates = DatasetLocator.candidates(.mnist, environment: env, currentDirectory: "/x/y")
        #expect(candidates.map(\.path) == [root.path + "/mnist", root.path, "/x/y/data/mnist", "/x/shared/datasets/mnist",
                                           "/usr/share/datasets/mnist"])
        do {
            _ = try DatasetLocator.locate(.mnist, explicitDirectory: dir.appendingPathComponent("nope").path, environment: [:])
            Issue.record("a missing --data folder was accepted")
        } catch {
            #expect("\(error)".contains("nope") && "\(error)".contains("--data"))
        }
    }

    @Test func realDataIfPresentHasCanonicalShape() throws {
        // Real MNIST from the shared folder (or Fashion-MNIST from Debian's package in CI).
        for name in [DatasetName.mnist, .fashionMNIST] {
            guard let dir = try? DatasetLocator.locate(name, explicitDirectory: nil) else { continue }
            let ds = try Dataset.load(name, from: dir)
            #expect(ds.train.count == 60000 && ds.test.count == 10000 && ds.train.pixels == 784)
            #expect(ds.train.images.elements.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(Set(ds.test.labels) == Set(0..<10))
            return
        }
        Issue.record("neither MNIST nor Fashion-MNIST is installed (.ci/run installs dataset-fashion-mnist)")
    }
}
