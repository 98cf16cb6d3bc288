import MetricModel
import Storage
import Testing
@testable import TSDB

/// `HeadQuerier.select(sorted: true)` orders by labels whether it sorts by cached ranks or by
/// comparing labels, and `HeadSeries.appendSamples` reads exactly what the iterator reads.
@Suite struct HeadSelectOrderTests {
    /// Appends one sample to series named by `(job, instance)` pairs, created in a shuffled order.
    func fill(_ head: Head, _ pairs: [(String, String)], at t: Timestamp) throws {
        let app = head.appender()
        for (job, instance) in pairs {
            _ = try app.append(0, Labels(["__name__": "up", "job": job, "instance": instance]), t, 1)
        }
        try app.commit()
    }

    func selectedLabels(_ head: Head, _ matchers: [LabelMatcher]) throws -> [Labels] {
        try head.querier(mint: .min, maxt: .max).select(sorted: true, hints: nil, matchers: matchers).collect().map(\.labels)
    }

    func shuffledPairs(_ count: Int, seed: UInt64) -> [(String, String)] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i in ("job\(i % 7)", "host-\(i)") }.shuffled(using: &rng)
    }

    @Test func largeAndSmallSelectionsComeOutInLabelOrder() throws {
        let head = Head()
        try fill(head, shuffledPairs(500, seed: 1), at: 1000)
        let all = try selectedLabels(head, [try LabelMatcher(.equal, "__name__", "up")])
        #expect(all.count == 500)
        #expect(all == all.sorted())
        // The large selection cached ranks; a second one uses them.
        let cached = try #require(head.labelRanks.withLock { $0 })
        #expect(cached.version == head.index.withLock { $0.postings.version })
        #expect(try selectedLabels(head, [try LabelMatcher(.equal, "__name__", "up")]) == all)
        // A small selection (below the ranking fraction) with stale ranks compares labels.
        let small = try selectedLabels(head, [try LabelMatcher(.equal, "job", "job3")])
        #expect(small == all.filter { $0["job"] == "job3" })
    }

    @Test func newAndRemovedSeriesInvalidateTheRanks() throws {
        let head = Head()
        try fill(head, shuffledPairs(300, seed: 2), at: 1000)
        _ = try selectedLabels(head, [try LabelMatcher(.equal, "__name__", "up")])
        let before = try #require(head.labelRanks.withLock { $0 }).version
        // New series sort between the old ones.
        try fill(head, [("job0", "host-0a"), ("job6", "a"), ("job3", "zzz")], at: 2000)
        let grown = try selectedLabels(head, [try LabelMatcher(.equal, "__name__", "up")])
        #expect(grown.count == 303)
        #expect(grown == grown.sorted())
        #expect(try #require(head.labelRanks.withLock { $0 }).version != before)
        // Series only in the old range disappear when the head is truncated past it.
        #expect(head.truncate(before: 1500) == 300)
        let left = try selectedLabels(head, [try LabelMatcher(.equal, "__name__", "up")])
        #expect(left.map { $0["instance"]! } == ["a", "host-0a", "zzz"])
    }

    @Test func unionOfRegexValuesIsSortedAndComplete() throws {
        let head = Head()
        try fill(head, shuffledPairs(200, seed: 3), at: 1000)
        let some = try selectedLabels(head, [try LabelMatcher(.regexMatch, "job", "job[135]")])
        #expect(some.count == (0..<200).filter { [1, 3, 5].contains($0 % 7) }.count)
        #expect(some == some.sorted())
    }

    @Test func appendSamplesReadsWhatTheIteratorReads() throws {
        var options = Head.Options()
        options.samplesPerChunk = 7
        let head = Head(options: options)
        let labels = Labels(["__name__": "m"])
        let app = head.appender()
        // 400 samples: past the 128-sample batches appendSamples gathers them in.
        for i in 0..<400 {
            _ = try app.append(0, labels, Timestamp(i) * 1000, i % 9 == 4 ? .staleMarker : Double(i))
        }
        try app.commit()
        for (mint, maxt) in [(Timestamp.min, Timestamp.max), (5000, 300_000), (6500, 7600), (-5000, 2000), (39_000, 900_000)] {
            let series = try #require(try head.querier(mint: mint, maxt: maxt)
                .select(sorted: true, hints: nil, matchers: [try LabelMatcher(.equal, "__name__", "m")]).next())
            for (after, through) in [(Timestamp.min, Timestamp.max), (4999, 210_000), (13_500, 14_000), (-1, 0), (20_000, 20_000),
                                    (127_000, 256_000)] {
                // Appends after what the arrays hold.
                var times: [Timestamp] = [-7], values: [Double] = [-7]
                series.appendSamples(after: after, through: through, timestamps: &times, values: &values)
                var expected: [RawSample] = [RawSample(-7, -7)]
                let iterator = series.makeIterator()
                while iterator.next() {
                    if iterator.timestamp > after && iterator.timestamp <= through {
                        expected.append(RawSample(iterator.timestamp, iterator.value))
                    }
                }
                #expect(zip(times, values).map { RawSample($0, $1) } == expected, "range \(mint)...\(maxt), window \(after)...\(through)")
            }
        }
    }
}
