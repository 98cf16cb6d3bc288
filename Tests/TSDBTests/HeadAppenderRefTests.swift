import MetricModel
import Storage
import Testing
@testable import TSDB

/// The head appender's reference path: a cached `SeriesRef` with in-batch validation carried on
/// the series itself (no per-batch map).
@Suite struct HeadAppenderRefTests {
    let labels = Labels(["__name__": "m", "job": "a"])

    func samples(_ head: Head) throws -> [(Timestamp, Double)] {
        let set = try head.querier(mint: .min, maxt: .max).select(sorted: true, hints: nil, matchers: [])
        var out: [(Timestamp, Double)] = []
        for series in try set.collect() {
            let it = series.makeIterator()
            while it.next() { out.append((it.timestamp, it.value)) }
        }
        return out
    }

    @Test func sameSeriesTwiceInOneBatchViaRefIsValidatedAgainstTheBatch() throws {
        let head = Head()
        let first = head.appender()
        let ref = try first.append(0, labels, 1000, 1)
        try first.commit()

        let app = head.appender()
        #expect(try app.append(ref, labels, 2000, 2) == ref)
        // Committed tail is 1000, but the batch already holds 2000 for this series.
        #expect(throws: AppendError.outOfOrder) { try app.append(ref, labels, 1500, 9) }
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try app.append(ref, labels, 2000, 3) }
        // The same sample again is ignored, not an error, and not appended twice.
        #expect(try app.append(ref, labels, 2000, 2) == ref)
        #expect(try app.append(ref, labels, 3000, 3) == ref)
        try app.commit()
        #expect(try samples(head).map(\.0) == [1000, 2000, 3000])
        #expect(head.stats.outOfOrderSamples == 1)
        #expect(head.stats.duplicateSamples == 1)
        #expect(head.stats.samplesAppended == 3)
    }

    @Test func aRolledBackBatchLeavesNoTraceOnValidation() throws {
        let head = Head()
        let setup = head.appender()
        let ref = try setup.append(0, labels, 1000, 1)
        try setup.commit()

        let dropped = head.appender()
        try dropped.append(ref, labels, 5000, 5)
        dropped.rollback()

        // 2000 is older than the rolled-back 5000 but newer than anything committed.
        let app = head.appender()
        #expect(try app.append(ref, labels, 2000, 2) == ref)
        try app.commit()
        #expect(try samples(head).map(\.0) == [1000, 2000])
    }

    @Test func aNewSeriesRepeatedInItsFirstBatchIsValidatedAgainstTheBatch() throws {
        let head = Head()
        let app = head.appender()
        let ref = try app.append(0, labels, 2000, 1)
        #expect(throws: AppendError.outOfOrder) { try app.append(ref, labels, 1000, 1) }
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try app.append(0, labels, 2000, 7) }
        try app.commit()
        #expect(try samples(head).map(\.1) == [1])
    }

    @Test func interleavedBatchesEachValidateAgainstTheirOwnSamples() throws {
        let head = Head()
        let a = head.appender(), b = head.appender()
        let ref = try a.append(0, labels, 1000, 1)
        #expect(try b.append(ref, labels, 3000, 3) == ref)
        // b's mark replaced a's: a validates against the committed tail (none) and accepts;
        // the commit then refuses the sample that is not newer than what is stored.
        try a.append(ref, labels, 2000, 2)
        try b.commit()
        try a.commit()
        #expect(try samples(head).map(\.0) == [3000])
        #expect(head.stats.outOfOrderSamples == 2)
        #expect(head.stats.samplesAppended == 1)
    }

    @Test func staleRefAfterGarbageCollectionFallsBackToTheLabels() throws {
        var options = Head.Options()
        options.samplesPerChunk = 2
        let head = Head(options: options)
        let app = head.appender()
        let oldRef = try app.append(0, labels, 1000, 1)
        try app.commit()
        #expect(head.truncate(before: 10_000) == 1)
        #expect(head.stats.series == 0)

        let again = head.appender()
        let newRef = try again.append(oldRef, labels, 20_000, 2)
        try again.commit()
        #expect(newRef != oldRef && newRef != 0)
        #expect(try samples(head).map(\.0) == [20_000])
        #expect(head.stats.series == 1)
    }

    @Test func aRefOfAnotherSeriesIsNotTrusted() throws {
        let head = Head()
        let other = Labels(["__name__": "other"])
        let app = head.appender()
        let ref = try app.append(0, labels, 1000, 1)
        let otherRef = try app.append(ref, other, 1000, 5)
        try app.commit()
        #expect(otherRef != ref)
        let set = try head.querier(mint: .min, maxt: .max).select(sorted: true, hints: nil,
                                                                  matchers: [try LabelMatcher(.equal, "__name__", "other")])
        let series = try set.collect()
        #expect(series.map(\.labels) == [other])
    }
}
