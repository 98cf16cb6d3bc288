import MetricModel
import Storage
import Synchronization

/// The in-memory head of the store: every active series with its Gorilla-encoded chunks, and the
/// postings index over their labels. Implements both storage seams.
///
/// Contract: appends are validated per series (out-of-order and duplicate-timestamp samples are
/// rejected and counted); committed samples are immediately visible to new queriers. `truncate`
/// drops whole chunks older than a time and garbage-collects series left without samples.
public final class Head: Appendable, Queryable, Sendable {
    public struct Options: Sendable {
        /// Samples per chunk before a new one is cut (Prometheus: 120).
        public var samplesPerChunk = 120
        public init() {}
    }

    /// Counters for self-monitoring, named after Prometheus's `prometheus_tsdb_head_*` metrics.
    public struct Stats: Sendable, Equatable {
        public var series = 0
        public var chunks = 0
        public var seriesCreated = 0
        public var seriesRemoved = 0
        public var samplesAppended = 0
        public var outOfOrderSamples = 0
        public var duplicateSamples = 0
        public var minTime: Timestamp = .max
        public var maxTime: Timestamp = .min
    }

    struct Index {
        var series: [SeriesRef: MemSeries] = [:]
        var byLabels: [Labels: SeriesRef] = [:]
        var postings = Postings()
        var nextRef: SeriesRef = 1
    }

    let options: Options
    let index = Mutex(Index())
    let statistics = Mutex(Stats())

    public init(options: Options = Options()) {
        self.options = options
    }

    public var stats: Stats {
        var stats = statistics.withLock { $0 }
        stats.series = index.withLock { $0.series.count }
        return stats
    }

    public func appender() -> any Appender { HeadAppender(head: self) }

    public func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        HeadQuerier(head: self, mint: mint, maxt: maxt)
    }

    /// The series for `labels`, created when new.
    func getOrCreate(_ ref: SeriesRef, _ labels: Labels) -> MemSeries {
        index.withLock { index in
            if ref != 0, let series = index.series[ref], series.labels == labels { return series }
            if let existing = index.byLabels[labels] { return index.series[existing]! }
            let series = MemSeries(ref: index.nextRef, labels: labels)
            index.nextRef += 1
            index.series[series.ref] = series
            index.byLabels[labels] = series.ref
            index.postings.add(series.ref, labels)
            statistics.withLock { $0.seriesCreated += 1 }
            return series
        }
    }

    func series(for refs: [SeriesRef]) -> [MemSeries] {
        index.withLock { index in refs.compactMap { index.series[$0] } }
    }

    func record(_ update: (inout Stats) -> Void) { statistics.withLock { update(&$0) } }

    /// Drops chunks whose samples are all older than `mint` and removes series left empty.
    /// Returns the number of series removed.
    @discardableResult
    public func truncate(before mint: Timestamp) -> Int {
        let all = index.withLock { Array($0.series.values) }
        var emptied: [MemSeries] = []
        var chunksRemoved = 0
        for series in all {
            let (removed, empty) = series.truncate(before: mint)
            chunksRemoved += removed
            if empty { emptied.append(series) }
        }
        index.withLock { index in
            var gone = Set<SeriesRef>()
            var labelSets: [Labels] = []
            for series in emptied where series.last == nil {
                gone.insert(series.ref)
                labelSets.append(series.labels)
                index.series[series.ref] = nil
                index.byLabels[series.labels] = nil
            }
            index.postings.remove(gone, labelSets)
            statistics.withLock {
                $0.seriesRemoved += gone.count
                $0.chunks -= chunksRemoved + gone.count
                if $0.minTime < mint { $0.minTime = mint }
            }
        }
        return emptied.count
    }
}
