import Benchmark
import BenchmarkFixtures
import Foundation
import MetricModel
import Storage
import TSDB

// Persistent blocks: writing one 2-hour block, opening it, and reading it back through a querier
// and through allSeries() (what compaction does).
//
// The block holds 10k series (100 metric names × 10 jobs × 10 instances), each with 480 samples
// 15 s apart (2 h) cut into chunks of 120, values of the four sample shapes in turn: 4.8M samples.

let jobs = ["api-gateway", "auth", "billing", "catalog", "checkout", "inventory", "notifications",
            "payments", "search", "shipping"]
let samplesPerSeries = 480
let blockStart = SampleShape.startTime
let blockEnd = blockStart + 2 * 3600 * 1000

let seriesRead = BenchmarkMetric.custom("series read", polarity: .prefersSmaller, useScalingFactor: false)
let bytesOnDisk = BenchmarkMetric.custom("bytes on disk", polarity: .prefersSmaller, useScalingFactor: false)

/// The block's series, sorted by labels, with their chunks encoded.
func blockSeries() -> [BlockSeries] {
    let shapes = SampleShape.allCases.map { $0.samples(samplesPerSeries) }
    var all: [BlockSeries] = []
    var index = 0
    for metric in 0..<100 {
        for job in jobs {
            for instance in 0..<10 {
                let labels = Labels(["__name__": "metric_\(metric)", "job": job, "instance": "10.0.0.\(instance):8080"])
                let (timestamps, values) = shapes[index % shapes.count]
                index += 1
                var chunks: [BlockChunk] = []
                for start in stride(from: 0, to: samplesPerSeries, by: 120) {
                    var chunk = XORChunk()
                    for i in start..<(start + 120) { chunk.append(timestamps[i], values[i]) }
                    chunks.append(BlockChunk(minTime: timestamps[start], maxTime: timestamps[start + 119], bytes: chunk.bytes))
                }
                all.append(BlockSeries(labels: labels, chunks: chunks))
            }
        }
    }
    return all.sorted { $0.labels < $1.labels }
}

/// A temporary directory holding one written block.
final class WrittenBlock {
    let parent = NSTemporaryDirectory() + "ember-block-bench-" + UUID().uuidString
    let directory: String
    let meta: BlockMeta

    init() throws {
        meta = try BlockWriter.write(parent: parent, minTime: blockStart, maxTime: blockEnd, level: 1, sources: nil,
                                     series: blockSeries())
        directory = parent + "/" + meta.ulid
    }

    deinit { try? FileManager.default.removeItem(atPath: parent) }
}

/// A written block, opened (the `WrittenBlock` keeps the files until the state is released).
func openedBlock() throws -> (block: Block, files: WrittenBlock) {
    let written = try WrittenBlock()
    return (try Block.open(written.directory), written)
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, seriesRead, bytesOnDisk],
        units: [seriesRead: .count, bytesOnDisk: .count],
        maxDuration: .seconds(5),
        maxIterations: 20
    )

    Benchmark("Block write 10k series × 480 samples", configuration: configuration) { benchmark, series in
        let parent = NSTemporaryDirectory() + "ember-block-bench-" + UUID().uuidString
        do {
            let meta = try BlockWriter.write(parent: parent, minTime: blockStart, maxTime: blockEnd, level: 1,
                                             sources: nil, series: series)
            benchmark.stopMeasurement()
            let block = try Block.open(parent + "/" + meta.ulid)
            benchmark.measurement(bytesOnDisk, Int(block.sizeOnDisk))
            block.close()
        } catch {
            benchmark.error("write failed: \(error)")
        }
        try? FileManager.default.removeItem(atPath: parent)
    } setup: {
        blockSeries()
    }

    Benchmark("Block open 10k series", configuration: configuration) { benchmark, written in
        do {
            let block = try Block.open(written.directory)
            benchmark.stopMeasurement()
            block.close()
        } catch {
            benchmark.error("open failed: \(error)")
        }
    } setup: {
        try WrittenBlock()
    }

    let selections: [(name: String, matchers: () throws -> [LabelMatcher])] = [
        ("job=\"checkout\"", { [try LabelMatcher(.equal, "job", "checkout")] }),
        ("__name__=\"metric_7\",instance=\"10.0.0.3:8080\"", {
            [try LabelMatcher(.equal, "__name__", "metric_7"), try LabelMatcher(.equal, "instance", "10.0.0.3:8080")]
        }),
        ("__name__=~\"metric_1.\",job!=\"auth\"", {
            [try LabelMatcher(.regexMatch, "__name__", "metric_1."), try LabelMatcher(.notEqual, "job", "auth")]
        }),
    ]
    for selection in selections {
        Benchmark("Block select \(selection.name), every sample read", configuration: configuration) { benchmark, state in
            let ((block, _), matchers) = state
            do {
                let set = try block.querier(mint: blockStart, maxt: blockEnd - 1).select(sorted: true, hints: nil, matchers: matchers)
                var count = 0
                while let series = try set.next() {
                    let it = series.makeIterator()
                    while it.next() { blackHole(it.value) }
                    count += 1
                }
                benchmark.stopMeasurement()
                benchmark.measurement(seriesRead, count)
            } catch {
                benchmark.error("select failed: \(error)")
            }
        } setup: {
            (try openedBlock(), try selection.matchers())
        }
    }

    Benchmark("Block labelValues(instance) with a job matcher", configuration: configuration) { benchmark, state in
        do {
            let values = try state.0.querier(mint: blockStart, maxt: blockEnd - 1)
                .labelValues(name: "instance", matchers: [try LabelMatcher(.equal, "job", "search")])
            benchmark.stopMeasurement()
            benchmark.measurement(seriesRead, values.count)
        } catch {
            benchmark.error("labelValues failed: \(error)")
        }
    } setup: {
        try openedBlock()
    }

    Benchmark("Block allSeries 10k series (compaction read)", configuration: configuration) { benchmark, state in
        var count = 0
        for series in state.0.allSeries() {
            blackHole(series)
            count += 1
        }
        benchmark.stopMeasurement()
        benchmark.measurement(seriesRead, count)
    } setup: {
        try openedBlock()
    }
}
