import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

/// Everything a queryable holds, series by series, bit-exactly.
func everything(_ storage: some Queryable, mint: Timestamp = .min, maxt: Timestamp = .max) throws -> [Labels: [RawSample]] {
    var out: [Labels: [RawSample]] = [:]
    let all = [try LabelMatcher(.regexMatch, Labels.metricName, ".+")]
    for series in try storage.querier(mint: mint, maxt: maxt).select(sorted: true, hints: nil, matchers: all).collect() {
        let it = series.makeIterator()
        var samples: [RawSample] = []
        while it.next() { samples.append(RawSample(it.timestamp, it.value)) }
        #expect(out[series.labels] == nil)
        out[series.labels] = samples
    }
    return out
}

func databaseOptions(blockRange: Int64 = 1000, samplesPerChunk: Int = 120) -> Database.Options {
    var options = Database.Options()
    options.blockRange = blockRange
    options.head.samplesPerChunk = samplesPerChunk
    options.maxBlockDuration = blockRange * 9
    return options
}

/// Appends `series` series with one sample every `step` ms over [from, to), one batch per step.
@discardableResult
func fill(_ db: Database, series: Int, from: Timestamp, to: Timestamp, step: Timestamp) throws -> [Labels: [RawSample]] {
    var expected: [Labels: [RawSample]] = [:]
    for t in stride(from: from, to: to, by: Int(step)) {
        let app = db.appender()
        for i in 0..<series {
            let labels = metric("m", ["i": "\(i)", "job": i % 2 == 0 ? "even" : "odd"])
            let value = Double(t) / 10 + Double(i)
            try app.append(0, labels, t, value)
            expected[labels, default: []].append(RawSample(t, value))
        }
        try app.commit()
    }
    return expected
}

@Suite struct DatabaseTests {
    @Test func cutsBlocksFromTheHeadAndMergesThem() throws {
        let dir = try DataDirectory()
        let db = try Database.open(directory: dir.path, options: databaseOptions())
        let expected = try fill(db, series: 10, from: 0, to: 5000, step: 100)
        let written = try db.compact()
        // Head spans [0, 4900]: [0,1000) .. [3000,4000) are cut (4 blocks), then the three oldest
        // (a complete 3000 ms window; the newest block is left alone) merge into one.
        #expect(written == 5)
        #expect(db.blocks.map { [$0.meta.minTime, $0.meta.maxTime] } == [[0, 3000], [3000, 4000]])
        #expect(db.blocks.map(\.meta.compaction.level) == [2, 1])
        #expect(db.blocks[0].meta.stats.numSamples == 10 * 30)
        #expect(try everything(db) == expected)
        #expect(try everything(db.head).values.allSatisfy { $0.allSatisfy { $0.t >= 4000 } })
        #expect(db.head.appendableMinTime == 4400)
        // Windows and ranges: a query inside one block, one across block and head.
        #expect(try everything(db, mint: 1000, maxt: 1999).values.first?.map(\.t) == Array(stride(from: 1000, to: 2000, by: 100)))
        #expect(try everything(db, mint: 3900, maxt: 4100).values.first?.map(\.t) == [3900, 4000, 4100])
        try db.close()
    }

    @Test func aQuerierCreatedBeforeACompactionStillSeesEverything() throws {
        let dir = try DataDirectory()
        let db = try Database.open(directory: dir.path, options: databaseOptions())
        let expected = try fill(db, series: 6, from: 0, to: 5000, step: 100)
        // Created before the head is cut into blocks and truncated; read after.
        let querier = try db.querier(mint: .min, maxt: .max)
        try db.compact()
        let all = [try LabelMatcher(.regexMatch, Labels.metricName, ".+")]
        var seen: [Labels: [RawSample]] = [:]
        for series in try querier.select(sorted: true, hints: nil, matchers: all).collect() {
            let it = series.makeIterator()
            while it.next() { seen[series.labels, default: []].append(RawSample(it.timestamp, it.value)) }
        }
        #expect(seen == expected)
        #expect(try querier.labelValues(name: "i", matchers: all).count == 6)
        try db.close()
    }

