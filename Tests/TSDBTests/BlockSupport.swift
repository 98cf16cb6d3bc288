import Foundation
import MetricModel
import Storage
@testable import TSDB

/// A series as plain samples, the source of truth the block tests compare against.
struct TestSeries {
    let labels: Labels
    let samples: [RawSample]
}

/// Cuts `samples` into XOR chunks of at most `perChunk` samples.
func blockChunks(_ samples: [RawSample], perChunk: Int = 120) -> [BlockChunk] {
    stride(from: 0, to: samples.count, by: perChunk).map { start in
        let part = Array(samples[start..<min(start + perChunk, samples.count)])
        return BlockChunk(minTime: part.first!.t, maxTime: part.last!.t, bytes: makeChunk(part).bytes)
    }
}

func blockSeries(_ series: [TestSeries], perChunk: Int = 120) -> [BlockSeries] {
    series.map { BlockSeries(labels: $0.labels, chunks: blockChunks($0.samples, perChunk: perChunk)) }
}

/// Random series with a realistic label shape: a metric name, a job, an instance, and optional
/// `zone` and `le` labels; timestamps inside [minTime, maxTime). Sorted by labels, unique.
func randomTestSeries<G: RandomNumberGenerator>(count: Int, minTime: Int64, maxTime: Int64, maxSamples: Int,
                                                using rng: inout G) -> [TestSeries] {
    var byLabels: [Labels: TestSeries] = [:]
    let jobs = ["api", "db", "cache", "web", "queue"]
    let zones = ["a", "b", "c", "ünïcode", "with space"]
    while byLabels.count < count {
        var pairs = [Label("__name__", "metric_\(Int.random(in: 0..<12, using: &rng))"),
                     Label("job", jobs.randomElement(using: &rng)!),
                     Label("instance", "host-\(Int.random(in: 0..<400, using: &rng)):9100")]
        if Bool.random(using: &rng) { pairs.append(Label("zone", zones.randomElement(using: &rng)!)) }
        if Int.random(in: 0..<5, using: &rng) == 0 { pairs.append(Label("le", "\(Int.random(in: 0..<8, using: &rng))")) }
        let labels = Labels(pairs)
        if byLabels[labels] != nil { continue }
        let n = Int.random(in: 1...maxSamples, using: &rng)
        var t = Int64.random(in: minTime..<(minTime + (maxTime - minTime) / 2), using: &rng)
        var samples: [RawSample] = []
        let shape = ValueShape.allCases.randomElement(using: &rng)!
        let vs = values(shape, count: n, using: &rng)
        for v in vs {
            guard t < maxTime else { break }
            samples.append(RawSample(t, v))
            t += Int64.random(in: 1...((maxTime - minTime) / Int64(2 * n) + 1), using: &rng)
        }
        byLabels[labels] = TestSeries(labels: labels, samples: samples)
    }
    return byLabels.values.sorted { $0.labels < $1.labels }
}

/// The same series in the reference in-memory storage.
func memoryStorage(_ series: [TestSeries]) throws -> MemoryStorage {
    let storage = MemoryStorage()
    for entry in series { try storage.add(entry.labels, entry.samples.map { ($0.t, $0.value) }) }
    return storage
}

/// A series set drained into labels and bit-exact samples (each series iterated with `next`).
func drain(_ set: any SeriesSet) throws -> [(labels: Labels, samples: [RawSample])] {
    var out: [(labels: Labels, samples: [RawSample])] = []
    while let series = try set.next() {
        let it = series.makeIterator()
        var samples: [RawSample] = []
        var guardCount = 0
        while it.next(), guardCount < 1_000_000 { samples.append(RawSample(it.timestamp, it.value)); guardCount += 1 }
        out.append((series.labels, samples))
    }
    return out
}

/// A directory for blocks, removed at deinit.
final class BlockTestDirectory: @unchecked Sendable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "ember-block-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func size(_ file: String) throws -> Int { (try FileManager.default.attributesOfItem(atPath: file)[.size] as! NSNumber).intValue }
    func entries(_ sub: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sub.isEmpty ? path : path + "/" + sub).sorted()
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Rewrites one byte of a file.
func flipByte(_ path: String, at offset: Int) throws {
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data[offset] ^= 0xFF
    try data.write(to: URL(fileURLWithPath: path))
}

/// Cuts a file to `length` bytes.
func truncateFile(_ path: String, to length: Int) throws {
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(length))
    try handle.close()
}

/// The index's table of contents as the tests read it from the file: (offset, length) per section.
func indexSections(_ path: String) throws -> [(offset: Int, length: Int)] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let toc = bytes.count - IndexFormat.tocSize
    func be64(_ at: Int) -> Int { bytes[at..<(at + 8)].reduce(0) { $0 << 8 | Int($1) } }
    return IndexFormat.Section.allCases.map { (be64(toc + $0.rawValue * 16), be64(toc + $0.rawValue * 16 + 8)) }
}
