import MetricModel
import Storage
import Testing
@testable import TSDB

@Suite struct HeadTests {
    func series(_ name: String, _ pairs: [String: String] = [:]) -> Labels {
        var all = pairs
        all["__name__"] = name
        return Labels(all)
    }

    func read(_ head: Head, _ matchers: [LabelMatcher], mint: Timestamp = .min, maxt: Timestamp = .max) throws -> [Labels: [(Timestamp, Double)]] {
        var out: [Labels: [(Timestamp, Double)]] = [:]
        for series in try head.querier(mint: mint, maxt: maxt).select(sorted: true, hints: nil, matchers: matchers).collect() {
            let it = series.makeIterator()
            var samples: [(Timestamp, Double)] = []
            while it.next() { samples.append((it.timestamp, it.value)) }
            out[series.labels] = samples
        }
        return out
    }

    @Test func appendsAcrossManyChunksAndReadsBack() throws {
        var options = Head.Options()
        options.samplesPerChunk = 10
        let head = Head(options: options)
        let labels = series("m", ["job": "a"])
        var ref: SeriesRef = 0
        for i in 0..<95 {
            let app = head.appender()
            ref = try app.append(ref, labels, Timestamp(i) * 15_000, Double(i))
            try app.commit()
        }
        #expect(head.stats.chunks == 10)
        #expect(head.stats.samplesAppended == 95)
        let samples = try read(head, [try LabelMatcher(.equal, "job", "a")])[labels]!
        #expect(samples.map(\.0) == (0..<95).map { Timestamp($0) * 15_000 })
        let window = try read(head, [try LabelMatcher(.equal, "job", "a")], mint: 150_000, maxt: 300_000)[labels]!
        #expect(window.map(\.1) == Array(10...20).map(Double.init))
    }

    @Test func chunksNeverSpanAMultipleOfTheChunkRange() throws {
        var options = Head.Options()
        options.chunkRange = 1000
        let head = Head(options: options)
        let labels = series("m")
        let app = head.appender()
        // 10 samples per range, ranges [-1000, 0), [0, 1000), [1000, 2000): three chunks.
        for t in stride(from: Int64(-1000), to: 2000, by: 100) { try app.append(0, labels, t, Double(t)) }
        try app.commit()
        let memSeries = try #require(head.index.withLock { $0.series.values.first })
        let chunks = memSeries.chunks(overlapping: .min, .max)
        #expect(chunks.map { $0.minTime! } == [-1000, 0, 1000])
        #expect(chunks.map { $0.maxTime! } == [-100, 900, 1900])
        #expect(MemSeries.rangeStart(-1, 1000) == -1000)
        #expect(MemSeries.rangeStart(-1000, 1000) == -1000)
        #expect(MemSeries.rangeStart(999, 1000) == 0)
    }

    @Test func postingsSelectionMatchesAllFourMatcherKinds() throws {
        let head = Head()
        let app = head.appender()
        let a = series("http_requests_total", ["code": "200", "job": "api"])
        let b = series("http_requests_total", ["code": "500", "job": "api"])
        let c = series("http_requests_total", ["job": "web"])
        let d = series("up", ["job": "api"])
        for labels in [a, b, c, d] { try app.append(0, labels, 1000, 1) }
        try app.commit()
        let name = try LabelMatcher(.equal, "__name__", "http_requests_total")
        #expect(Set(try read(head, [name]).keys) == [a, b, c])
        #expect(Set(try read(head, [name, try LabelMatcher(.notEqual, "code", "200")]).keys) == [b, c])
        #expect(Set(try read(head, [name, try LabelMatcher(.regexMatch, "code", "5..")]).keys) == [b])
        #expect(Set(try read(head, [name, try LabelMatcher(.regexNoMatch, "code", "5..")]).keys) == [a, c])
        #expect(Set(try read(head, [name, try LabelMatcher(.equal, "code", "")]).keys) == [c])
        #expect(Set(try read(head, [try LabelMatcher(.regexMatch, "job", "api|web"), try LabelMatcher(.notEqual, "__name__", "up")]).keys) == [a, b, c])
        #expect(try read(head, [try LabelMatcher(.equal, "job", "nope")]).isEmpty)
        let querier = try head.querier(mint: 0, maxt: 2000)
        #expect(try querier.labelValues(name: "job", matchers: []) == ["api", "web"])
        #expect(try querier.labelNames(matchers: [try LabelMatcher(.equal, "__name__", "up")]) == ["__name__", "job"])
    }

