import MetricModel
import Storage

/// The database's querier: each call reads the head, then the blocks (see
/// `Database.readParts`), and merges them.
///
/// Contract: `select` merges the parts' sorted series by labels; a label set found in several
/// parts becomes one series whose samples are merged by time, a timestamp found in several parts
/// read once (from the head when it holds it). Output is sorted whether or not `sorted` was asked
/// (the merge needs it). Label names and values are the sorted union of the parts'.
struct DatabaseQuerier: Querier {
    let database: Database
    let mint: Timestamp
    let maxt: Timestamp

    func select(sorted: Bool, hints: SelectHints?, matchers: [LabelMatcher]) throws -> any SeriesSet {
        let sets = try database.readParts(mint: mint, maxt: maxt,
            headFirst: { try $0.select(sorted: true, hints: hints, matchers: matchers) },
            thenBlocks: { try $0.map { try $0.select(sorted: true, hints: hints, matchers: matchers) } })
        return sets.count == 1 ? sets[0] : MergeSeriesSet(sets)
    }

    func labelValues(name: String, matchers: [LabelMatcher]) throws -> [String] {
        let lists = try database.readParts(mint: mint, maxt: maxt,
            headFirst: { try $0.labelValues(name: name, matchers: matchers) },
            thenBlocks: { try $0.map { try $0.labelValues(name: name, matchers: matchers) } })
        return lists.count == 1 ? lists[0] : Set(lists.joined()).sorted()
    }

    func labelNames(matchers: [LabelMatcher]) throws -> [String] {
        let lists = try database.readParts(mint: mint, maxt: maxt,
            headFirst: { try $0.labelNames(matchers: matchers) },
            thenBlocks: { try $0.map { try $0.labelNames(matchers: matchers) } })
        return lists.count == 1 ? lists[0] : Set(lists.joined()).sorted()
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
///
/// Contract: `makeIterator()` and `appendSamples` yield the same samples — by time, and on equal
/// timestamps the last part's sample only (`MergingSampleIterator`).
struct MergedSeries: Series {
    let labels: Labels
    let parts: [any Series]

    func makeIterator() -> any SampleIterator { MergingSampleIterator(parts.map { $0.makeIterator() }) }

    /// Reads each part in bulk. Parts usually cover disjoint time ranges (blocks, then the head):
    /// those are appended in time order as they are; parts that overlap are merged sample by sample.
    func appendSamples(after: Timestamp, through: Timestamp, timestamps: inout [Timestamp], values: inout [Double]) {
        var times: [[Timestamp]] = [], floats: [[Double]] = []
        for part in parts {
            var t: [Timestamp] = [], v: [Double] = []
            part.appendSamples(after: after, through: through, timestamps: &t, values: &v)
            times.append(t)
            floats.append(v)
        }
        let order = times.indices.filter { !times[$0].isEmpty }.sorted { times[$0][0] < times[$1][0] }
        if zip(order, order.dropFirst()).allSatisfy({ times[$0.0].last! < times[$0.1][0] }) {
            for i in order {
                timestamps.append(contentsOf: times[i])
                values.append(contentsOf: floats[i])
            }
            return
        }
        var next = [Int](repeating: 0, count: parts.count)
        while true {
            var best = Timestamp.max, chosen = -1
            for i in parts.indices where next[i] < times[i].count && times[i][next[i]] <= best {
                best = times[i][next[i]]
                chosen = i
            }
            guard chosen >= 0 else { return }
            timestamps.append(best)
            values.append(floats[chosen][next[chosen]])
            for i in parts.indices where next[i] < times[i].count && times[i][next[i]] == best { next[i] += 1 }
        }
    }
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
