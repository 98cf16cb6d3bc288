import MetricModel
import Storage
import Testing
@testable import TSDB

/// Random small series sets with random matchers and ranges: the block answers like `MemoryStorage`.
@Suite struct BlockPropertyTests {
    static let names = ["__name__", "a", "b", "c"]
    static let values = ["", "x", "y", "z", "xy", "Ω"]

    static func randomLabels<G: RandomNumberGenerator>(using rng: inout G) -> Labels {
        var pairs: [Label] = []
        for name in names where Bool.random(using: &rng) {
            pairs.append(Label(name, values[Int.random(in: 1..<values.count, using: &rng)]))
        }
        return Labels(pairs.isEmpty ? [Label("a", "x")] : pairs)
    }

    static func randomMatcher<G: RandomNumberGenerator>(using rng: inout G) throws -> LabelMatcher {
        let name = names.randomElement(using: &rng)!
        let value = values.randomElement(using: &rng)!
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return try LabelMatcher(.equal, name, value)
        case 1: return try LabelMatcher(.notEqual, name, value)
        case 2: return try LabelMatcher(.regexMatch, name, value + "|" + values.randomElement(using: &rng)! + ".*")
        default: return try LabelMatcher(.regexNoMatch, name, value.isEmpty ? ".+" : value)
        }
    }

    @Test func randomSeriesSetsAgreeWithMemoryStorage() throws {
        var rng = SplitMix64(seed: 2026)
        for round in 0..<40 {
            let minTime = Int64.random(in: -1_000_000...1_000_000, using: &rng)
            let maxTime = minTime + Int64.random(in: 10...5_000_000, using: &rng)
            var byLabels: [Labels: TestSeries] = [:]
            for _ in 0..<Int.random(in: 1...60, using: &rng) {
                let labels = Self.randomLabels(using: &rng)
                var times = Set<Int64>()
                for _ in 0..<Int.random(in: 1...300, using: &rng) { times.insert(Int64.random(in: minTime..<maxTime, using: &rng)) }
                let shape = ValueShape.allCases.randomElement(using: &rng)!
                let vs = TSDBTests.values(shape, count: times.count, using: &rng)
                byLabels[labels] = TestSeries(labels: labels, samples: zip(times.sorted(), vs).map { RawSample($0, $1) })
            }
            let series = byLabels.values.sorted { $0.labels < $1.labels }
            let written = blockSeries(series, perChunk: Int.random(in: 5...150, using: &rng))
            let dir = try BlockTestDirectory()
            let meta = try BlockWriter.write(parent: dir.path, ulid: BlockDirectory.newULID(), minTime: minTime, maxTime: maxTime,
                                             level: 1, sources: nil, series: written,
                                             segmentSize: Int.random(in: 1024...20_000, using: &rng))
            let block = try Block.open(dir.path + "/" + meta.ulid)
            defer { block.close() }
            #expect(Array(block.allSeries()) == written, "round \(round)")
            let reference = try memoryStorage(series)
            for _ in 0..<10 {
                let matchers = try (0..<Int.random(in: 1...3, using: &rng)).map { _ in try Self.randomMatcher(using: &rng) }
                let a = Int64.random(in: (minTime - 100)...(maxTime + 100), using: &rng)
                let b = Int64.random(in: (minTime - 100)...(maxTime + 100), using: &rng)
                let (mint, maxt) = (min(a, b), max(a, b))
                try BlockRoundTripTests.expectSameSelect(block, reference, matchers, mint, maxt)
                let q = try block.querier(mint: mint, maxt: maxt), r = try reference.querier(mint: mint, maxt: maxt)
                #expect(try q.labelNames(matchers: matchers) == r.labelNames(matchers: matchers), "round \(round) \(matchers)")
                for name in Self.names {
                    #expect(try q.labelValues(name: name, matchers: matchers) == r.labelValues(name: name, matchers: matchers),
                            "round \(round) \(name) \(matchers)")
                }
            }
        }
    }
}
