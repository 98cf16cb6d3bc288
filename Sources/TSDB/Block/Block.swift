import Foundation
import MetricModel
import Storage
import Synchronization

/// An immutable, persisted block opened for reading: its meta, its memory-mapped index and chunk
/// segment files (layout in docs/format/block.md).
///
/// Contract: `open` validates before anything is read (meta.json, the index header, table of
/// contents and section checksums, each chunk segment's header and exact size); a chunk record's
/// checksum is checked when the chunk is read. Queriers follow the `Querier` contract: series in
/// label order, only those with a sample in range. After `close()` new queriers throw; using a
/// querier, series or sequence obtained before `close()` afterwards is a programming error (the
/// mapping is gone), so callers close a block only when no reader holds it.
public final class Block: Queryable, Sendable {
    public static let metaFileName = "meta.json"
    public static let indexFileName = "index"
    public static let chunksDirectoryName = "chunks"

    public let meta: BlockMeta
    public let directory: String
    /// Bytes of meta.json, index and chunk segments together.
    public let sizeOnDisk: Int64
    let index: IndexReader
    let segments: [MappedFile]
    /// Deleted intervals; replaced (never mutated in place) by `delete`, so readers snapshot it.
    let tombstones: Mutex<Tombstones>
    private let closed = Atomic<Bool>(false)

    private init(meta: BlockMeta, directory: String, sizeOnDisk: Int64, index: IndexReader, segments: [MappedFile],
                 tombstones: Tombstones) {
        self.meta = meta
        self.directory = directory
        self.sizeOnDisk = sizeOnDisk
        self.index = index
        self.segments = segments
        self.tombstones = Mutex(tombstones)
    }

    deinit { close() }

    /// Opens and validates `<directory>` (meta.json, index TOC + section CRCs, chunk files' sizes); memory-maps index and chunk files.
    public static func open(_ directory: String) throws(BlockError) -> Block {
        let metaPath = directory + "/" + metaFileName
        let metaBytes = try blockIO(metaPath) { () throws(WALError) in try WALFiles.read(metaPath) }
        let meta: BlockMeta
        do {
            meta = try JSONDecoder().decode(BlockMeta.self, from: Data(metaBytes))
        } catch {
            throw BlockError(.corrupt, path: metaPath, "not valid block metadata: \(error)")
        }
        guard meta.version == BlockMeta.currentVersion else {
            throw BlockError(.corrupt, path: metaPath, "unsupported block version \(meta.version)")
        }
        let indexFile = try MappedFile(path: directory + "/" + indexFileName)
        var mapped = [indexFile]
        do throws(BlockError) {
            let index = try IndexReader(file: indexFile)
            var segments: [MappedFile] = []
            var size = Int64(metaBytes.count) + Int64(indexFile.count)
            for (position, expected) in index.segmentSizes.enumerated() {
                let path = directory + "/" + chunksDirectoryName + "/" + ChunkSegment.name(position + 1)
                guard let actual = try fileSize(path) else {
                    throw BlockError(.corrupt, path: path, "missing; the index expects a chunk segment of \(expected) bytes")
                }
                if actual < expected {
                    throw BlockError.corrupt(path, at: actual, "file ends here but the index expects \(expected) bytes (truncated)")
                }
                if actual > expected {
                    throw BlockError.corrupt(path, at: expected, "\(actual - expected) bytes after the end the index records")
                }
                let segment = try MappedFile(path: path)
                mapped.append(segment)
                guard segment.count >= ChunkSegment.headerSize, segment.be32(at: 0) == ChunkSegment.magic else {
                    throw BlockError.corrupt(path, at: 0, "not a chunk segment (bad magic number)")
                }
                guard segment.buffer[4] == ChunkSegment.version else {
                    throw BlockError.corrupt(path, at: 4, "unsupported chunk segment version \(segment.buffer[4])")
                }
                segments.append(segment)
                size += Int64(actual)
            }
            var tombstones = Tombstones()
            let tombstonesPath = directory + "/" + Tombstones.fileName
            if try fileSize(tombstonesPath) != nil {
                let file = try MappedFile(path: tombstonesPath)
                defer { file.unmap() }
                tombstones = try Tombstones.decode(file)
            }
            return Block(meta: meta, directory: directory, sizeOnDisk: size, index: index, segments: segments,
                         tombstones: tombstones)
        } catch {
            for file in mapped { file.unmap() }
            throw error
        }
    }

