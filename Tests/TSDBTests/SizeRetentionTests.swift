import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

@Suite struct SizeRetentionTests {
    static let up = Labels(["__name__": "up", "job": "a"])

    static func samples(_ head: Head) throws -> [Int64] {
        let set = try head.querier(mint: .min, maxt: .max).select(sorted: true, hints: nil, matchers: [])
        var times: [Int64] = []
        while let series = try set.next() {
            let it = series.makeIterator()
            while it.next() { times.append(it.timestamp) }
        }
        return times
    }

    @Test func tinyLimitDropsTheOldestSegmentsAndKeepsTheNewest() throws {
        let dir = try DataDirectory()
        var options = Head.Options()
        options.walSegmentSize = 300
        options.samplesPerChunk = 10
        let head = try Head.open(directory: dir.path, options: options)
        for t in 0..<300 as Range<Int64> {
            let app = head.appender()
            _ = try app.append(0, Self.up, t * 1000, Double(t))
            try app.commit()
        }
        let before = head.diskUsage()
        #expect(before > 6000)
        #expect(head.retentionCut(forSize: before) == nil)
        #expect(head.applySizeRetention(limit: before) == nil)

        let limit: Int64 = 2000
        let result = try #require(head.applySizeRetention(limit: limit))
        #expect(result.removedSeries == 0)
        let usage = head.diskUsage()
        #expect(usage <= limit)
        let kept = try Self.samples(head)
        #expect(kept.last == 299_000)
        #expect(kept.first! >= result.cut - 10_000)  // whole chunks of 10 samples go
        #expect(kept.count < 300)
        try head.close()

        let reopened = try Head.open(directory: dir.path, options: options)
        let replayed = try Self.samples(reopened)
        // The chunks on disk bring back exactly what the head held: whole chunks from before the
        // cut included, nothing the truncation dropped.
        #expect(replayed == kept)
        try reopened.close()
    }

    @Test func aLimitBelowTheNewestSegmentDropsEverySample() throws {
        let dir = try DataDirectory()
        var options = Head.Options()
        options.walSegmentSize = 300
        let head = try Head.open(directory: dir.path, options: options)
        for t in 0..<50 as Range<Int64> {
            let app = head.appender()
            _ = try app.append(0, Self.up, t * 1000, 1)
            try app.commit()
        }
        let result = try #require(head.applySizeRetention(limit: 1))
        #expect(result.cut == 49_001)
        #expect(result.removedSeries == 1)
        #expect(try Self.samples(head).isEmpty)
        try head.close()
    }

    @Test func anInMemoryHeadUsesNoDisk() {
        #expect(Head().diskUsage() == 0)
        #expect(Head().applySizeRetention(limit: 0) == nil)
    }
}
