import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

@Suite struct HeadStatusTests {
    /// 50 `req` series that differ only in `user_id`, and two `up` series.
    static func fill(_ head: Head) throws {
        let app = head.appender()
        for user in 0..<50 {
            _ = try app.append(0, Labels(["__name__": "req", "user_id": "u\(user)", "method": "GET"]), 1000, 1)
        }
        _ = try app.append(0, Labels(["__name__": "up", "job": "a"]), 2000, 1)
        _ = try app.append(0, Labels(["__name__": "up", "job": "b"]), 2000, 0)
        try app.commit()
    }

    @Test func rankingsShowWhichLabelBlowsUpTheSeriesCount() throws {
        let head = Head()
        try Self.fill(head)
        let stats = head.cardinalityStats(limit: 3)
        typealias E = CardinalityStats.Entry
        #expect(stats.numSeries == 52)
        #expect(stats.numLabelPairs == 55)
        #expect(stats.chunkCount == 52)
        #expect(stats.minTime == 1000)
        #expect(stats.maxTime == 2000)
        #expect(stats.seriesCountByMetricName == [E(name: "req", value: 50), E(name: "up", value: 2)])
        #expect(stats.labelValueCountByLabelName == [E(name: "user_id", value: 50), E(name: "__name__", value: 2), E(name: "job", value: 2)])
        // (1 + len(name) + 1 + len(value)) bytes per series carrying the pair.
        #expect(stats.memoryInBytesByLabelName == [E(name: "__name__", value: 674), E(name: "user_id", value: 590), E(name: "method", value: 550)])
        #expect(stats.seriesCountByLabelValuePair == [E(name: "__name__=req", value: 50), E(name: "method=GET", value: 50), E(name: "__name__=up", value: 2)])
    }

    @Test func emptyHeadHasEmptyRankings() {
        let stats = Head().cardinalityStats(limit: 10)
        #expect(stats == CardinalityStats())
        #expect(stats.minTime == .max && stats.maxTime == .min)
    }

    @Test func topEntriesKeepsTheLargestInOrder() {
        var top = TopEntries(limit: 2)
        for (name, value) in [("a", 1), ("b", 5), ("c", 3), ("d", 5), ("e", 4)] as [(String, UInt64)] {
            top.offer(value) { name }
        }
        #expect(top.sorted == [.init(name: "b", value: 5), .init(name: "d", value: 5)])
    }

    @Test func replayStatusNamesTheSegmentsRead() throws {
        let dir = try DataDirectory()
        var options = Head.Options()
        options.walSegmentSize = 300
        let first = try Head.open(directory: dir.path, options: options)
        #expect(first.walReplayStatus == WALReplayStatus(min: 0, max: 0, current: 0))
        try Self.fill(first)
        let app = first.appender()
        for t in 0..<20 { _ = try app.append(0, Labels(["__name__": "up", "job": "a"]), 3000 + Int64(t), 1); try app.commit() }
        try first.close()
        let segments = try dir.walEntries().compactMap(Int.init)
        #expect(segments.count > 2)
        let second = try Head.open(directory: dir.path, options: options)
        #expect(second.walReplayStatus == WALReplayStatus(min: segments.first!, max: segments.last!, current: segments.last!))
        #expect(Head().walReplayStatus == WALReplayStatus())
        try second.close()
    }
}
