import Foundation
import MetricModel
import Storage
import Testing
@testable import PromQL

/// Range queries whose aggregations are evaluated for all steps at once must answer exactly as
/// step-by-step evaluation does: each step of a range query is compared bit for bit with an
/// instant query at that time (instant queries never take the all-steps path).
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
        let engine = Engine(queryable: try Self.storage())
        let start: Timestamp = 0, end: Timestamp = 1_300_000, step: Int64 = 15_000
        let range = try await engine.execute(query, start: start, end: end, step: step)
        guard case let .matrix(series) = range.value else { Issue.record("not a matrix: \(range.value)"); return }
        var expectedInfos = Set<String>()
        var t = start
        while t <= end {
            let instant = try await engine.execute(query, start: t, end: t, step: 0)
            expectedInfos.formUnion(instant.infos)
            var expected: [Labels: Double] = [:]
            switch instant.value {
            case let .vector(elements): for e in elements { expected[e.labels] = e.value }
            case let .scalar(_, v): expected[.empty] = v
            default: Issue.record("unexpected instant value \(instant.value)")
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
}
