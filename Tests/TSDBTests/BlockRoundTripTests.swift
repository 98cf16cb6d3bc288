import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

/// Write → open → query, compared against `MemoryStorage` fed the same samples.
@Suite struct BlockRoundTripTests {
    static let minTime: Int64 = 1_700_000_000_000
    static let maxTime: Int64 = minTime + 2 * 3600 * 1000

    /// Selects with `matchers` over [mint, maxt] from both and expects identical, sorted answers.
    static func expectSameSelect(_ block: Block, _ reference: MemoryStorage, _ matchers: [LabelMatcher],
                                 _ mint: Int64, _ maxt: Int64, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let got = try drain(try block.querier(mint: mint, maxt: maxt).select(sorted: true, hints: nil, matchers: matchers))
        let want = try drain(try reference.querier(mint: mint, maxt: maxt).select(sorted: true, hints: nil, matchers: matchers))
        #expect(got.map(\.labels) == want.map(\.labels), "labels for \(matchers) over [\(mint), \(maxt)]", sourceLocation: sourceLocation)
        #expect(got.map(\.samples) == want.map(\.samples), "samples for \(matchers) over [\(mint), \(maxt)]", sourceLocation: sourceLocation)
        #expect(got.map(\.labels) == got.map(\.labels).sorted(), sourceLocation: sourceLocation)
        // With the labels-only hint the same series come back, and still iterate correctly.
        let hints = SelectHints(start: mint, end: maxt, labelsOnly: true)
        let labelsOnly = try drain(try block.querier(mint: mint, maxt: maxt).select(sorted: true, hints: hints, matchers: matchers))
        #expect(labelsOnly.map(\.labels) == want.map(\.labels), "labels-only \(matchers) over [\(mint), \(maxt)]",
                sourceLocation: sourceLocation)
        #expect(labelsOnly.map(\.samples) == want.map(\.samples), sourceLocation: sourceLocation)
    }

    static func matcherSets() throws -> [[LabelMatcher]] {
        [
            [try LabelMatcher(.equal, "__name__", "metric_3")],
            [try LabelMatcher(.equal, "__name__", "metric_1"), try LabelMatcher(.notEqual, "zone", "a")],
            [try LabelMatcher(.regexMatch, "__name__", "metric_[12]"), try LabelMatcher(.regexNoMatch, "job", "api|db")],
            [try LabelMatcher(.equal, "job", "web"), try LabelMatcher(.equal, "zone", "")],
            [try LabelMatcher(.regexMatch, "zone", "b|"), try LabelMatcher(.notEqual, "job", "cache")],
            [try LabelMatcher(.regexMatch, "instance", ".*7:9100")],
            [try LabelMatcher(.equal, "zone", "ünïcode")],
            [try LabelMatcher(.equal, "zone", "with space"), try LabelMatcher(.regexMatch, "le", ".+")],
            [try LabelMatcher(.equal, "nope", "x")],
            [try LabelMatcher(.equal, "__name__", "metric_99")],
            [try LabelMatcher(.notEqual, "nope", "x"), try LabelMatcher(.equal, "__name__", "metric_0")],
            [try LabelMatcher(.regexNoMatch, "__name__", "metric_.*")],
            [],
        ]
    }

    @Test func thousandsOfSeriesMatchMemoryStorage() throws {
        var rng = SplitMix64(seed: 42)
        let series = randomTestSeries(count: 3000, minTime: Self.minTime, maxTime: Self.maxTime, maxSamples: 400, using: &rng)
        let reference = try memoryStorage(series)
        let dir = try BlockTestDirectory()
        let meta = try BlockWriter.write(parent: dir.path, minTime: Self.minTime, maxTime: Self.maxTime, level: 1,
                                         sources: nil, series: blockSeries(series))
        let chunks = series.map { blockChunks($0.samples) }
        #expect(meta.stats == BlockMeta.Stats(numSamples: series.reduce(0) { $0 + $1.samples.count },
                                              numSeries: 3000, numChunks: chunks.reduce(0) { $0 + $1.count }))
        #expect(chunks.contains { $0.count >= 3 }, "several chunks per series")
        let block = try Block.open(dir.path + "/" + meta.ulid)
        defer { block.close() }
        #expect(block.meta == meta)

        let ranges: [(Int64, Int64)] = [
            (Self.minTime, Self.maxTime - 1), (Self.minTime + 1_000_000, Self.minTime + 1_600_000),
            (Self.minTime - 10_000, Self.minTime + 30_000), (Self.maxTime - 60_000, Self.maxTime + 60_000),
            (Self.maxTime + 1, Self.maxTime + 1000),
        ]
        for matchers in try Self.matcherSets() {
            for (mint, maxt) in ranges { try Self.expectSameSelect(block, reference, matchers, mint, maxt) }
        }

        // Labels, with matchers over partial ranges and without over the whole block.
        let full = try block.querier(mint: Self.minTime, maxt: Self.maxTime - 1)
        let fullReference = try reference.querier(mint: Self.minTime, maxt: Self.maxTime - 1)
        for name in ["__name__", "job", "instance", "zone", "le", "nope"] {
            #expect(try full.labelValues(name: name, matchers: []) == fullReference.labelValues(name: name, matchers: []))
        }
        #expect(try full.labelNames(matchers: []) == ["__name__", "instance", "job", "le", "zone"])
        for matchers in try Self.matcherSets() where !matchers.isEmpty {
            for (mint, maxt) in ranges {
                let q = try block.querier(mint: mint, maxt: maxt), r = try reference.querier(mint: mint, maxt: maxt)
                #expect(try q.labelNames(matchers: matchers) == r.labelNames(matchers: matchers))
                for name in ["zone", "job", "le"] {
                    #expect(try q.labelValues(name: name, matchers: matchers) == r.labelValues(name: name, matchers: matchers))
                }
            }
        }
    }

    @Test func allSeriesYieldsExactlyWhatWasWritten() throws {
        var rng = SplitMix64(seed: 7)
        let series = randomTestSeries(count: 500, minTime: Self.minTime, maxTime: Self.maxTime, maxSamples: 300, using: &rng)
        let written = blockSeries(series, perChunk: 50)
        let dir = try BlockTestDirectory()
        // Small segments: the chunks spread over several files.
        let meta = try BlockWriter.write(parent: dir.path, ulid: BlockDirectory.newULID(), minTime: Self.minTime,
                                         maxTime: Self.maxTime, level: 2, sources: ["A", "B"], series: written,
                                         segmentSize: 64 << 10)
        #expect(meta.compaction == BlockMeta.Compaction(level: 2, sources: ["A", "B"]))
        #expect(try dir.entries(meta.ulid + "/chunks").count > 3)
        let block = try Block.open(dir.path + "/" + meta.ulid)
        defer { block.close() }
        let sequence = block.allSeries()
        #expect(Array(sequence) == written)
        #expect(sequence.error == nil)
        #expect(Array(sequence).count == written.count, "a second iteration starts again")
        var expectedSize = 0
        for name in try dir.entries(meta.ulid + "/chunks") { expectedSize += try dir.size(dir.path + "/" + meta.ulid + "/chunks/" + name) }
        expectedSize += try dir.size(dir.path + "/" + meta.ulid + "/index") + dir.size(dir.path + "/" + meta.ulid + "/meta.json")
        #expect(block.sizeOnDisk == Int64(expectedSize))
    }

    @Test func seekWithinAndAcrossChunks() throws {
        let samples = (0..<1000).map { RawSample(Self.minTime + Int64($0) * 1000, Double($0)) }
        let dir = try BlockTestDirectory()
        let meta = try BlockWriter.write(parent: dir.path, minTime: Self.minTime, maxTime: Self.maxTime, level: 1, sources: nil,
                                         series: [BlockSeries(labels: Labels(["__name__": "up"]), chunks: blockChunks(samples))])
        let block = try Block.open(dir.path + "/" + meta.ulid)
        defer { block.close() }
        let set = try block.querier(mint: Self.minTime + 5000, maxt: Self.minTime + 900_000)
            .select(sorted: true, hints: nil, matchers: [try LabelMatcher(.equal, "__name__", "up")])
        let it = try #require(try set.next()).makeIterator()
        #expect(it.seek(Self.minTime) && it.timestamp == Self.minTime + 5000)
        #expect(it.seek(Self.minTime + 500_500) && it.timestamp == Self.minTime + 501_000 && it.value == 501)
        #expect(it.seek(Self.minTime) && it.timestamp == Self.minTime + 501_000, "seek never moves backwards")
        #expect(it.next() && it.value == 502)
        #expect(!it.seek(Self.minTime + 900_001))
        #expect(try set.next() == nil)
    }

    @Test func metaJSONHasPrometheusShape() throws {
        let dir = try BlockTestDirectory()
        let meta = try BlockWriter.write(parent: dir.path, minTime: 1000, maxTime: 8_200_000, level: 1, sources: nil,
                                         series: [BlockSeries(labels: Labels(["a": "b"]),
                                                              chunks: blockChunks([RawSample(1000, 1), RawSample(2000, 2)]))])
        let data = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + meta.ulid + "/meta.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(json.keys) == ["ulid", "minTime", "maxTime", "stats", "compaction", "version"])
        #expect(json["ulid"] as? String == meta.ulid)
        #expect((json["minTime"] as? NSNumber)?.int64Value == 1000)
        #expect((json["maxTime"] as? NSNumber)?.int64Value == 8_200_000)
        #expect((json["version"] as? NSNumber)?.intValue == 1)
        let stats = try #require(json["stats"] as? [String: Any])
        #expect(Set(stats.keys) == ["numSamples", "numSeries", "numChunks"])
        #expect((stats["numSamples"] as? NSNumber)?.intValue == 2)
        #expect((stats["numSeries"] as? NSNumber)?.intValue == 1)
        #expect((stats["numChunks"] as? NSNumber)?.intValue == 1)
        let compaction = try #require(json["compaction"] as? [String: Any])
        #expect(Set(compaction.keys) == ["level", "sources"])
        #expect((compaction["level"] as? NSNumber)?.intValue == 1)
        #expect(compaction["sources"] as? [String] == [meta.ulid])
        #expect(try dir.entries(meta.ulid) == ["chunks", "index", "meta.json"])
    }

    @Test func seriesWithoutChunksAreSkipped() throws {
        let dir = try BlockTestDirectory()
        let meta = try BlockWriter.write(parent: dir.path, minTime: 0, maxTime: 100, level: 1, sources: nil, series: [
            BlockSeries(labels: Labels(["a": "1"]), chunks: []),
            BlockSeries(labels: Labels(["a": "2"]), chunks: blockChunks([RawSample(5, 1)])),
            BlockSeries(labels: Labels(["a": "3"]), chunks: []),
        ])
        #expect(meta.stats == BlockMeta.Stats(numSamples: 1, numSeries: 1, numChunks: 1))
        let block = try Block.open(dir.path + "/" + meta.ulid)
        defer { block.close() }
        #expect(try block.querier(mint: 0, maxt: 99).labelValues(name: "a", matchers: []) == ["2"])
    }

    @Test func closedBlockRefusesQueriers() throws {
        let dir = try BlockTestDirectory()
        let meta = try BlockWriter.write(parent: dir.path, minTime: 0, maxTime: 100, level: 1, sources: nil,
                                         series: [BlockSeries(labels: Labels(["a": "1"]), chunks: blockChunks([RawSample(5, 1)]))])
        let block = try Block.open(dir.path + "/" + meta.ulid)
        block.close()
        block.close()
        #expect(throws: BlockError(.closed, path: dir.path + "/" + meta.ulid, "block is closed")) {
            try block.querier(mint: 0, maxt: 10)
        }
    }
}
