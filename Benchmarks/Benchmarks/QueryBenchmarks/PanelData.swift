import BenchmarkFixtures
import MetricModel
import Storage
import TSDB

// The data behind the panel benchmarks: an in-memory head shaped like the side-by-side harness's
// synthetic exporter (shared/bench/synth_exporter.py), an LLM/API gateway scraped by 4 targets.
//
// Per target: http_requests_total{method,endpoint,status_code} counters, the
// http_request_duration_seconds histogram by method and endpoint (12 buckets, _sum, _count),
// tokens_used_total{provider,model,type} counters, provider_response_time_seconds gauges by
// provider, model and region, and cache_hit_ratio{cache,shard} gauges filling the rest. Every
// series has job and instance labels and one sample every 10 s for 30 minutes.

let methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
let statusCodes = ["200", "201", "204", "400", "401", "404", "429", "500"]
let providers = ["openai", "anthropic", "google", "mistral", "cohere", "azure"]
let models = ["large", "medium", "small"]
let tokenTypes = ["input", "output", "cached"]
let regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"]
let bucketBounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]

/// How a series' values evolve: counters grow by a per-series rate, gauges wander around a base.
enum PanelSeriesKind {
    case counter(rate: Double)
    /// A histogram series counting `fraction` of its endpoint's requests.
    case bucket(rate: Double, fraction: Double)
    case gauge(base: Double)
}

/// A head holding `series` series of the exporter's shape with 30 minutes of 10 s samples,
/// ending at `end`.
final class PanelHead: Sendable {
    static let targets = 4
    static let interval: Int64 = 10_000
    static let samplesPerSeries = 180
    static let start: Timestamp = 1_700_000_000_000
    static var end: Timestamp { start + Int64(samplesPerSeries - 1) * interval }

    let head = Head()
    let seriesCount: Int

    init(series: Int) throws {
        var generator = SeededGenerator(seed: 5)
        var all: [(Labels, PanelSeriesKind)] = []
        let perTarget = series / Self.targets
        // Requests (40 per endpoint) and the histogram (70 per endpoint) take about 70 % of a target.
        let endpoints = max(1, perTarget * 7 / 10 / 110)
        for target in 0..<Self.targets {
            let base: [Label] = [Label("job", "synth"), Label("instance", "127.0.0.1:\(19401 + target)")]
            var mine: [(Labels, PanelSeriesKind)] = []
            for e in 0..<endpoints {
                let endpoint = "/v1/r\(e % 20)/\(e)"
                for method in methods {
                    let requestRate = Double.random(in: 0.5...20, using: &generator)
                    for code in statusCodes {
                        mine.append((Labels(base + [Label("__name__", "http_requests_total"), Label("method", method),
                                                    Label("endpoint", endpoint), Label("status_code", code)]),
                                     .counter(rate: requestRate * (code == "200" ? 1 : 0.02))))
                    }
                    let metric = "http_request_duration_seconds"
                    for (i, le) in bucketBounds.enumerated() {
                        let fraction = Double(i + 1) / Double(bucketBounds.count)
                        mine.append((Labels(base + [Label("__name__", metric + "_bucket"), Label("method", method),
                                                    Label("endpoint", endpoint), Label("le", le)]),
                                     .bucket(rate: requestRate, fraction: fraction)))
                    }
                    mine.append((Labels(base + [Label("__name__", metric + "_sum"), Label("method", method),
                                                Label("endpoint", endpoint)]), .counter(rate: requestRate * 0.2)))
                    mine.append((Labels(base + [Label("__name__", metric + "_count"), Label("method", method),
                                                Label("endpoint", endpoint)]), .counter(rate: requestRate)))
                }
            }
            for provider in providers {
                for model in models {
                    for type in tokenTypes {
                        mine.append((Labels(base + [Label("__name__", "tokens_used_total"), Label("provider", provider),
                                                    Label("model", "\(provider)-\(model)"), Label("type", type)]),
                                     .counter(rate: Double.random(in: 10...500, using: &generator))))
                    }
                    for region in regions {
                        mine.append((Labels(base + [Label("__name__", "provider_response_time_seconds"),
                                                    Label("provider", provider), Label("model", "\(provider)-\(model)"),
                                                    Label("region", region)]),
                                     .gauge(base: Double.random(in: 0.15...3, using: &generator))))
                    }
                }
            }
            var shard = 0
            while mine.count < perTarget {
                mine.append((Labels(base + [Label("__name__", "cache_hit_ratio"), Label("cache", "c\(shard % 16)"),
                                            Label("shard", "\(shard)")]),
                             .gauge(base: Double.random(in: 0.5...0.95, using: &generator))))
                shard += 1
            }
            all += mine.prefix(perTarget)
        }
        seriesCount = all.count

        var refs = [SeriesRef](repeating: 0, count: all.count)
        var values = all.map { entry -> Double in
            switch entry.1 {
            case .counter, .bucket: return Double(Int.random(in: 0...1_000_000, using: &generator))
            case let .gauge(base): return base
            }
        }
        for sample in 0..<Self.samplesPerSeries {
            let time = Self.start + Int64(sample) * Self.interval
            let app = head.appender()
            for (i, entry) in all.enumerated() {
                switch entry.1 {
                case let .counter(rate):
                    values[i] += (rate * 10 * Double.random(in: 0.5...1.5, using: &generator)).rounded()
                case let .bucket(rate, fraction):
                    values[i] += (rate * 10 * fraction).rounded()
                case let .gauge(base):
                    values[i] = ((base + base * 0.1 * Double.random(in: -1...1, using: &generator)) * 1000).rounded() / 1000
                }
                refs[i] = try app.append(refs[i], entry.0, time, values[i])
            }
            try app.commit()
        }
    }
}