    @Test func rejectsOutOfOrderAndDuplicatesAndCountsThem() throws {
        let head = Head()
        let labels = series("m")
        let first = head.appender()
        try first.append(0, labels, 2000, 1)
        try first.commit()
        let app = head.appender()
        #expect(throws: AppendError.outOfOrder) { try app.append(0, labels, 1000, 1) }
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try app.append(0, labels, 2000, 5) }
        try app.append(0, labels, 3000, 1)
        #expect(throws: AppendError.outOfOrder) { try app.append(0, labels, 2500, 1) }
        try app.commit()
        #expect(head.stats.outOfOrderSamples == 2)
        #expect(head.stats.duplicateSamples == 1)
    }

    @Test func rollbackLeavesNoSamples() throws {
        let head = Head()
        let app = head.appender()
        try app.append(0, series("m"), 1000, 1)
        app.rollback()
        #expect(try read(head, []).values.allSatisfy { $0.isEmpty })
        #expect(head.stats.samplesAppended == 0)
    }

    @Test func staleMarkerSurvivesBitExactly() throws {
        let head = Head()
        let app = head.appender()
        try app.append(0, series("m"), 1000, 1)
        try app.append(0, series("m"), 2000, .staleMarker)
        try app.commit()
        let samples = try read(head, [])[series("m")]!
        #expect(samples[1].1.isStaleMarker)
    }

    @Test func truncateDropsOldChunksAndEmptySeries() throws {
        var options = Head.Options()
        options.samplesPerChunk = 5
        let head = Head(options: options)
        let old = series("old"), live = series("live")
        let app = head.appender()
        for i in 0..<20 {
            try app.append(0, live, Timestamp(i) * 1000, 1)
            if i < 3 { try app.append(0, old, Timestamp(i) * 1000, 1) }
        }
        try app.commit()
        #expect(head.truncate(before: 10_000) == 1)
        let remaining = try read(head, [])
        #expect(remaining.keys.contains(live) && !remaining.keys.contains(old))
        #expect(remaining[live]!.first!.0 == 10_000)
        #expect(head.stats.series == 1)
        #expect(try head.querier(mint: 0, maxt: .max).labelValues(name: "__name__", matchers: []) == ["live"])
    }

    @Test func seriesLeftWithoutSamplesByARollbackAreDroppedAfterATruncationInterval() throws {
        let head = Head()
        let kept = series("kept"), rolledBack = series("rolled_back")
        let first = head.appender()
        try first.append(0, kept, 1000, 1)
        try first.commit()
        let failed = head.appender()
        try failed.append(0, rolledBack, 1000, 1)
        failed.rollback()
        #expect(head.stats.series == 2)
        // The first truncation only notes where batches are; the rolled-back batch may still be open.
        head.truncate(before: 0)
        #expect(head.stats.series == 2)
        // A batch still open across the truncation keeps its new series.
        let open = head.appender()
        try open.append(0, series("late"), 2000, 3)
        head.truncate(before: 0)
        #expect(head.stats.series == 2, "kept and late; rolled_back is gone")
        try open.commit()
        let all = try read(head, [])
        #expect(Set(all.keys) == [kept, series("late")])
        #expect(all[series("late")]!.map(\.1) == [3])
        #expect(head.stats.seriesRemoved == 1)
        #expect(try head.querier(mint: .min, maxt: .max).labelValues(name: "__name__", matchers: []) == ["kept", "late"])
        // Appending to the dropped labels again makes a new series that works.
        let again = head.appender()
        try again.append(0, rolledBack, 5000, 7)
        try again.commit()
        #expect(try read(head, [])[rolledBack]!.map(\.1) == [7])
    }

    @Test func concurrentAppendersDoNotLoseSamples() async throws {
        let head = Head()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    let labels = Labels(["__name__": "m", "worker": "\(worker)"])
                    for i in 0..<500 {
                        let app = head.appender()
                        try? app.append(0, labels, Timestamp(i), Double(i))
                        try? app.commit()
                    }
                }
            }
        }
        #expect(head.stats.samplesAppended == 4000)
        #expect(try read(head, []).values.allSatisfy { $0.count == 500 })
    }
}
