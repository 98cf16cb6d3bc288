import MetricModel

/// Something series can be read from over a time range. The PromQL engine sees only this.
///
/// Contract: a querier sees a consistent snapshot of what was committed when it was created, limited
/// to samples with `mint <= t <= maxt`.
public protocol Queryable: Sendable {
    func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier
}

/// Extra knowledge the engine passes to `select`, which a storage may use to read less.
public struct SelectHints: Sendable, Equatable {
    public var start: Timestamp
    public var end: Timestamp
    /// Only the label sets are needed (e.g. `/api/v1/series`), not samples.
    public var labelsOnly: Bool

    public init(start: Timestamp, end: Timestamp, labelsOnly: Bool = false) {
        self.start = start
        self.end = end
        self.labelsOnly = labelsOnly
    }
}

/// Reads series from one snapshot.
///
/// Contract: `select` returns every series whose labels satisfy all matchers and that has at least
/// one sample in the querier's range, sorted by labels when `sorted` is true. At least one matcher
/// must not match the empty string, or the call may be refused. `labelNames` and `labelValues` list
/// the sorted, unique names and values of series matching `matchers` (all series when empty).
public protocol Querier {
    func select(sorted: Bool, hints: SelectHints?, matchers: [LabelMatcher]) throws -> any SeriesSet
    func labelValues(name: String, matchers: [LabelMatcher]) throws -> [String]
    func labelNames(matchers: [LabelMatcher]) throws -> [String]
}

/// A lazily produced sequence of series.
public protocol SeriesSet: AnyObject {
    /// The next series, or nil at the end.
    func next() throws -> (any Series)?
}

/// One series: its labels and a way to read its samples.
///
/// Contract: `appendSamples(after:through:timestamps:values:)` appends exactly the samples a
/// fresh iterator yields with `after < t <= through`, oldest first (staleness markers included);
/// storages may implement it without an iterator call per sample.
public protocol Series {
    var labels: Labels { get }
    /// A fresh iterator positioned before the first sample in range.
    func makeIterator() -> any SampleIterator
    /// Appends the samples with `after < t <= through` to `timestamps` and `values`.
    func appendSamples(after: Timestamp, through: Timestamp, timestamps: inout [Timestamp], values: inout [Double])
}

extension Series {
    public func appendSamples(after: Timestamp, through: Timestamp, timestamps: inout [Timestamp],
                              values: inout [Double]) {
        appendSamplesByIterating(after: after, through: through, timestamps: &timestamps, values: &values)
    }

    /// `appendSamples` through `makeIterator()`: what every implementation must match, and the
    /// path for series a storage cannot read in bulk.
    public func appendSamplesByIterating(after: Timestamp, through: Timestamp, timestamps: inout [Timestamp],
                                         values: inout [Double]) {
        guard after < through else { return }
        let iterator = makeIterator()
        guard iterator.seek(after &+ 1) else { return }
        repeat {
            let time = iterator.timestamp
            if time > through { return }
            timestamps.append(time)
            values.append(iterator.value)
        } while iterator.next()
    }
}

/// Walks a series' samples in increasing timestamp order.
///
/// Contract: before the first `next`/`seek` nothing is readable. `seek(t)` advances to the first
/// sample with timestamp >= t and never moves backwards (if already at or past t it stays).
/// Both return false when no sample remains.
public protocol SampleIterator: AnyObject {
    func next() -> Bool
    func seek(_ timestamp: Timestamp) -> Bool
    var timestamp: Timestamp { get }
    var value: Double { get }
}

/// A series set over an array, for storages that collect their answer first.
public final class ArraySeriesSet: SeriesSet {
    private var items: [any Series]
    private var position = 0

    public init(_ items: [any Series]) { self.items = items }

    public func next() throws -> (any Series)? {
        guard position < items.count else { return nil }
        defer { position += 1 }
        return items[position]
    }
}

extension SeriesSet {
    /// Drains the set into an array.
    public func collect() throws -> [any Series] {
        var all: [any Series] = []
        while let series = try next() { all.append(series) }
        return all
    }
}
