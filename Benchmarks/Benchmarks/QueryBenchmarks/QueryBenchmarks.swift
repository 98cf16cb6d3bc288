import Benchmark
import MetricModel
import PromQL
import TSDB

// Grafana panel queries: the side-by-side harness's queries (shared/bench/sidebyside.py) as
// query_range over the last 10 minutes of the data at a 15 s step (41 steps), over an in-memory
// head of 10k and 100k series (see PanelData.swift). The figure to watch is the wall-clock p50.

let panelQueries: [(name: String, query: String)] = [
    ("rate_sum_by_status", #"sum by (status_code) (rate(http_requests_total[5m]))"#),
    ("error_ratio", #"sum(rate(http_requests_total{status_code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))"#),
    ("p95_histogram", #"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"#),
    ("p99_by_method", #"histogram_quantile(0.99, sum by (le, method) (rate(http_request_duration_seconds_bucket[5m])))"#),
    ("topk_tokens_by_model", #"topk(5, sum by (model) (rate(tokens_used_total[5m])))"#),
    ("selector_gauge", #"provider_response_time_seconds{provider="openai",region="eu-west-1"}"#),
    ("avg_by_provider", #"avg by (provider) (provider_response_time_seconds)"#),
    ("count_by_name", #"count by (__name__) ({__name__=~".+"})"#),
]

// Built once per process, on first use (Swift globals are lazy and thread-safe).
let panelHead10k = try! PanelHead(series: 10_000)
let panelHead100k = try! PanelHead(series: 100_000)

let resultSeries = BenchmarkMetric.custom("result series", polarity: .prefersSmaller, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    let rangeEnd = PanelHead.end
    let rangeStart = rangeEnd - 10 * 60_000
    for (size, label) in [(10_000, "10k"), (100_000, "100k")] {
        let configuration = Benchmark.Configuration(
            metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, resultSeries],
            units: [resultSeries: .count],
            maxDuration: .seconds(size >= 100_000 ? 10 : 3),
            maxIterations: 50,
            setup: { _ = size >= 100_000 ? panelHead100k : panelHead10k }
        )
        for panel in panelQueries {
            Benchmark("Panel \(panel.name) (\(label) series)", configuration: configuration) { benchmark in
                let data = size >= 100_000 ? panelHead100k : panelHead10k
                let engine = Engine(queryable: data.head)
                let value = try await engine.rangeQuery(panel.query, start: rangeStart, end: rangeEnd, step: 15_000)
                benchmark.stopMeasurement()
                guard case let .matrix(series) = value, !series.isEmpty else {
                    benchmark.error("\(panel.name) returned no series")
                    return
                }
                benchmark.measurement(resultSeries, series.count)
            }
        }
    }
}
