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
        // The pin is taken under the index lock, before any found series can be dropped.
        let (matching, version, total, nextRef, pin) = head.index.withLock { index in
            let refs = index.postings.select(matchers)
            return (refs.compactMap { index.series[$0] }, index.postings.version, index.series.count, index.nextRef,
                    head.symbols.pin())
        }
        let ordered = sorted ? head.sortedByLabels(matching, version: version, total: total, nextRef: nextRef) : matching
        // Chunk lists are taken now (the snapshot); label sets are rebuilt as the series are read.
        var kept: [MemSeries] = []
        var chunks: [HeadChunk] = []
        var ends: [Int32] = []
        kept.reserveCapacity(ordered.count)
        ends.reserveCapacity(ordered.count)
        for series in ordered {
            let before = chunks.count
            series.appendChunks(overlapping: mint, maxt, to: &chunks)
            if chunks.count > before {
                kept.append(series)
                ends.append(Int32(truncatingIfNeeded: chunks.count))
            }
        }
        return HeadSeriesSet(head: head, pin: pin, series: kept, chunks: chunks, ends: ends,
                             range: HeadReadRange(mint: mint, maxt: maxt))
    }

    func labelValues(name: String, matchers: [LabelMatcher]) throws -> [String] {
        if matchers.isEmpty { return head.index.withLock { $0.postings.values(of: name) } }
        var values = Set<String>()
        for labels in head.labels(of: matchingSeries(matchers).filter { $0.chunks(overlapping: mint, maxt).count > 0 }) {
            if let value = labels[name] { values.insert(value) }
        }
        return values.sorted()
    }

    func labelNames(matchers: [LabelMatcher]) throws -> [String] {
        if matchers.isEmpty { return head.index.withLock { $0.postings.names } }
        var names = Set<String>()
        for labels in head.labels(of: matchingSeries(matchers).filter { $0.chunks(overlapping: mint, maxt).count > 0 }) {
            for label in labels { names.insert(label.name) }
        }
        return names.sorted()
    }
}

/// The series of one head selection, produced one at a time.
///
/// Contract: yields `series[i]` with the chunks `chunks[ends[i-1]..<ends[i]]` taken at selection,
/// in order. Label sets are rebuilt from the symbol table a batch at a time as they are reached,
/// so a selection of many series never holds all their label sets at once; the pin keeps the
/// ids readable until the set is gone.
final class HeadSeriesSet: SeriesSet {
    private let head: Head
    private let pin: SymbolPin
    private let series: [MemSeries]
    private let chunks: [HeadChunk]
    private let ends: [Int32]
    private let range: HeadReadRange
    private var position = 0
    private var batch: [Labels] = []
    private var batchStart = 0

    /// Label sets rebuilt per lock taken.
    static let batchSize = 128

    init(head: Head, pin: SymbolPin, series: [MemSeries], chunks: [HeadChunk], ends: [Int32], range: HeadReadRange) {
        precondition(chunks.count <= Int(Int32.max), "a head selection of more than 2^31 chunks")
        self.head = head
        self.pin = pin
        self.series = series
        self.chunks = chunks
        self.ends = ends
        self.range = range
    }

    func next() throws -> (any Series)? {
        guard position < series.count else { return nil }
        if position >= batchStart + batch.count {
            batchStart = position
            let upTo = min(series.count, position + Self.batchSize)
            batch = head.labels(of: series[position..<upTo])
        }
        let first = position == 0 ? 0 : Int(ends[position - 1])
        let one = HeadSeries(labels: batch[position - batchStart], chunks: chunks[first..<Int(ends[position])],
                             range: range)
        position += 1
        return one
    }
}

/// The time range of one head read.
struct HeadReadRange {
    let mint: Timestamp
    let maxt: Timestamp
}

/// A head series snapshot: labels and the chunks overlapping the query range.
///
/// A class, so that the engine's copies of `any Series` values retain one object instead of
/// the labels, the chunk list and the range separately.
final class HeadSeries: Series {
    let labels: Labels
    /// A slice of the selection's one chunk array (not a copy of its part).
    let chunks: ArraySlice<HeadChunk>
    let range: HeadReadRange

    init(labels: Labels, chunks: ArraySlice<HeadChunk>, range: HeadReadRange) {
        self.labels = labels
        self.chunks = chunks
        self.range = range
    }

    func makeIterator() -> any SampleIterator {
        ChunkListIterator(chunks: Array(chunks), mint: range.mint, maxt: range.maxt)
    }

    /// Decodes the chunks directly (no iterator object, no dynamic call per sample). A chunk whose
    /// bytes are corrupt ends where its decoding fails, as `ChunkListIterator` does.
    func appendSamples(after: Timestamp, through: Timestamp, timestamps: inout [Timestamp], values: inout [Double]) {
        let low = range.mint == .min ? after : max(after, range.mint - 1), high = min(through, range.maxt)
        appendChunkSamples(chunks, low: low, high: high, timestamps: &timestamps, values: &values,
                           span: { chunk in chunk.minTime.flatMap { first in chunk.maxTime.map { (first, $0) } } },
                           decoder: { $0.makeIterator() })
    }
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
