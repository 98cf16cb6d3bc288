import MetricModel
import Storage

/// The head's cardinality as `/api/v1/status/tsdb` reports it: counts from the postings index
/// and the top entries of four rankings.
///
/// Contract: every list is sorted by count, largest first, ties by name ascending, and holds at
/// most the `limit` it was computed with. Memory per label name is Prometheus's estimate for
/// its default label layout: for every value, (uvarint size of the name's length + name bytes +
/// uvarint size of the value's length + value bytes) × series carrying the pair.
public struct CardinalityStats: Sendable, Equatable {
    /// One ranked entry: a metric name, label name or `name=value` pair and its count.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var value: UInt64
        public init(name: String, value: UInt64) {
            self.name = name
            self.value = value
        }
    }

    public var numSeries = 0
    /// Distinct label name/value pairs in the index.
    public var numLabelPairs = 0
    public var chunkCount = 0
    /// Oldest and newest sample time (`Int64.max` / `Int64.min` while the head is empty).
    public var minTime: Timestamp = .max
    public var maxTime: Timestamp = .min
    public var seriesCountByMetricName: [Entry] = []
    public var labelValueCountByLabelName: [Entry] = []
    public var memoryInBytesByLabelName: [Entry] = []
    public var seriesCountByLabelValuePair: [Entry] = []
}

/// Where WAL replay stands, as Prometheus's `/api/v1/status/walreplay` reports it: the first
/// and last segment numbers replay reads and the one it is on (all 0 before it starts and for
/// an in-memory head).
public struct WALReplayStatus: Sendable, Equatable {
    public var min = 0
    public var max = 0
    public var current = 0
    public init(min: Int = 0, max: Int = 0, current: Int = 0) {
        self.min = min
        self.max = max
        self.current = current
    }
}

extension Head {
    /// Counts and top-`limit` rankings from the postings index, read under the index lock
    /// without copying any series: series per metric name, values per label name, label memory
    /// per label name and series per label pair.
    public func cardinalityStats(limit: Int) -> CardinalityStats {
        let limit = Swift.max(limit, 1)
        var stats = CardinalityStats()
        var metrics = TopEntries(limit: limit)
        var valueCounts = TopEntries(limit: limit)
        var memory = TopEntries(limit: limit)
        var pairs = TopEntries(limit: limit)
        index.withLock { index in
            stats.numSeries = index.series.count
            for (name, values) in index.postings.byName {
                valueCounts.offer(UInt64(values.count)) { name }
                stats.numLabelPairs += values.count
                var bytes: UInt64 = 0
                let nameSize = uvarintSize(name.utf8.count) + name.utf8.count
                for (value, refs) in values {
                    let count = UInt64(refs.count)
                    if name == Labels.metricName { metrics.offer(count) { value } }
                    pairs.offer(count) { name + "=" + value }
                    bytes += UInt64(nameSize + uvarintSize(value.utf8.count) + value.utf8.count) * count
                }
                memory.offer(bytes) { name }
            }
        }
        let counters = self.stats
        stats.chunkCount = counters.chunks
        stats.minTime = counters.minTime
        stats.maxTime = counters.maxTime
        stats.seriesCountByMetricName = metrics.sorted
        stats.labelValueCountByLabelName = valueCounts.sorted
        stats.memoryInBytesByLabelName = memory.sorted
        stats.seriesCountByLabelValuePair = pairs.sorted
        return stats
    }

    /// The replay's progress: see `WALReplayStatus`.
    public var walReplayStatus: WALReplayStatus { replayStatus.withLock { $0 } }
}

private func uvarintSize(_ value: Int) -> Int {
    var size = 1
    var rest = value >> 7
    while rest > 0 { size += 1; rest >>= 7 }
    return size
}

/// The `limit` largest entries seen, kept sorted (largest first, ties by name); a name is built
/// only for an entry that makes the cut.
struct TopEntries {
    let limit: Int
    private(set) var sorted: [CardinalityStats.Entry] = []

    init(limit: Int) { self.limit = limit }

    mutating func offer(_ value: UInt64, _ name: () -> String) {
        if sorted.count == limit, let last = sorted.last, value < last.value { return }
        let entry = CardinalityStats.Entry(name: name(), value: value)
        if sorted.count == limit, let last = sorted.last, !Self.before(entry, last) { return }
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if Self.before(sorted[middle], entry) { low = middle + 1 } else { high = middle }
        }
        sorted.insert(entry, at: low)
        if sorted.count > limit { sorted.removeLast() }
    }

    static func before(_ a: CardinalityStats.Entry, _ b: CardinalityStats.Entry) -> Bool {
        a.value != b.value ? a.value > b.value : a.name < b.name
    }
}
