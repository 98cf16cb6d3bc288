import MetricModel
import Synchronization

/// A simple storage that keeps every sample in arrays: the reference implementation of the
/// `Appendable`/`Queryable` contracts, for tests of the layers above storage.
///
/// Contract: same validation as the real head (out-of-order and duplicate detection per series);
/// everything lives in memory, nothing is ever dropped.
public final class MemoryStorage: Appendable, Queryable {
    struct StoredSeries {
        let labels: Labels
        var timestamps: [Timestamp] = []
        var values: [Double] = []
    }

    struct State {
        var series: [StoredSeries] = []
        var refs: [Labels: SeriesRef] = [:]
    }

    let state = Mutex(State())

    public init() {}

    public func appender() -> any Appender { MemoryAppender(storage: self) }

    public func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        MemoryQuerier(snapshot: state.withLock { $0.series }, mint: mint, maxt: maxt)
    }

    /// Adds samples directly (test helper).
    public func add(_ labels: Labels, _ samples: [(Timestamp, Double)]) throws {
        let app = appender()
        for (t, v) in samples { try app.append(0, labels, t, v) }
        try app.commit()
    }
}

final class MemoryAppender: Appender {
    private let storage: MemoryStorage
    private var pending: [(Labels, Timestamp, Double)] = []
    private var pendingLast: [Labels: (Timestamp, Double)] = [:]

    init(storage: MemoryStorage) { self.storage = storage }

    func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Timestamp, _ value: Double) throws(AppendError) -> SeriesRef {
        var labels = labels
        if labels.isEmpty {
            guard ref != 0 else { throw .invalidLabels("empty label set") }
            guard let known = storage.state.withLock({ state in
                Int(ref) <= state.series.count ? state.series[Int(ref) - 1].labels : nil
            }) else { throw .unknownReference }
            labels = known
        }
        // A new series gets its reference now (queries skip series without samples).
        let (stored, committedLast) = storage.state.withLock { [labels] state -> (SeriesRef, (Timestamp, Double)?) in
            guard let ref = state.refs[labels] else {
                state.series.append(MemoryStorage.StoredSeries(labels: labels))
                state.refs[labels] = SeriesRef(state.series.count)
                return (SeriesRef(state.series.count), nil)
            }
            let series = state.series[Int(ref) - 1]
            guard let t = series.timestamps.last else { return (ref, nil) }
            return (ref, (t, series.values.last!))
        }
        if let (t, v) = pendingLast[labels] ?? committedLast {
            if timestamp < t { throw .outOfOrder }
            if timestamp == t {
                if v.bitPattern != value.bitPattern { throw .duplicateSampleForTimestamp }
                return stored
            }
        }
        pending.append((labels, timestamp, value))
        pendingLast[labels] = (timestamp, value)
        return stored
    }

    func commit() throws(AppendError) {
        storage.state.withLock { state in
            for (labels, t, v) in pending {
                let ref: SeriesRef
                if let existing = state.refs[labels] {
                    ref = existing
                } else {
                    state.series.append(MemoryStorage.StoredSeries(labels: labels))
                    ref = SeriesRef(state.series.count)
                    state.refs[labels] = ref
                }
                state.series[Int(ref) - 1].timestamps.append(t)
                state.series[Int(ref) - 1].values.append(v)
            }
        }
        pending = []
    }

    func rollback() { pending = [] }
}

struct MemoryQuerier: Querier {
    let snapshot: [MemoryStorage.StoredSeries]
    let mint: Timestamp
    let maxt: Timestamp

    private func matching(_ matchers: [LabelMatcher]) -> [MemoryStorage.StoredSeries] {
        snapshot.filter { series in
            matchers.allSatisfy { $0.matches(series.labels) }
                && series.timestamps.contains { $0 >= mint && $0 <= maxt }
        }
    }

    func select(sorted: Bool, hints: SelectHints?, matchers: [LabelMatcher]) throws -> any SeriesSet {
        var found = matching(matchers).map { stored -> any Series in
            let range = stored.timestamps.indices.filter { stored.timestamps[$0] >= mint && stored.timestamps[$0] <= maxt }
            return ArraySeries(labels: stored.labels,
                               timestamps: range.map { stored.timestamps[$0] },
                               values: range.map { stored.values[$0] })
        }
        if sorted { found.sort { $0.labels < $1.labels } }
        return ArraySeriesSet(found)
    }

    func labelValues(name: String, matchers: [LabelMatcher]) throws -> [String] {
        Set(matching(matchers).compactMap { $0.labels[name] }).sorted()
    }

    func labelNames(matchers: [LabelMatcher]) throws -> [String] {
        Set(matching(matchers).flatMap { $0.labels.map(\.name) }).sorted()
    }
}

/// A series whose samples are held in two parallel arrays.
public struct ArraySeries: Series {
    public let labels: Labels
    let timestamps: [Timestamp]
    let values: [Double]

    public init(labels: Labels, timestamps: [Timestamp], values: [Double]) {
        self.labels = labels
        self.timestamps = timestamps
        self.values = values
    }

    public func makeIterator() -> any SampleIterator { ArraySampleIterator(timestamps: timestamps, values: values) }
}

/// Iterates two parallel arrays.
public final class ArraySampleIterator: SampleIterator {
    private let timestamps: [Timestamp]
    private let values: [Double]
    private var index = -1

    public init(timestamps: [Timestamp], values: [Double]) {
        self.timestamps = timestamps
        self.values = values
    }

    public func next() -> Bool {
        if index < timestamps.count { index += 1 }
        return index < timestamps.count
    }

    public func seek(_ timestamp: Timestamp) -> Bool {
        if index < 0 { index = 0 }
        while index < timestamps.count, timestamps[index] < timestamp { index += 1 }
        return index < timestamps.count
    }

    public var timestamp: Timestamp { timestamps[index] }
    public var value: Double { values[index] }
}
