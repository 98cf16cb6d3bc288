import Config
import MetricModel
import Storage
@testable import Scrape

/// Every series in `storage` with its samples, sorted by labels (test helper).
func dump(_ storage: MemoryStorage) throws -> [(labels: Labels, samples: [(Timestamp, Double)])] {
    let set = try storage.querier(mint: .min, maxt: .max).select(sorted: true, hints: nil, matchers: [])
    var out: [(labels: Labels, samples: [(Timestamp, Double)])] = []
    while let series = try set.next() {
        var samples: [(Timestamp, Double)] = []
        let iterator = series.makeIterator()
        while iterator.next() { samples.append((iterator.timestamp, iterator.value)) }
        out.append((series.labels, samples))
    }
    return out
}

/// The samples of the one series whose labels print as `text` (e.g. `a{instance="h:1", job="j"}`).
func samples(_ storage: MemoryStorage, _ text: String) throws -> [(Timestamp, Double)] {
    try dump(storage).first { "\($0.labels)" == text }?.samples ?? []
}

/// Timestamps of the samples of `text` that are staleness markers.
func staleTimes(_ storage: MemoryStorage, _ text: String) throws -> [Timestamp] {
    try samples(storage, text).filter { $0.1.isStaleMarker }.map(\.0)
}

/// The printed label sets stored, sorted.
func seriesNames(_ storage: MemoryStorage) throws -> [String] {
    try dump(storage).map { "\($0.labels)" }
}

/// A static target for job `j` at `h:1` (test helper; override fields as needed).
func makeTarget(job: String = "j", address: String = "h:1", extraLabels: [String: String] = [:],
                honorLabels: Bool = false, honorTimestamps: Bool = true,
                interval: Int64 = 15_000, timeout: Int64 = 10_000) -> ScrapeTarget {
    var config = ScrapeConfig(jobName: job, scrapeInterval: interval, scrapeTimeout: timeout)
    config.honorLabels = honorLabels
    config.honorTimestamps = honorTimestamps
    config.staticConfigs = [StaticConfig(targets: [address], labels: Labels(extraLabels))]
    return ScrapeTarget.targets(of: config)[0]
}
