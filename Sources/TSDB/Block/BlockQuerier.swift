import MetricModel
import Storage

/// Reads one block over [mint, maxt]: series found through the index's postings, their chunks read
/// (and checksum-checked) one series at a time as the series set advances.
struct BlockQuerier: Querier {
    let block: Block
    let mint: Timestamp
    let maxt: Timestamp
    /// The block's tombstones when the querier was created.
    let deleted: Tombstones

    func select(sorted: Bool, hints: SelectHints?, matchers: [LabelMatcher]) throws -> any SeriesSet {
        // References increase in label order, so the set is always sorted.
        BlockSeriesSet(querier: self, refs: try block.index.select(matchers), labelsOnly: hints?.labelsOnly ?? false)
    }

    /// The matching series that have a sample in the range, as labels.
    private func matchingLabels(_ matchers: [LabelMatcher]) throws(BlockError) -> [Labels] {
        var found: [Labels] = []
        for ref in try block.index.select(matchers) {
            let entry = try block.index.series(ref)
            if try hasSample(ref, entry.chunks) { found.append(entry.labels) }
        }
        return found
    }

    /// Whether series `ref` has a sample in the range that is not deleted. Reads chunk data only
    /// when the chunk metas cannot tell.
    func hasSample(_ ref: UInt32, _ metas: [ChunkMeta]) throws(BlockError) -> Bool {
        deleted[ref].isEmpty
            ? try !block.chunksWithSamples(metas, mint: mint, maxt: maxt).isEmpty
            : try chunks(ref, metas) != nil
    }

    /// The chunks of series `ref` to read for the range, or nil when no sample that is not
    /// deleted falls in it.
    func chunks(_ ref: UInt32, _ metas: [ChunkMeta]) throws(BlockError) -> [BlockChunk]? {
        let intervals = deleted[ref]
        let selected = intervals.isEmpty
            ? try block.chunksWithSamples(metas, mint: mint, maxt: maxt)
            : metas.filter { $0.maxTime >= mint && $0.minTime <= maxt }
        if selected.isEmpty { return nil }
        var chunks: [BlockChunk] = []
        chunks.reserveCapacity(selected.count)
        for meta in selected { chunks.append(try block.chunk(meta)) }
        if !intervals.isEmpty, !BlockChunkIterator(chunks: chunks, mint: mint, maxt: maxt, deleted: intervals).next() {
            return nil
        }
        return chunks
    }

    func labelValues(name: String, matchers: [LabelMatcher]) throws -> [String] {
        if matchers.isEmpty { return try block.index.values(of: name) }
        return Set(try matchingLabels(matchers).compactMap { $0[name] }).sorted()
    }

    func labelNames(matchers: [LabelMatcher]) throws -> [String] {
        if matchers.isEmpty { return block.index.names.map(\.name) }
        return Set(try matchingLabels(matchers).flatMap { $0.map(\.name) }).sorted()
    }
}

/// Produces the selected series one by one, skipping those without a chunk in range.
final class BlockSeriesSet: SeriesSet {
    private let querier: BlockQuerier
    private let refs: [UInt32]
    /// Only labels are wanted: chunk data is read only if a series' samples are iterated after all.
    private let labelsOnly: Bool
    private var position = 0

    init(querier: BlockQuerier, refs: [UInt32], labelsOnly: Bool) {
        self.querier = querier
        self.refs = refs
        self.labelsOnly = labelsOnly
    }

    func next() throws -> (any Series)? {
        while position < refs.count {
            let ref = refs[position]
            position += 1
            let entry = try querier.block.index.series(ref)
            if labelsOnly {
                if try querier.hasSample(ref, entry.chunks) {
                    return BlockLabelsOnlySeries(labels: entry.labels, querier: querier, ref: ref, metas: entry.chunks)
                }
                continue
            }
            if let chunks = try querier.chunks(ref, entry.chunks) {
                return BlockQuerySeries(labels: entry.labels, chunks: chunks, mint: querier.mint, maxt: querier.maxt,
                                        deleted: querier.deleted[ref])
            }
        }
        return nil
    }
}

/// A block series limited to a range: its chunks overlapping the range, decoded lazily.
struct BlockQuerySeries: Series {
    let labels: Labels
    let chunks: [BlockChunk]
    let mint: Timestamp
    let maxt: Timestamp
    let deleted: [DeletedInterval]

