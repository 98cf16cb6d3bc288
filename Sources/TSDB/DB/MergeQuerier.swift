import MetricModel
import Storage

/// A querier over several queriers (blocks and the head) as if they were one.
///
/// Contract: `select` merges the children's sorted series by labels; a label set found in
/// several children becomes one series whose samples are merged by time, a timestamp found in
/// several children read once (from the last child holding it, the head being last). Output is
/// sorted whether or not `sorted` was asked (the merge needs it). Label names and values are the
/// sorted union of the children's.
struct MergeQuerier: Querier {
    let children: [any Querier]

    init(_ children: [any Querier]) { self.children = children }

    func select(sorted: Bool, hints: SelectHints?, matchers: [LabelMatcher]) throws -> any SeriesSet {
        MergeSeriesSet(try children.map { try $0.select(sorted: true, hints: hints, matchers: matchers) })
    }

    func labelValues(name: String, matchers: [LabelMatcher]) throws -> [String] {
        var all = Set<String>()
        for child in children { all.formUnion(try child.labelValues(name: name, matchers: matchers)) }
        return all.sorted()
    }

    func labelNames(matchers: [LabelMatcher]) throws -> [String] {
        var all = Set<String>()
        for child in children { all.formUnion(try child.labelNames(matchers: matchers)) }
        return all.sorted()
    }
}

/// Merges sorted series sets by labels.
final class MergeSeriesSet: SeriesSet {
    private let sets: [any SeriesSet]
    private var heads: [(any Series)?]
    private var started = false

    init(_ sets: [any SeriesSet]) {
        self.sets = sets
        heads = Array(repeating: nil, count: sets.count)
    }

    func next() throws -> (any Series)? {
        if !started {
            started = true
            for index in sets.indices { heads[index] = try sets[index].next() }
        }
        var smallest: Labels?
        for case let series? in heads where smallest == nil || series.labels < smallest! { smallest = series.labels }
        guard let labels = smallest else { return nil }
        var parts: [any Series] = []
        for index in heads.indices where heads[index]?.labels == labels {
            parts.append(heads[index]!)
            heads[index] = try sets[index].next()
        }
        return parts.count == 1 ? parts[0] : MergedSeries(labels: labels, parts: parts)
    }
}

/// One label set's samples from several sources.
struct MergedSeries: Series {
    let labels: Labels
    let parts: [any Series]

    func makeIterator() -> any SampleIterator { MergingSampleIterator(parts.map { $0.makeIterator() }) }
}

/// Merges time-ordered iterators into one; on equal timestamps the last iterator's sample wins
/// and the others are skipped.
final class MergingSampleIterator: SampleIterator {
    private let children: [any SampleIterator]
    /// Whether each child has a current sample.
    private var live: [Bool]
    private var current = -1
    private var started = false

    init(_ children: [any SampleIterator]) {
        self.children = children
        live = Array(repeating: false, count: children.count)
    }

    func next() -> Bool {
        if !started {
            started = true
            for index in children.indices { live[index] = children[index].next() }
        } else if current >= 0 {
            let t = children[current].timestamp
            for index in children.indices where live[index] && children[index].timestamp == t {
                live[index] = children[index].next()
            }
        }
        return pick()
    }

    func seek(_ timestamp: Timestamp) -> Bool {
        if started, current >= 0, live[current], children[current].timestamp >= timestamp { return true }
        started = true
        for index in children.indices {
            if live[index] && children[index].timestamp >= timestamp { continue }
            live[index] = children[index].seek(timestamp)
        }
        return pick()
    }

    private func pick() -> Bool {
        current = -1
        var best = Timestamp.max
        for index in children.indices where live[index] && children[index].timestamp <= best {
            best = children[index].timestamp
            current = index
        }
        return current >= 0
    }

    var timestamp: Timestamp { children[current].timestamp }
    var value: Double { children[current].value }
}
