import Benchmark
import BenchmarkFixtures
import MetricModel
import Storage
import TSDB

// The in-memory head: appending one scrape's worth of samples, and selecting series through the
// postings index.
//
// Series are the gateway body's series (see BenchmarkFixtures) exposed by 100 targets: 10 jobs of
// 10 instances each, every target exposing `count / 100` series, with `job` and `instance` added
// as a scraper would. Values are small integers, timestamps 15 s apart.

let jobs = ["api-gateway", "auth", "billing", "catalog", "checkout", "inventory", "notifications",
            "payments", "search", "shipping"]
let instancesPerJob = 10

let nsPerSample = BenchmarkMetric.custom("ns / sample", polarity: .prefersSmaller, useScalingFactor: false)
let seriesSelected = BenchmarkMetric.custom("series selected", polarity: .prefersSmaller, useScalingFactor: false)

/// `count` label sets spread over the 100 targets. Each target exposes the first `count / 100`
/// series of a gateway body (for 1k series that is 10: a counter and 9 histogram buckets).
func targetSeries(_ count: Int) -> [Labels] {
    let targets = jobs.count * instancesPerJob
    let wanted = count / targets
    let bodySeries = (wanted + GatewayExposition.seriesPerEndpoint - 1) / GatewayExposition.seriesPerEndpoint
        * GatewayExposition.seriesPerEndpoint
    let perTarget = GatewayExposition(series: bodySeries).seriesLabels().prefix(wanted)
    var all: [Labels] = []
    all.reserveCapacity(count)
    for (j, job) in jobs.enumerated() {
        for i in 0..<instancesPerJob {
            let instance = "10.0.\(j).\(i + 10):8080"
            for labels in perTarget {
                all.append(labels.setting("job", to: job).setting("instance", to: instance))
            }
        }
    }
    return all
}

/// A head holding every series already (created by a first scrape), with the references that
/// scrape returned, and the time of the next scrape.
final class ScrapedHead {
    let head = Head()
    let labels: [Labels]
    var refs: [SeriesRef] = []
    var time = SampleShape.startTime
    var scrapes = 0

    init(series: Int) throws {
        labels = targetSeries(series)
        refs = Array(repeating: 0, count: labels.count)
        try scrape()
    }

    /// Appends one sample to every series, reusing the cached references.
    func scrape() throws {
        let app = head.appender()
        for i in labels.indices {
            refs[i] = try app.append(refs[i], labels[i], time, Double(scrapes * 10 + i % 97))
        }
        try app.commit()
        time += SampleShape.scrapeInterval
        scrapes += 1
    }
}

let benchmarks: @Sendable () -> Void = {
    let appendConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident, nsPerSample],
        units: [nsPerSample: .count],
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    for series in [1_000, 10_000, 100_000, 1_000_000] {
        let size = series >= 1_000_000 ? "\(series / 1_000_000)M" : "\(series / 1_000)k"
        Benchmark("Head append \(size) series", configuration: appendConfiguration) { benchmark, state in
            let start = ContinuousClock.now
            do {
                try state.scrape()
            } catch {
                benchmark.error("append failed: \(error)")
            }
            let elapsed = ContinuousClock.now - start
            benchmark.stopMeasurement()
            benchmark.measurement(nsPerSample, Int(elapsed / .nanoseconds(1)) / series)
        } setup: {
            try ScrapedHead(series: series)
        }
    }

    // Selection over 100k series, each with one sample so every matched series is returned.
    let selectConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, seriesSelected],
        units: [seriesSelected: .count],
        maxDuration: .seconds(3)
    )
    // The last two intersect postings lists: two equality matchers, then a name, an equality and a
    // regex (whose matching values' lists are merged first).
    let selections: [(name: String, sorted: Bool, matchers: () throws -> [LabelMatcher])] = [
        ("job=\"checkout\"", false, { [try LabelMatcher(.equal, "job", "checkout")] }),
        ("job=\"checkout\" sorted", true, { [try LabelMatcher(.equal, "job", "checkout")] }),
        ("status_code=~\"5..\"", false, { [try LabelMatcher(.regexMatch, "status_code", "5..")] }),
        ("job=\"checkout\",status_code=\"500\"", false, {
            [try LabelMatcher(.equal, "job", "checkout"), try LabelMatcher(.equal, "status_code", "500")]
        }),
        ("http_requests_total{job=\"checkout\",status_code=~\"5..\"}", false, {
            [try LabelMatcher(.equal, "__name__", "http_requests_total"), try LabelMatcher(.equal, "job", "checkout"),
             try LabelMatcher(.regexMatch, "status_code", "5..")]
        }),
    ]
    for selection in selections {
        Benchmark("Head select \(selection.name) (100k series)", configuration: selectConfiguration) { benchmark, state in
            let (scraped, matchers) = state
            do {
                let querier = try scraped.head.querier(mint: .min, maxt: .max)
                let set = try querier.select(sorted: selection.sorted, hints: nil, matchers: matchers)
                var count = 0
                while let series = try set.next() {
                    blackHole(series)
                    count += 1
                }
                benchmark.stopMeasurement()
                benchmark.measurement(seriesSelected, count)
            } catch {
                benchmark.error("select failed: \(error)")
            }
        } setup: {
            (try ScrapedHead(series: 100_000), try selection.matchers())
        }
    }
}
