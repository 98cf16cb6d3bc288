import Foundation
import MetricModel
import Storage
import Testing
@testable import TSDB

@Suite struct DeleteSeriesTests {
    static func times(_ head: Head, _ name: String) throws -> [Int64] {
        let set = try head.querier(mint: .min, maxt: .max).select(
            sorted: true, hints: nil, matchers: [try LabelMatcher(.equal, "__name__", name)])
        var out: [Int64] = []
        while let series = try set.next() {
            let it = series.makeIterator()
            while it.next() { out.append(it.timestamp) }
        }
        return out
    }

    static func fill(_ head: Head) throws {
        for t in 0..<30 as Range<Int64> {
            let app = head.appender()
            _ = try app.append(0, Labels(["__name__": "keep", "job": "a"]), t * 1000, 1)
            _ = try app.append(0, Labels(["__name__": "cut", "job": "a"]), t * 1000, 2)
            _ = try app.append(0, Labels(["__name__": "gone", "job": "a"]), t * 1000, 3)
            try app.commit()
        }
    }

    @Test func deletesARangeAndWholeSeriesAndSurvivesReopen() throws {
        let dir = try DataDirectory()
        var options = Head.Options()
        options.samplesPerChunk = 8
        options.walSegmentSize = 1000
        let head = try Head.open(directory: dir.path, options: options)
        try Self.fill(head)
        let partial = try head.deleteSeries(matching: [try LabelMatcher(.equal, "__name__", "cut")], mint: 5000, maxt: 24_000)
        #expect(partial == Head.DeleteResult(samples: 20, series: 0))
        let whole = try head.deleteSeries(matching: [try LabelMatcher(.equal, "__name__", "gone")], mint: .min, maxt: .max)
        #expect(whole == Head.DeleteResult(samples: 30, series: 1))
        let expectedCut = Array(0..<5 as Range<Int64>).map { $0 * 1000 } + Array(25..<30 as Range<Int64>).map { $0 * 1000 }
        #expect(try Self.times(head, "cut") == expectedCut)
        #expect(try Self.times(head, "gone").isEmpty)
        #expect(try Self.times(head, "keep").count == 30)
        #expect(head.stats.series == 2)
        #expect(head.stats.chunks == 4 + 2)  // keep: 30 samples in chunks of 8; cut: 10 samples
        // The series can come back after a whole delete, and appends continue after a range delete.
        let app = head.appender()
        _ = try app.append(0, Labels(["__name__": "gone", "job": "a"]), 40_000, 9)
        _ = try app.append(0, Labels(["__name__": "cut", "job": "a"]), 40_000, 9)
        try app.commit()
        try head.close()

        let reopened = try Head(directory: dir.path, options: options)
        let report = try reopened.replayWAL()
        #expect(report.deletedSamples == 50)
        #expect(try Self.times(reopened, "cut") == expectedCut + [40_000])
        #expect(try Self.times(reopened, "gone") == [40_000])
        #expect(try Self.times(reopened, "keep").count == 30)
        #expect(reopened.stats.series == 3)
        try reopened.close()
    }

    @Test func nothingMatchingWritesNothing() throws {
        let dir = try DataDirectory()
        let head = try Head.open(directory: dir.path)
        try Self.fill(head)
        let none = try head.deleteSeries(matching: [try LabelMatcher(.equal, "__name__", "nope")], mint: .min, maxt: .max)
        #expect(none == Head.DeleteResult())
        let outside = try head.deleteSeries(matching: [try LabelMatcher(.equal, "__name__", "keep")], mint: 100_000, maxt: 200_000)
        #expect(outside == Head.DeleteResult())
        #expect(try head.deleteSeries(matching: [], mint: 5, maxt: 4) == Head.DeleteResult())
        try head.close()
    }

    @Test func deletesRecordRoundTripsAndRejectsLies() throws {
        let record = WALRecord.deletes([.init(ref: 7, mint: -5, maxt: .max), .init(ref: 1, mint: .min, maxt: 0)])
        #expect(try WALRecord.decode(record.encode()) == record)
        #expect(throws: WALRecord.DecodeError(description: "deletes record claims 100 entries in 3 bytes")) {
            try WALRecord.decode([3, 100, 0])
        }
        #expect(throws: WALRecord.DecodeError(description: "record ends inside the deletion end at byte 4")) {
            try WALRecord.decode([3, 1, 7, 2])
        }
    }

    @Test func anInMemoryHeadDeletesToo() throws {
        let head = Head()
        try Self.fill(head)
        let result = try head.deleteSeries(matching: [try LabelMatcher(.regexMatch, "__name__", "cut|gone")], mint: 0, maxt: 29_000)
        #expect(result == Head.DeleteResult(samples: 60, series: 2))
        #expect(head.stats.series == 1)
    }
}