    func makeIterator() -> any SampleIterator { BlockChunkIterator(chunks: chunks, mint: mint, maxt: maxt, deleted: deleted) }

    /// Decodes the chunks directly, as head series do; a series with deleted samples goes through
    /// its iterator, which skips them.
    func appendSamples(after: Timestamp, through: Timestamp, timestamps: inout [Timestamp], values: inout [Double]) {
        guard deleted.isEmpty else {
            appendSamplesByIterating(after: after, through: through, timestamps: &timestamps, values: &values)
            return
        }
        let low = mint == .min ? after : max(after, mint - 1), high = min(through, maxt)
        appendChunkSamples(chunks, low: low, high: high, timestamps: &timestamps, values: &values,
                           span: { ($0.minTime, $0.maxTime) }, decoder: { XORIterator(bytes: $0.bytes) })
    }
}

/// A series selected with the `labelsOnly` hint: its chunks are read only if it is iterated, and
/// a chunk that fails to read then ends the iteration early (a labels-only caller does not iterate).
struct BlockLabelsOnlySeries: Series {
    let labels: Labels
    let querier: BlockQuerier
    let ref: UInt32
    let metas: [ChunkMeta]

    func makeIterator() -> any SampleIterator {
        let chunks = (try? querier.chunks(ref, metas)) ?? nil
        return BlockChunkIterator(chunks: chunks ?? [], mint: querier.mint, maxt: querier.maxt, deleted: querier.deleted[ref])
    }
}

/// Iterates time-ordered, non-overlapping block chunks, limited to [mint, maxt] and skipping
/// samples in deleted intervals. A chunk whose bytes do not decode ends the iteration (its
/// record's checksum was already verified).
final class BlockChunkIterator: SampleIterator {
    private let chunks: [BlockChunk]
    private let mint: Timestamp
    private let maxt: Timestamp
    private let deleted: [DeletedInterval]
    private var chunkIndex = -1
    private var current: XORIterator?

    init(chunks: [BlockChunk], mint: Timestamp, maxt: Timestamp, deleted: [DeletedInterval] = []) {
        self.chunks = chunks
        self.mint = mint
        self.maxt = maxt
        self.deleted = deleted
    }

    func next() -> Bool { advance() && skipDeleted() }

    func seek(_ timestamp: Timestamp) -> Bool { position(atLeast: timestamp) && skipDeleted() }

    /// Moves past deleted samples; true when positioned on a kept sample within maxt.
    private func skipDeleted() -> Bool {
        while let interval = deleted.first(where: { $0.contains(current!.timestamp) }) {
            if interval.maxTime == .max || !position(atLeast: interval.maxTime + 1) { return false }
        }
        return true
    }

    private func advanceChunk() -> Bool {
        chunkIndex += 1
        guard chunkIndex < chunks.count else { current = nil; return false }
        current = XORIterator(bytes: chunks[chunkIndex].bytes)
        return true
    }

    private func advance() -> Bool {
        if chunkIndex < 0 { return position(atLeast: mint) }
        while current != nil {
            if current!.next() { return current!.timestamp <= maxt }
            if !advanceChunk() { return false }
        }
        return false
    }

    private func position(atLeast timestamp: Timestamp) -> Bool {
        let target = max(timestamp, mint)
        if chunkIndex < 0 { _ = advanceChunk() }
        while current != nil {
            if chunks[chunkIndex].maxTime < target {
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

extension Block {
    /// The chunks of a series overlapping [mint, maxt], or none when no sample falls in the range.
    /// A chunk's first and last samples are at its minTime and maxTime, so only a single chunk
    /// that starts before and ends after the range can overlap it without a sample inside; that
    /// one is decoded to find out.
    func chunksWithSamples(_ metas: [ChunkMeta], mint: Timestamp, maxt: Timestamp) throws(BlockError) -> [ChunkMeta] {
        let overlapping = metas.filter { $0.maxTime >= mint && $0.minTime <= maxt }
        if overlapping.count == 1, overlapping[0].minTime < mint, overlapping[0].maxTime > maxt {
            var samples = XORIterator(bytes: try chunk(overlapping[0]).bytes)
            if !(samples.seek(mint) && samples.timestamp <= maxt) { return [] }
        }
        return overlapping
    }
}
