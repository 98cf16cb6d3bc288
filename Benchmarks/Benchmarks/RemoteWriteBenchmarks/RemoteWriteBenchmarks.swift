import Benchmark
import MetricModel
import RemoteWrite
import Storage
import TSDB

// Receiving remote write: one request as Prometheus sends it by default (max_samples_per_send
// 2000: one sample each of 2,000 series with 6 labels), snappy-decoded, protobuf-decoded and
// appended to an in-memory head through one appender. Each iteration sends the next request
// (timestamps 15 s later), so every sample is a real append.

let nsPerSample = BenchmarkMetric.custom("ns / sample", polarity: .prefersSmaller, useScalingFactor: false)
let seriesPerRequest = 2_000
let requests = 300

/// `requests + 1` wire bodies with successive timestamps, and a receiver over a fresh head.
final class RemoteWriteFixture {
    let receiver: RemoteWriteReceiver
    let bodies: [[UInt8]]
    var next = 0

    init() throws {
        receiver = RemoteWriteReceiver(storage: Head())
        var bodies: [[UInt8]] = []
        // One more than measured: the benchmark's warm-up iteration sends the first.
        for index in 0...requests {
            var request = Prometheus_WriteRequest()
            for series in 0..<seriesPerRequest {
                var timeSeries = Prometheus_TimeSeries()
                let labels = [("__name__", "http_requests_total"), ("job", "api-gateway"),
                              ("instance", "10.0.\(series / 100).\(series % 100):8080"),
                              ("method", series % 2 == 0 ? "GET" : "POST"), ("code", "\(200 + series % 5)"),
                              ("path", "/v1/items/\(series % 20)")]
                timeSeries.labels = labels.map { name, value in
                    var label = Prometheus_Label()
                    label.name = name
                    label.value = value
                    return label
                }
                var sample = Prometheus_Sample()
                sample.timestamp = 1_700_000_000_000 + Int64(index) * 15_000
                sample.value = Double(index * 3 + series % 7)
                timeSeries.samples = [sample]
                request.timeseries.append(timeSeries)
            }
            bodies.append(Snappy.compress(try request.serializedBytes()))
        }
        self.bodies = bodies
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, nsPerSample],
        units: [nsPerSample: .count],
        maxDuration: .seconds(5),
        maxIterations: requests
    )
    Benchmark("Remote write receive 2k samples", configuration: configuration) { benchmark, fixture in
        guard fixture.next < fixture.bodies.count else { return }
        let body = fixture.bodies[fixture.next]
        fixture.next += 1
        let start = ContinuousClock.now
        let outcome = fixture.receiver.receive(body: body, contentType: "application/x-protobuf", contentEncoding: "snappy")
        let elapsed = ContinuousClock.now - start
        benchmark.stopMeasurement()
        if outcome.status != 204 { benchmark.error("request refused: \(outcome.status) \(outcome.message ?? "")") }
        benchmark.measurement(nsPerSample, Int(elapsed / .nanoseconds(1)) / seriesPerRequest)
    } setup: {
        try RemoteWriteFixture()
    }
}