    @Test func refusesSamplesOlderThanTheAppendableWindow() throws {
        let dir = try DataDirectory()
        let db = try Database.open(directory: dir.path, options: databaseOptions())
        try fill(db, series: 1, from: 0, to: 5000, step: 100)
        try db.compact()
        let app = db.appender()
        // A new series, and an old one, both before the last block's end: out of bounds.
        #expect(throws: AppendError.outOfBounds) { try app.append(0, metric("late"), 3999, 1) }
        #expect(throws: AppendError.outOfBounds) { try app.append(0, metric("m", ["i": "0", "job": "even"]), 4300, 1) }
        try app.append(0, metric("late"), 4400, 1)
        try app.commit()
        #expect(db.head.stats.outOfBoundsSamples == 2)
        try db.close()
    }

    @Test func restartKeepsEverythingAndDropsWhatBlocksHold() throws {
        let dir = try DataDirectory()
        var expected: [Labels: [RawSample]] = [:]
        do {
            let db = try Database.open(directory: dir.path, options: databaseOptions())
            expected = try fill(db, series: 5, from: 0, to: 5000, step: 100)
            try db.compact()
            try db.close()
        }
        let db = try Database.open(directory: dir.path, options: databaseOptions())
        #expect(db.blocks.count == 2)
        #expect(try everything(db) == expected)
        #expect(db.head.oldestSampleTime() == 4000)
        #expect(db.head.appendableMinTime >= 4000)
        try db.close()
    }

    @Test func blockWrittenButHeadNotTruncatedIsNotReadTwice() throws {
        let dir = try DataDirectory()
        var expected: [Labels: [RawSample]] = [:]
        do {
            let db = try Database.open(directory: dir.path, options: databaseOptions())
            expected = try fill(db, series: 3, from: 0, to: 2000, step: 100)
            // As if the process died right after writing a block from the head.
            _ = try BlockWriter.write(parent: dir.path, minTime: 0, maxTime: 1000, level: 1, sources: nil,
                                      series: db.head.blockSeries(mint: 0, maxt: 1000))
            try db.close()
        }
        let db = try Database.open(directory: dir.path, options: databaseOptions())
        #expect(db.blocks.count == 1)
        #expect(db.head.oldestSampleTime() == 1000)
        #expect(try everything(db) == expected)
        try db.close()
    }

    @Test func removesLeftoversAndMovesUnreadableBlocksAside() throws {
        let dir = try DataDirectory()
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir.path + "/01JDXXXXXXXXXXXXXXXXXXXXXX.tmp", withIntermediateDirectories: true)
        let broken = dir.path + "/01JDZZZZZZZZZZZZZZZZZZZZZZ"
        try fm.createDirectory(atPath: broken, withIntermediateDirectories: true)
        try Data("{".utf8).write(to: URL(fileURLWithPath: broken + "/meta.json"))
        let log = CapturedLog()
        let db = try Database.open(directory: dir.path, options: databaseOptions(), logger: log.logger)
        #expect(db.blocks.isEmpty)
        #expect(!fm.fileExists(atPath: dir.path + "/01JDXXXXXXXXXXXXXXXXXXXXXX.tmp"))
        #expect(!fm.fileExists(atPath: broken))
        #expect(fm.fileExists(atPath: broken + ".corrupted/meta.json"))
        #expect(db.stats.corruptedBlocks == 1)
        #expect(log.all.contains { $0.level == .error && $0.metadata["dir"] == broken })
        try db.close()
    }

    @Test func parentsOfACompactedBlockAreDeletedAtOpen() throws {
        let dir = try DataDirectory()
        let db = try Database.open(directory: dir.path, options: databaseOptions())
        try fill(db, series: 2, from: 0, to: 5000, step: 100)
        let first = try BlockWriter.write(parent: dir.path, minTime: 0, maxTime: 1000, level: 1, sources: nil,
                                          series: db.head.blockSeries(mint: 0, maxt: 1000))
        let second = try BlockWriter.write(parent: dir.path, minTime: 1000, maxTime: 2000, level: 1, sources: nil,
                                           series: db.head.blockSeries(mint: 1000, maxt: 2000))
        // The merged block exists, the parents were not deleted yet (a crash in between).
        _ = try BlockWriter.write(parent: dir.path, minTime: 0, maxTime: 2000, level: 2,
                                  sources: [first.ulid, second.ulid], series: db.head.blockSeries(mint: 0, maxt: 2000))
        try db.close()
        let reopened = try Database.open(directory: dir.path, options: databaseOptions())
        #expect(reopened.blocks.map(\.meta.compaction.level) == [2])
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/" + first.ulid))
        try reopened.close()
    }

    @Test func timeRetentionDeletesWholeExpiredBlocksCountingFromTheNewestSample() throws {
        let dir = try DataDirectory()
        let db = try Database.open(directory: dir.path, options: databaseOptions())
        try fill(db, series: 2, from: 0, to: 5000, step: 100)
        try db.compact()
        // Newest sample 4900: a 2000 ms retention keeps samples from 2900, so [0,3000) stays.
        #expect(db.applyRetention(time: 2000, size: 0).expiredBlocks.isEmpty)
        let outcome = db.applyRetention(time: 1500, size: 0)
        #expect(outcome.expiredBlocks.count == 1)
        #expect(db.blocks.map(\.meta.minTime) == [3000])
        #expect(try everything(db).values.allSatisfy { $0.first?.t == 3000 })
        #expect(db.stats.blocksDeletedByTime == 1)
        try db.close()
    }

    @Test func sizeRetentionDeletesOldestBlocksFirst() throws {
        let dir = try DataDirectory()
        let db = try Database.open(directory: dir.path, options: databaseOptions())
        try fill(db, series: 2, from: 0, to: 5000, step: 100)
        try db.compact()
        let newestBlock = db.blocks.last!
        let limit = db.head.diskUsage() + newestBlock.sizeOnDisk
        let outcome = db.applyRetention(time: 0, size: limit)
        #expect(outcome.evictedBlocks.count == 1)
        #expect(db.blocks.map(\.meta.ulid) == [newestBlock.meta.ulid])
        #expect(outcome.diskUsage <= limit)
        try db.close()
    }
}

