import Foundation
import MetricModel

/// Writes immutable blocks: `meta.json`, `index` and `chunks/NNNNNN` segment files in one
/// directory named by a new ULID (layout in docs/format/block.md).
public enum BlockWriter {
    /// Writes `series` (sorted by labels, strictly increasing; chunks within [minTime, maxTime)) as block `<parent>/<new ulid>`:
    /// everything goes into `<parent>/<ulid>.tmp`, files and directory are fsynced, then renamed, so a crash never leaves a half block visible.
    /// Memory: chunk bytes are streamed to the chunk files as series arrive; only labels (packed: `IndexedSeriesTable`) + chunk references are held until the index is written.
    /// Series without chunks are skipped. Returns the meta (stats counted).
    ///
    /// Errors: `invalidInput` for unsorted or duplicate series, chunks out of order, overlapping or
    /// outside the block's range, or too short to be XOR chunks; `empty` when no series has a chunk
    /// (no directory is left behind); `io` for failed file operations. On any error the `.tmp`
    /// directory is removed. `sources` nil means `[ulid]` (a block cut from the head).
    public static func write(parent: String, minTime: Timestamp, maxTime: Timestamp, level: Int, sources: [String]?,
                             series: some Sequence<BlockSeries>) throws(BlockError) -> BlockMeta {
        try write(parent: parent, ulid: BlockDirectory.newULID(), minTime: minTime, maxTime: maxTime, level: level,
                  sources: sources, series: series, segmentSize: ChunkSegment.defaultMaxSize)
    }

    /// `write` with a chosen ULID and segment size (tests use small segments).
    static func write(parent: String, ulid: String, minTime: Timestamp, maxTime: Timestamp, level: Int,
                      sources: [String]?, series: some Sequence<BlockSeries>,
                      segmentSize: Int) throws(BlockError) -> BlockMeta {
        let final = parent + "/" + ulid
        let temporary = final + ".tmp"
        guard minTime < maxTime else {
            throw BlockError(.invalidInput, path: final, "block range [\(minTime), \(maxTime)) is empty")
        }
        try blockIO(parent) { () throws(WALError) in try WALFiles.makeDirectories(parent) }
        if WALFiles.isDirectory(temporary) { try blockIO(temporary) { () throws(WALError) in try WALFiles.remove(temporary) } }
        try blockIO(temporary) { () throws(WALError) in try WALFiles.makeDirectories(temporary + "/chunks") }
        do throws(BlockError) {
            let meta = try writeContents(directory: temporary, ulid: ulid, minTime: minTime, maxTime: maxTime,
                                         level: level, sources: sources ?? [ulid], series: series, segmentSize: segmentSize)
            try blockIO(temporary) { () throws(WALError) in
                try WALFiles.syncDirectory(temporary + "/chunks")
                try WALFiles.syncDirectory(temporary)
                try WALFiles.rename(temporary, final)
                try WALFiles.syncDirectory(parent)
            }
            return meta
        } catch {
            try? WALFiles.remove(temporary)
            throw error
        }
    }

    private static func writeContents(directory: String, ulid: String, minTime: Timestamp, maxTime: Timestamp,
                                      level: Int, sources: [String], series: some Sequence<BlockSeries>,
                                      segmentSize: Int) throws(BlockError) -> BlockMeta {
        let chunks = ChunkSegmentWriter(directory: directory + "/chunks", maxSize: segmentSize)
        var indexed = IndexedSeriesTable()
        var stats = BlockMeta.Stats(numSamples: 0, numSeries: 0, numChunks: 0)
        var previous: Labels?
        for (position, entry) in series.enumerated() {
            func reject(_ reason: String) -> BlockError {
                BlockError(.invalidInput, path: directory, "series \(position) \(entry.labels): \(reason)")
            }
            if entry.chunks.isEmpty { continue }
            if entry.labels.isEmpty { throw reject("empty label set") }
            if let previous, !(previous < entry.labels) {
                throw reject("not after the previous series \(previous); series must be sorted by labels and unique")
            }
            var metas: [ChunkMeta] = []
            metas.reserveCapacity(entry.chunks.count)
            var lastMax: Timestamp?
            for (number, chunk) in entry.chunks.enumerated() {
                if chunk.minTime > chunk.maxTime {
                    throw reject("chunk \(number) has minTime \(chunk.minTime) after maxTime \(chunk.maxTime)")
                }
                if chunk.minTime < minTime || chunk.maxTime >= maxTime {
                    throw reject("chunk \(number) [\(chunk.minTime), \(chunk.maxTime)] is outside the block range [\(minTime), \(maxTime))")
                }
                if let lastMax, chunk.minTime <= lastMax {
                    throw reject("chunk \(number) starts at \(chunk.minTime), not after the previous chunk's end \(lastMax)")
                }
                if chunk.bytes.count < 2 || chunk.sampleCount == 0 {
                    throw reject("chunk \(number) holds no samples (\(chunk.bytes.count) bytes)")
                }
                lastMax = chunk.maxTime
                metas.append(ChunkMeta(minTime: chunk.minTime, maxTime: chunk.maxTime, ref: try chunks.append(chunk.bytes)))
                stats.numSamples += chunk.sampleCount
            }
            stats.numChunks += metas.count
            stats.numSeries += 1
            indexed.append(labels: entry.labels, chunks: metas)
            previous = entry.labels
        }
        guard indexed.count > 0 else {
            throw BlockError(.empty, path: directory, "no series with chunks: an empty block is not written")
        }
        let segmentSizes = try chunks.finish()
        indexed.finishAppending()
        try IndexWriter.write(path: directory + "/index", series: indexed, segmentSizes: segmentSizes)
        let meta = BlockMeta(ulid: ulid, minTime: minTime, maxTime: maxTime, stats: stats,
                             compaction: .init(level: level, sources: sources))
        let metaFile = try BlockFileWriter(path: directory + "/" + Block.metaFileName)
        try metaFile.write(try encode(meta, path: metaFile.path))
        try metaFile.finish()
        return meta
    }

    static func encode(_ meta: BlockMeta, path: String) throws(BlockError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { return Array(try encoder.encode(meta)) + [0x0A] } catch {
            throw BlockError(.io, path: path, "cannot encode meta: \(error)")
        }
    }
}
