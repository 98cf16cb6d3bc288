import Foundation
import MetricModel
import Storage
import Testing
@testable import PromQL

/// Queries whose aggregations (and plain selectors) are evaluated for all steps at once must
/// answer exactly as step-by-step evaluation does: each step of a range query, and each instant
/// query, is compared bit for bit with a step-by-step instant query at that time.
struct SteppedAggregateTests {
    /// Counters, a counter reset, gaps, staleness markers, a non-counter name, NaN and infinities,
    /// over 3 jobs and 4 instances.
    static func storage() throws -> MemoryStorage {
        let storage = MemoryStorage()
        var seed: UInt64 = 7
        func random() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        for job in ["api", "db", "web"] {
            for instance in 0..<4 {
                for code in ["200", "500"] {
                    var value = 0.0
                    var samples: [(Timestamp, Double)] = []
                    for i in 0..<120 {
                        if (instance == 1 && i % 17 == 3) || (instance == 2 && (40..<60).contains(i)) { continue }
                        value += (random() * 10).rounded()
                        if instance == 3, i == 70 { value = 1 }
                        if instance == 2, code == "500", i == 90 {
                            samples.append((Int64(i) * 10_000, .staleMarker))
                            continue
                        }
                        samples.append((Int64(i) * 10_000, value))
                    }
                    try storage.add(Labels(["__name__": "requests_total", "job": job, "instance": "i\(instance)",
                                            "code": code]), samples)
                }
                var gauge: [(Timestamp, Double)] = []
                for i in 0..<120 where i % 5 != 4 {
                    var v = (random() * 1000).rounded() / 1000
                    if job == "db", instance == 0, i == 50 { v = .nan }
                    if job == "web", instance == 1, i == 60 { v = .infinity }
                    gauge.append((Int64(i) * 10_000, v))
                }
                if job == "api", instance == 2 { gauge.append((1_200_000, .staleMarker)) }
                try storage.add(Labels(["__name__": "latency_seconds", "job": job, "instance": "i\(instance)"]), gauge)
                try storage.add(Labels(["__name__": "queue_depth", "job": job, "instance": "i\(instance)"]),
                                (0..<120).map { (Int64($0) * 10_000, Double(($0 * 7 + instance) % 13)) })
            }
        }
        return storage
    }

    static let queries = [
        "sum by (code) (rate(requests_total[1m]))",
        "sum(rate(requests_total{code=\"500\"}[2m])) / sum(rate(requests_total[2m]))",
        "avg by (job) (latency_seconds)",
        "max without (instance) (latency_seconds)",
        "min by (job) (latency_seconds offset 1m)",
        "count by (__name__) ({__name__=~\".+\"})",
        "group by (job) (latency_seconds)",
        "stddev by (job) (increase(requests_total[90s]))",
        "stdvar(delta(latency_seconds[1m]))",
        "sum by (job) (rate(queue_depth[1m]))",
        "topk(2, sum by (job) (irate(requests_total[1m])))",
        "avg by (code) (last_over_time(requests_total[1m]))",
        "sum by (job, instance) (changes(latency_seconds[2m] @ 600))",
        "count(resets(requests_total[5m]))",
        "sum(max_over_time(latency_seconds[1m])) + sum(min_over_time(latency_seconds[1m]))",
        "avg_over_time(sum by (job) (rate(requests_total[1m]))[3m:30s])",
        "sum by (job) (rate(requests_total[1m] offset 30s))",
        "count by (job) (latency_seconds @ 300)",
        // Not aggregations: the range result is assembled from outputs whose order and members
        // change from step to step, with and without the metric name.
        "latency_seconds",
        "-latency_seconds",
        "sort_desc(latency_seconds)",
        "requests_total > 300",
    ]

