import Benchmark
import BenchmarkFixtures
import Foundation
import MetricModel
import Storage
import TSDB

// Restart cost: opening a head from what a running server left on disk — the write-ahead log and
// the memory-mapped head chunks (`chunks_head`) — for 10k series, 2 hours at 15 s (480 samples a
// series, 4 closed chunks and an open one). Each iteration replays a fresh copy of the same
// directory into a new head, as `ember` does after a restart or a crash.

let nsPerSample = BenchmarkMetric.custom("ns / sample", polarity: .prefersSmaller, useScalingFactor: false)

/// A data directory written once by a head, copied for every iteration (a replay may repair or
/// truncate what it reads, so each must start from the original).
final class WrittenHead {
    let original: String
    let samples: Int
    private var copies = 0

    init(series count: Int, scrapes: Int) throws {
        original = NSTemporaryDirectory() + "ember-walreplay-\(getpid())-\(count)"
        try? FileManager.default.removeItem(atPath: original)
        let head = try Head.open(directory: original)
        let labels = (0..<count).map { i in
            Labels(["__name__": "replay_metric_\(i % 100)", "job": "node", "instance": "10.0.\(i / 250).\(i % 250):9100",
                    "series": "\(i)"])
        }
        var refs = [SeriesRef](repeating: 0, count: count)
        var time = SampleShape.startTime
        for scrape in 0..<scrapes {
            let app = head.appender()
            for i in labels.indices {
                refs[i] = try app.append(refs[i], labels[i], time, Double(scrape * 3 + i % 17))
            }
            try app.commit()
            time += SampleShape.scrapeInterval
        }
        try head.close()
        samples = count * scrapes
    }

    deinit { try? FileManager.default.removeItem(atPath: original) }

    /// A fresh copy of the written directory.
    func copy() throws -> String {
        copies += 1
        let path = original + "-run\(copies)"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: original, toPath: path)
        return path
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal, nsPerSample],
        units: [nsPerSample: .count],
        maxDuration: .seconds(10),
        maxIterations: 10
    )
    Benchmark("WAL replay 10k series × 2h at 15s", configuration: configuration) { benchmark, written in
        let directory: String
        do { directory = try written.copy() } catch {
            benchmark.error("copying the data directory failed: \(error)")
            return
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        do {
            let head = try Head.open(directory: directory)
            let elapsed = ContinuousClock.now - start
            benchmark.stopMeasurement()
            benchmark.measurement(nsPerSample, Int(elapsed / .nanoseconds(1)) / written.samples)
            try head.close()
        } catch {
            benchmark.error("replay failed: \(error)")
        }
    } setup: {
        try WrittenHead(series: 10_000, scrapes: 480)
    }
}