    public func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        try checkOpen()
        return BlockQuerier(block: self, mint: mint, maxt: maxt, deleted: tombstones.withLock { $0 })
    }

    private func checkOpen() throws(BlockError) {
        guard !closed.load(ordering: .acquiring) else { throw BlockError(.closed, path: directory, "block is closed") }
    }

    /// Marks the samples in `[mint, maxt]` of every series matching `matchers` as deleted, by
    /// rewriting the block's `tombstones` file atomically (written as `tombstones.tmp`, fsynced,
    /// renamed). Queriers created afterwards no longer see those samples, nor series left without
    /// a sample in their range; `allSeries()` leaves them out, so a compaction drops them for good.
    /// The index is unchanged: `labelValues`/`labelNames` without matchers still list them.
    public func delete(matchers: [LabelMatcher], mint: Timestamp, maxt: Timestamp) throws(BlockError) {
        try checkOpen()
        guard mint <= maxt else { return }
        let refs = try index.select(matchers)
        try tombstones.withLock { (current: inout Tombstones) throws(BlockError) in
            var updated = current
            for ref in refs {
                let entry = try index.series(ref)
                if entry.chunks.contains(where: { $0.maxTime >= mint && $0.minTime <= maxt }) {
                    updated.add(ref, DeletedInterval(minTime: mint, maxTime: maxt))
                }
            }
            guard updated != current else { return }
            let path = directory + "/" + Tombstones.fileName
            let temporary = path + ".tmp"
            try blockIO(temporary) { () throws(WALError) in try WALFiles.remove(temporary) }
            let file = try BlockFileWriter(path: temporary)
            try file.write(updated.encoded())
            try file.finish()
            try blockIO(path) { () throws(WALError) in
                try WALFiles.rename(temporary, path)
                try WALFiles.syncDirectory(directory)
            }
            current = updated
        }
    }

    /// Every series, sorted by labels, produced lazily (for compaction: bounded memory, never the
    /// whole block at once). Iteration stops at the first chunk that fails to read; the sequence's
    /// `error` then says why, so a compaction must check it before trusting what it wrote.
    public func allSeries() -> BlockSeriesSequence { BlockSeriesSequence(block: self) }

    /// Unmaps the files. Idempotent.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        index.file.unmap()
        for segment in segments { segment.unmap() }
    }

    /// Reads and checks the chunk record `meta` points at.
    func chunk(_ meta: ChunkMeta) throws(BlockError) -> BlockChunk {
        let number = Int(meta.ref >> 32), offset = Int(meta.ref & 0xFFFF_FFFF)
        guard number >= 1, number <= segments.count else {
            throw BlockError.corrupt(index.file.path, at: nil, "chunk reference names segment \(number), but the block has \(segments.count)")
        }
        let segment = segments[number - 1]
        guard offset >= ChunkSegment.headerSize, offset < segment.count else {
            throw BlockError.corrupt(segment.path, at: offset, "chunk reference points outside the segment (\(segment.count) bytes)")
        }
        var decoder = ByteDecoder(segment, from: offset, to: segment.count)
        let length = try decoder.count(limit: decoder.remaining, "chunk length")
        guard decoder.remaining >= length + 5 else {
            throw BlockError.corrupt(segment.path, at: offset, "chunk record of \(length) bytes runs past the end of the segment")
        }
        let encodingOffset = decoder.position
        let encoding = try decoder.byte()
        let bytes = try decoder.bytes(count: length)
        let stored = try decoder.be32()
        guard segment.checksum(encodingOffset..<(encodingOffset + 1 + length)) == stored else {
            throw BlockError.corrupt(segment.path, at: offset, "chunk checksum mismatch")
        }
        guard encoding == ChunkSegment.xorEncoding else {
            throw BlockError.corrupt(segment.path, at: encodingOffset, "unknown chunk encoding \(encoding)")
        }
        return BlockChunk(minTime: meta.minTime, maxTime: meta.maxTime, bytes: bytes)
    }
}

/// The series of a block in label order, read one at a time (see `Block.allSeries()`).
///
/// Contract: each iteration re-reads the block from the start. When a chunk fails to read the
/// iteration ends early and `error` holds the reason; it is nil after a complete iteration.
public struct BlockSeriesSequence: Sequence {
    final class Failure { var error: BlockError? }

    let block: Block
    private let failure = Failure()

    init(block: Block) { self.block = block }

    /// Why the last iteration stopped early, or nil.
    public var error: BlockError? { failure.error }

    public func makeIterator() -> Iterator { Iterator(block: block, failure: failure) }

    /// Produces the next series; deleted samples are left out (chunks holding some are
    /// re-encoded), and so are series left without samples.
    public struct Iterator: IteratorProtocol {
        let block: Block
        let failure: Failure
        private let deleted: Tombstones
        private var refs: [UInt32]?
        private var position = 0

        init(block: Block, failure: Failure) {
            self.block = block
            self.failure = failure
            deleted = block.tombstones.withLock { $0 }
            failure.error = nil
        }

        public mutating func next() -> BlockSeries? {
            do throws(BlockError) {
                if refs == nil { refs = try block.index.allPostings() }
                while position < refs!.count {
                    let ref = refs![position]
                    let entry = try block.index.series(ref)
                    position += 1
                    var chunks: [BlockChunk] = []
                    chunks.reserveCapacity(entry.chunks.count)
                    let intervals = deleted[ref]
                    for meta in entry.chunks {
                        let chunk = try block.chunk(meta)
                        if intervals.contains(where: { $0.maxTime >= meta.minTime && $0.minTime <= meta.maxTime }) {
                            if let kept = Self.removing(intervals, from: chunk) { chunks.append(kept) }
                        } else {
                            chunks.append(chunk)
                        }
                    }
                    if !chunks.isEmpty { return BlockSeries(labels: entry.labels, chunks: chunks) }
                }
                return nil
            } catch {
                failure.error = error
                refs = []
                return nil
            }
        }

        /// `chunk` re-encoded without the samples in `intervals`, or nil when none is left.
        static func removing(_ intervals: [DeletedInterval], from chunk: BlockChunk) -> BlockChunk? {
            var samples = XORIterator(bytes: chunk.bytes)
            var kept = XORChunk()
            while samples.next() {
                if intervals.contains(where: { $0.contains(samples.timestamp) }) { continue }
                kept.append(samples.timestamp, samples.value)
            }
            guard let minTime = kept.minTime, let maxTime = kept.maxTime else { return nil }
            return BlockChunk(minTime: minTime, maxTime: maxTime, bytes: kept.bytes)
        }
    }
}
