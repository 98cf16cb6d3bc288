import Foundation
import MetricModel
import Storage
import Synchronization
import Testing
@testable import TSDB

/// Deleting samples from a block through its tombstones file.
@Suite struct BlockTombstoneTests {
    /// Three series `{a="1"}`, `{a="2"}`, `{a="3"}`, each with samples at 0, 10, …, 990 (value t/10).
    static func writeBlock(_ dir: BlockTestDirectory) throws -> String {
        let samples = (0..<100).map { RawSample(Int64($0) * 10, Double($0)) }
        let series = ["1", "2", "3"].map { BlockSeries(labels: Labels(["a": $0]), chunks: blockChunks(samples, perChunk: 30)) }
        let meta = try BlockWriter.write(parent: dir.path, minTime: 0, maxTime: 1000, level: 1, sources: nil, series: series)
        return dir.path + "/" + meta.ulid
    }

    static func select(_ block: Block, _ mint: Int64 = 0, _ maxt: Int64 = 999, _ matchers: [LabelMatcher] = [])
        throws -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        for series in try drain(try block.querier(mint: mint, maxt: maxt).select(sorted: true, hints: nil, matchers: matchers)) {
            out[series.labels["a"]!] = series.samples.map(\.t)
        }
        return out
    }

    static let all = Array(stride(from: Int64(0), through: 990, by: 10))

    @Test func deletedSamplesAndSeriesAreHidden() throws {
        let dir = try BlockTestDirectory()
        let path = try Self.writeBlock(dir)
        let block = try Block.open(path)
        defer { block.close() }
        let before = try block.querier(mint: 0, maxt: 999)
        try block.delete(matchers: [try LabelMatcher(.equal, "a", "1")], mint: 195, maxt: 500)
        try block.delete(matchers: [try LabelMatcher(.equal, "a", "2")], mint: .min, maxt: .max)
        let got = try Self.select(block)
        #expect(got["1"] == Self.all.filter { $0 < 195 || $0 > 500 })
        #expect(got["2"] == nil)
        #expect(got["3"] == Self.all)
        #expect(try Self.select(block, 200, 500).keys.sorted() == ["3"], "a series with only deleted samples in range is not selected")

        let set = try block.querier(mint: 0, maxt: 999).select(sorted: true, hints: nil, matchers: [try LabelMatcher(.equal, "a", "1")])
        let it = try #require(try set.next()).makeIterator()
        #expect(it.seek(250) && it.timestamp == 510)
        #expect(it.next() && it.timestamp == 520)

        let q = try block.querier(mint: 0, maxt: 999)
        #expect(try q.labelValues(name: "a", matchers: [try LabelMatcher(.regexMatch, "a", ".+")]) == ["1", "3"])
        #expect(try q.labelValues(name: "a", matchers: []) == ["1", "2", "3"], "without matchers the index answers")
        #expect(try drain(before.select(sorted: true, hints: nil, matchers: [])).count == 3, "an earlier querier keeps its snapshot")

        // Persisted: a reopened block sees the same; no temporary file is left.
        #expect(try dir.entries(URL(fileURLWithPath: path).lastPathComponent) == ["chunks", "index", "meta.json", "tombstones"])
        let reopened = try Block.open(path)
        defer { reopened.close() }
        #expect(try Self.select(reopened) == got)
    }

    @Test func intervalsMergeAndNoMatchWritesNothing() throws {
        let dir = try BlockTestDirectory()
        let path = try Self.writeBlock(dir)
        let block = try Block.open(path)
        defer { block.close() }
        try block.delete(matchers: [try LabelMatcher(.equal, "a", "9")], mint: 0, maxt: 100)
        try block.delete(matchers: [try LabelMatcher(.equal, "a", "1")], mint: 2000, maxt: 3000)
        #expect(!FileManager.default.fileExists(atPath: path + "/tombstones"))
        let one = [try LabelMatcher(.equal, "a", "1")]
        try block.delete(matchers: one, mint: 200, maxt: 300)
        try block.delete(matchers: one, mint: 301, maxt: 400)
        try block.delete(matchers: one, mint: 600, maxt: 700)
        try block.delete(matchers: one, mint: 650, maxt: 800)
        let ref = try block.index.select(one)[0]
        #expect(block.tombstones.withLock { $0[ref] } == [DeletedInterval(minTime: 200, maxTime: 400),
                                                        DeletedInterval(minTime: 600, maxTime: 800)])
        #expect(try Self.select(block)["1"] == Self.all.filter { !(200...400).contains($0) && !(600...800).contains($0) })
    }

    @Test func allSeriesDropsDeletedSamplesForCompaction() throws {
        let dir = try BlockTestDirectory()
        let path = try Self.writeBlock(dir)
        let block = try Block.open(path)
        defer { block.close() }
        try block.delete(matchers: [try LabelMatcher(.equal, "a", "1")], mint: 0, maxt: 295)
        try block.delete(matchers: [try LabelMatcher(.equal, "a", "2")], mint: 0, maxt: 999)
        try block.delete(matchers: [try LabelMatcher(.equal, "a", "3")], mint: 500, maxt: 505)
        let sequence = block.allSeries()
        let compacted = Array(sequence)
        #expect(sequence.error == nil)
        #expect(compacted.map { $0.labels["a"] } == ["1", "3"])
        #expect(compacted[0].chunks.map(\.minTime) == [300, 600, 900], "the first chunk (0…290) is gone entirely")
        #expect(compacted[1].chunks.map(\.minTime) == [0, 300, 600, 900])
        #expect(compacted[1].chunks[1].sampleCount == 29, "a chunk losing one sample is re-encoded")

        let meta = try BlockWriter.write(parent: dir.path + "/out", minTime: 0, maxTime: 1000, level: 2, sources: [block.meta.ulid],
                                         series: compacted)
        #expect(meta.stats == BlockMeta.Stats(numSamples: 70 + 99, numSeries: 2, numChunks: 7))
        let merged = try Block.open(dir.path + "/out/" + meta.ulid)
        defer { merged.close() }
        #expect(try Self.select(merged) == Self.select(block))
    }

    @Test func randomDeletionsAgreeWithFilteredReference() throws {
        var rng = SplitMix64(seed: 314)
        for round in 0..<15 {
            let series = randomTestSeries(count: 80, minTime: 0, maxTime: 100_000, maxSamples: 200, using: &rng)
            let dir = try BlockTestDirectory()
            let meta = try BlockWriter.write(parent: dir.path, minTime: 0, maxTime: 100_000, level: 1, sources: nil,
                                             series: blockSeries(series, perChunk: 40))
            let block = try Block.open(dir.path + "/" + meta.ulid)
            defer { block.close() }
            var remaining = series
            for _ in 0..<4 {
                let matcher = try LabelMatcher(.equal, "job", ["api", "db", "cache", "web", "queue"].randomElement(using: &rng)!)
                let a = Int64.random(in: 0..<100_000, using: &rng), b = Int64.random(in: 0..<100_000, using: &rng)
                try block.delete(matchers: [matcher], mint: min(a, b), maxt: max(a, b))
                remaining = remaining.map { entry in
                    guard matcher.matches(entry.labels) else { return entry }
                    return TestSeries(labels: entry.labels, samples: entry.samples.filter { !(min(a, b)...max(a, b)).contains($0.t) })
                }
            }
            let reference = try memoryStorage(remaining.filter { !$0.samples.isEmpty })
            for _ in 0..<5 {
                let a = Int64.random(in: 0..<100_000, using: &rng), b = Int64.random(in: 0..<100_000, using: &rng)
                try BlockRoundTripTests.expectSameSelect(block, reference, [try LabelMatcher(.regexMatch, "__name__", ".+")],
                                                         min(a, b), max(a, b))
            }
            let fromAll = Array(block.allSeries()).map { entry in
                (entry.labels, entry.chunks.flatMap { decodeAll(bytes: $0.bytes).samples })
            }
            let expected = remaining.filter { !$0.samples.isEmpty }
            #expect(fromAll.map(\.0) == expected.map(\.labels), "round \(round)")
            #expect(fromAll.map(\.1) == expected.map(\.samples), "round \(round)")
        }
    }

    @Test func concurrentQueriersAndDeletes() throws {
        let dir = try BlockTestDirectory()
        let block = try Block.open(try Self.writeBlock(dir))
        defer { block.close() }
        let outcomes = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            do {
                if worker % 4 == 0 {
                    try block.delete(matchers: [try LabelMatcher(.equal, "a", "\(worker / 4 + 1)")], mint: Int64(worker * 10 + 5), maxt: 2000)
                }
                for _ in 0..<20 {
                    let series = try drain(try block.querier(mint: 0, maxt: 999).select(sorted: true, hints: nil, matchers: []))
                    let labels = series.map { $0.labels["a"]! }
                    if labels != labels.sorted() || series.isEmpty { outcomes.withLock { $0.append("unsorted or empty: \(labels)") } }
                }
            } catch {
                outcomes.withLock { $0.append("\(error)") }
            }
        }
        #expect(outcomes.withLock { $0 } == [])
        #expect(try Self.select(block).keys.sorted() == ["1", "2", "3"], "workers 0, 4 and 8 each deleted a tail of one series")
        #expect(try Self.select(block)["1"] == [0])
        #expect(try Self.select(block)["2"] == [0, 10, 20, 30, 40])
        #expect(try Self.select(block)["3"] == Self.all.filter { $0 <= 80 })
    }

    @Test func damagedTombstonesFailOpen() throws {
        let dir = try BlockTestDirectory()
        let path = try Self.writeBlock(dir)
        do {
            let block = try Block.open(path)
            try block.delete(matchers: [try LabelMatcher(.equal, "a", "1")], mint: 0, maxt: 100)
            block.close()
        }
        let file = path + "/tombstones"
        let size = try dir.size(file)
        try flipByte(file, at: 9)
        BlockCorruptionTests.expectOpenFails(path, "\(file) at byte \(size - 4): tombstones checksum mismatch (truncated or damaged file)")
        try truncateFile(file, to: 5)
        BlockCorruptionTests.expectOpenFails(path, "\(file): file is 5 bytes, shorter than its header and checksum (12 bytes)")
    }
}
