import Benchmark
import BenchmarkFixtures
import Exposition
import MetricModel
import Storage
import TSDB

// Parsing an API-gateway scrape body (text format), alone and followed by appending every sample
// into the head the way the scrape loop does.

let nsPerSample = BenchmarkMetric.custom("ns / sample", polarity: .prefersSmaller, useScalingFactor: false)

/// Parses a whole body, touching every sample's series bytes and value; returns the sample count.
func parseBody(_ body: [UInt8]) throws -> Int {
    var parser = ExpositionParser(bytes: body, format: .prometheusText)
    var samples = 0
    while true {
        switch try parser.next() {
        case .eof:
            return samples
        case .sample:
            blackHole(parser.seriesBytes.count)
            blackHole(parser.value)
            samples += 1
        default:
            continue
        }
    }
}

/// One target's scrape loop writing into a head: the series cache maps the series bytes of a body
/// to the label set and reference, so only the first scrape decodes labels.
final class ScrapeLoop {
    struct CachedSeries {
        let labels: Labels
        var ref: SeriesRef
    }

    let head = Head()
    let bodies: [[UInt8]]
    var cache: [ArraySlice<UInt8>: CachedSeries] = [:]
    var time = SampleShape.startTime
    var scrapes = 0

    init(bodies: [[UInt8]]) { self.bodies = bodies }

    /// Parses the next body and appends all of its samples at the scrape time; returns the count.
    @discardableResult
    func scrape() throws -> Int {
        var parser = ExpositionParser(bytes: bodies[scrapes % bodies.count], format: .prometheusText)
        let app = head.appender()
        var samples = 0
        while true {
            let entry = try parser.next()
            if entry == .eof { break }
            guard entry == .sample else { continue }
            let key = parser.seriesBytes
            if let cached = cache[key] {
                try app.append(cached.ref, cached.labels, time, parser.value)
            } else {
                let labels = try parser.labels()
                let ref = try app.append(0, labels, time, parser.value)
                cache[key] = CachedSeries(labels: labels, ref: ref)
            }
            samples += 1
        }
        try app.commit()
        time += SampleShape.scrapeInterval
        scrapes += 1
        return samples
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident, nsPerSample],
        units: [nsPerSample: .count],
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    /// Runs `work` (which returns the number of samples handled) timed for the ns / sample metric.
    func measure(_ benchmark: Benchmark, _ work: () throws -> Int) {
        do {
            let start = ContinuousClock.now
            let samples = try work()
            let elapsed = ContinuousClock.now - start
            benchmark.stopMeasurement()
            benchmark.measurement(nsPerSample, Int(elapsed / .nanoseconds(1)) / max(samples, 1))
        } catch {
            benchmark.error("\(error)")
        }
    }

    for series in [10_000, 100_000] {
        let size = "\(series / 1_000)k series"

        Benchmark("Parse \(size)", configuration: configuration) { benchmark, body in
            measure(benchmark) { try parseBody(body) }
        } setup: {
            GatewayExposition(series: series).body(scrape: 0)
        }

        // Every iteration is a first scrape into an empty head: labels decoded, series created.
        Benchmark("Parse+append first scrape \(size)", configuration: configuration) { benchmark, bodies in
            let loop = ScrapeLoop(bodies: bodies)
            benchmark.startMeasurement()
            measure(benchmark) { try loop.scrape() }
        } setup: {
            [GatewayExposition(series: series).body(scrape: 0)]
        }

        // Later scrapes: every series is in the cache, so only bytes are hashed and values appended.
        Benchmark("Parse+append cached scrape \(size)", configuration: configuration) { benchmark, loop in
            measure(benchmark) { try loop.scrape() }
        } setup: {
            let gateway = GatewayExposition(series: series)
            let loop = ScrapeLoop(bodies: (0..<4).map { gateway.body(scrape: $0) })
            try loop.scrape()
            return loop
        }
    }
}