@Suite struct DatabaseCycleTests {
    /// Many batches with compaction after each and several restarts: the crash test's pattern
    /// without the crash.
    @Test func batchesCompactedAndReopenedKeepEverySample() throws {
        let dir = try DataDirectory()
        var options = Database.Options()
        options.blockRange = 60_000
        options.maxBlockDuration = 60_000 * 9
        var sent = 0
        for _ in 0..<3 {
            let db = try Database.open(directory: dir.path, options: options)
            for batch in 0..<200 {
                let app = db.appender()
                for series in 0..<5 {
                    for i in sent..<(sent + 10) {
                        try app.append(0, metric("crash_test", ["series": "\(series)"]), 1_700_000_000_000 + Int64(i) * 5000, Double(i))
                    }
                }
                try app.commit()
                sent += 10
                if batch % 25 == 0 { try db.compact() }
            }
            let counts = try everything(db).mapValues(\.count)
            #expect(counts.values.allSatisfy { $0 == sent }, "\(counts) want \(sent)")
            try db.close()
        }
        let db = try Database.open(directory: dir.path, options: options)
        let counts = try everything(db).mapValues(\.count)
        #expect(counts.values.allSatisfy { $0 == sent }, "\(counts) want \(sent)")
    }
}

@Suite struct DatabaseDeleteTests {
    @Test func deleteReachesBlocksAndHeadAndCleaningRewritesBlocks() throws {
        let dir = try DataDirectory()
        let db = try Database.open(directory: dir.path, options: databaseOptions())
        var expected = try fill(db, series: 4, from: 0, to: 5000, step: 100)
        try db.compact()
        #expect(db.blocks.count == 2)
        let odd = try LabelMatcher(.equal, "job", "odd")
        // Delete [500, 4500] of the odd series: in the [0,3000) block, the [3000,4000) block and the head.
        try db.deleteSeries(matching: [odd], mint: 500, maxt: 4500)
        for (labels, samples) in expected where labels["job"] == "odd" {
            expected[labels] = samples.filter { $0.t < 500 || $0.t > 4500 }
        }
        #expect(try everything(db) == expected)
        let before = db.blocks.map(\.meta.ulid)
        #expect(try db.cleanTombstones() == 2)
        #expect(db.blocks.count == 2 && Set(db.blocks.map(\.meta.ulid)).isDisjoint(with: before))
        #expect(try everything(db) == expected)
        #expect(db.blocks[1].meta.stats.numSamples == 2 * 10)
        try db.close()
        let reopened = try Database.open(directory: dir.path, options: databaseOptions())
        #expect(try everything(reopened) == expected)
        try reopened.close()
    }
}