    @Test(arguments: queries)
    func rangeStepsMatchInstantQueries(_ query: String) async throws {
        let storage = try Self.storage()
        let engine = Engine(queryable: storage)
        let stepByStep = Engine(queryable: storage, wholeQueryPaths: false)
        let start: Timestamp = 0, end: Timestamp = 1_300_000, step: Int64 = 15_000
        let range = try await engine.execute(query, start: start, end: end, step: step)
        guard case let .matrix(series) = range.value else { Issue.record("not a matrix: \(range.value)"); return }
        var expectedInfos = Set<String>()
        var t = start
        func byLabels(_ value: QueryValue) -> [Labels: Double] {
            var found: [Labels: Double] = [:]
            switch value {
            case let .vector(elements): for e in elements { found[e.labels] = e.value }
            case let .scalar(_, v): found[.empty] = v
            default: Issue.record("unexpected instant value \(value)")
            }
            return found
        }
        while t <= end {
            let instant = try await stepByStep.execute(query, start: t, end: t, step: 0)
            expectedInfos.formUnion(instant.infos)
            let expected = byLabels(instant.value)
            let whole = try await engine.execute(query, start: t, end: t, step: 0)
            #expect(whole.infos == instant.infos, "infos at \(t)")
            let wholeValues = byLabels(whole.value)
            #expect(Set(wholeValues.keys) == Set(expected.keys), "instant labels at \(t)")
            for (labels, value) in expected {
                let got = wholeValues[labels]
                #expect(got?.bitPattern == value.bitPattern || (got?.isNaN == true && value.isNaN),
                        "instant \(labels) at \(t): \(String(describing: got)) vs \(value)")
            }
            var actual: [Labels: Double] = [:]
            for s in series {
                if let i = s.timestamps.firstIndex(of: t) { actual[s.labels] = s.values[i] }
            }
            #expect(Set(actual.keys) == Set(expected.keys), "labels at \(t)")
            for (labels, value) in expected {
                let got = actual[labels]
                #expect(got?.bitPattern == value.bitPattern || (got?.isNaN == true && value.isNaN),
                        "\(labels) at \(t): \(String(describing: got)) vs \(value)")
            }
            t += step
        }
        #expect(Set(range.infos) == expectedInfos)
    }

    @Test func rateOfANonCounterNotesItOnceAsStepwiseEvaluationDoes() async throws {
        let engine = Engine(queryable: try Self.storage())
        let result = try await engine.execute("sum(rate(queue_depth[1m]))", start: 0, end: 600_000, step: 15_000)
        #expect(result.infos == [
            "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"queue_depth\"",
        ])
    }

    @Test func sampleLimitFailsRangeQueriesAsBefore() async throws {
        let engine = Engine(queryable: try Self.storage(), options: EngineOptions(maxSamples: 100))
        await #expect(throws: QueryError.execution("query processing would load too many samples into memory in query execution")) {
            _ = try await engine.rangeQuery("sum(rate(requests_total[5m]))", start: 0, end: 600_000, step: 15_000)
        }
    }

    /// The same series in the same order with the same bits, the same annotations and the same
    /// sample statistics, whether or not the whole-query paths answer.
    @Test(arguments: queries)
    func wholeQueryPathsChangeNothingButTheCost(_ query: String) async throws {
        let storage = try Self.storage()
        let whole = Engine(queryable: storage), stepByStep = Engine(queryable: storage, wholeQueryPaths: false)
        for (start, end, step) in [(Timestamp(0), Timestamp(1_300_000), Int64(15_000)), (600_000, 600_000, 0),
                                   (1_190_000, 1_190_000, 0), (100_000, 700_000, 60_000)] {
            let a = try await whole.execute(query, start: start, end: end, step: step)
            let b = try await stepByStep.execute(query, start: start, end: end, step: step)
            #expect(a.infos == b.infos && a.warnings == b.warnings, "\(start) \(step)")
            #expect(a.stats.totalQueryableSamples == b.stats.totalQueryableSamples, "\(start) \(step)")
            #expect(a.stats.samplesRead == b.stats.samplesRead, "\(start) \(step)")
            #expect(a.stats.peakSamples == b.stats.peakSamples, "\(start) \(step)")
            #expect(Self.bits(a.value) == Self.bits(b.value), "\(start) \(step)")
        }
    }

    /// A value as comparable text: labels and the bit patterns of floats (every NaN alike), in order.
    static func bits(_ value: QueryValue) -> [String] {
        func f(_ v: Double) -> String { v.isNaN ? "NaN" : String(v.bitPattern, radix: 16) }
        switch value {
        case let .matrix(series):
            return series.map { "\($0.labels) \($0.timestamps) \($0.values.map(f))" }
        case let .vector(elements):
            return elements.map { "\($0.labels) \($0.timestamp) \(f($0.value))" }
        case let .scalar(t, v): return ["\(t) \(f(v))"]
        case let .string(t, s): return ["\(t) \(s)"]
        }
    }

    @Test func sampleLimitFailsPlainSelectorRangeQueriesAsBefore() async throws {
        let error = QueryError.execution("query processing would load too many samples into memory in query execution")
        for engine in [Engine(queryable: try Self.storage(), options: EngineOptions(maxSamples: 400)),
                       Engine(queryable: try Self.storage(), options: EngineOptions(maxSamples: 400), wholeQueryPaths: false)] {
            await #expect(throws: error) {
                _ = try await engine.rangeQuery("latency_seconds", start: 0, end: 600_000, step: 15_000)
            }
            // 12 series * 10 steps fit.
            _ = try await engine.rangeQuery("latency_seconds", start: 0, end: 135_000, step: 15_000)
        }
    }
}

/// `rate`/`increase` from a series' precomputed counter resets must equal the per-window scan bit
/// for bit, for every window, with resets close together (several per window) and uneven values.
struct CounterResetIndexTests {
    @Test func resetIndicesGiveTheScansResult() {
        var seed: UInt64 = 11
        func random() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        var times: [Timestamp] = [], values: [Double] = []
        var value = 0.0
        for i in 0..<200 {
            value = random() < 0.2 ? random() * 3.7 : value + random() * 1e6 / 3
            if i == 120 { value = .nan }
            times.append(Timestamp(i) * 15_000 + Timestamp(random() * 900))
            values.append(value)
        }
        let resets = values.indices.dropFirst().filter { values[$0] < values[$0 - 1] }
        #expect(resets.count > 30)
        var compared = 0
        times.withUnsafeBufferPointer { stamps in
            values.withUnsafeBufferPointer { floats in
                resets.withUnsafeBufferPointer { found in
                    for low in 0..<times.count {
                        for high in stride(from: low + 1, through: min(times.count, low + 40), by: 1) {
                            let window = RangeWindow(start: times[low] - 7_000, end: times[high - 1] + 3_000, seconds: 60)
                            let inside = found.indices.filter { found[$0] > low && found[$0] < high }
                            let part = inside.isEmpty ? found[0..<0] : found[inside.first!...inside.last!]
                            for isRate in [true, false] {
                                let scanned = RangeFunctions.extrapolatedRate(
                                    times: stamps[low..<high], values: floats[low..<high], window,
                                    isCounter: true, isRate: isRate)
                                let indexed = RangeFunctions.extrapolatedRate(
                                    times: stamps[low..<high], values: floats[low..<high], resets: part, window,
                                    isRate: isRate)
                                #expect(scanned?.bitPattern == indexed?.bitPattern, "window \(low)..<\(high)")
                                compared += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(compared > 10_000)
    }
}
