import MetricModel
import Storage

/// Reads the head over [mint, maxt]. Series are found through the postings; their chunk lists are
/// snapshotted when the series set is produced, and decoded lazily by the iterator.
struct HeadQuerier: Querier {
    let head: Head
    let mint: Timestamp
    let maxt: Timestamp

    private func matchingSeries(_ matchers: [LabelMatcher]) -> [MemSeries] {
        let refs = head.index.withLock { $0.postings.select(matchers) }
        return head.series(for: refs)
    }

    func select(sorted: Bool, hints: SelectHints?, matchers: [LabelMatcher]) throws -> any SeriesSet {
        var found: [any Series] = []
        for series in matchingSeries(matchers) {
            let chunks = series.chunks(overlapping: mint, maxt)
            if chunks.isEmpty { continue }
            found.append(HeadSeries(labels: series.labels, chunks: chunks, mint: mint, maxt: maxt))
        }
        if sorted { found.sort { $0.labels < $1.labels } }
        return ArraySeriesSet(found)
    }

    func labelValues(name: String, matchers: [LabelMatcher]) throws -> [String] {
        if matchers.isEmpty { return head.index.withLock { $0.postings.values(of: name) } }
        var values = Set<String>()
        for series in matchingSeries(matchers) where series.chunks(overlapping: mint, maxt).count > 0 {
            if let value = series.labels[name] { values.insert(value) }
        }
        return values.sorted()
    }

    func labelNames(matchers: [LabelMatcher]) throws -> [String] {
        if matchers.isEmpty { return head.index.withLock { $0.postings.names } }
        var names = Set<String>()
        for series in matchingSeries(matchers) where series.chunks(overlapping: mint, maxt).count > 0 {
            for label in series.labels { names.insert(label.name) }
        }
        return names.sorted()
    }
}

/// A head series snapshot: labels and the chunks overlapping the query range.
struct HeadSeries: Series {
    let labels: Labels
    let chunks: [HeadChunk]
    let mint: Timestamp
    let maxt: Timestamp

    func makeIterator() -> any SampleIterator { ChunkListIterator(chunks: chunks, mint: mint, maxt: maxt) }
}

/// Iterates a list of time-ordered, non-overlapping chunks, limited to [mint, maxt].
final class ChunkListIterator: SampleIterator {
    private let chunks: [HeadChunk]
    private let mint: Timestamp
    private let maxt: Timestamp
    private var chunkIndex = -1
    private var current: XORIterator?

    init(chunks: [HeadChunk], mint: Timestamp, maxt: Timestamp) {
        self.chunks = chunks
        self.mint = mint
        self.maxt = maxt
    }

    private func advanceChunk() -> Bool {
        chunkIndex += 1
        guard chunkIndex < chunks.count else { current = nil; return false }
        current = chunks[chunkIndex].makeIterator()
        return true
    }

    func next() -> Bool {
        if chunkIndex < 0 { return seek(mint) }
        while current != nil {
            if current!.next() { return current!.timestamp <= maxt }
            if !advanceChunk() { return false }
        }
        return false
    }

    func seek(_ timestamp: Timestamp) -> Bool {
        let target = max(timestamp, mint)
        if chunkIndex < 0 { _ = advanceChunk() }
        while current != nil {
            if let hi = chunks[chunkIndex].maxTime, hi < target {
                if !advanceChunk() { return false }
                continue
            }
            if current!.seek(target) { return current!.timestamp <= maxt }
            if !advanceChunk() { return false }
        }
        return false
    }

    var timestamp: Timestamp { current!.timestamp }
    var value: Double { current!.value }
}
