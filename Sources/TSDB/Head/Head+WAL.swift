import Logging
import MetricModel
import Storage

/// What a write-ahead-log replay restored and what it had to cut away.
public struct ReplayReport: Sendable, Equatable {
    /// A damaged segment: `file` was truncated to `offset` bytes because of `reason`.
    public struct Corruption: Sendable, Equatable {
        public var file: String
        public var offset: Int
        public var reason: String
    }

    public var series = 0
    public var samples = 0
    /// Files read: checkpoint files and segments.
    public var files = 0
    public var corruptions: [Corruption] = []
    /// Samples whose series record is missing (lost to a corruption); dropped.
    public var unknownReferenceSamples = 0
    /// Samples not newer than their series' previous sample (overlap of a checkpoint with the
    /// segments after it); dropped.
    public var skippedSamples = 0
    /// Samples removed by deletion records (`/api/v1/admin/tsdb/delete_series`).
    public var deletedSamples = 0
    /// Chunks taken from `chunks_head` files instead of the log.
    public var mappedChunks = 0
    /// Logged samples skipped because a chunk on disk holds them already.
    public var samplesInMappedChunks = 0
    /// Damaged `chunks_head` files: truncated at the last good chunk (or deleted when nothing
    /// in them was good). The files after one are deleted too.
    public var chunkFileCorruptions: [Corruption] = []
    public var duration: Duration = .zero
}

extension Head {
    /// Reads the write-ahead log into memory and opens it for writing; appends are accepted from
    /// then on. Call once, before anything else touches the head.
    ///
    /// First the `chunks_head` files are read (a damaged tail is cut, see `HeadChunkStore.load`);
    /// each series record of the log then gets its chunks from them, and the log's samples at or
    /// before a series' last chunk on disk are skipped. Chunks that end before the last
    /// truncation's cut, or before the oldest sample left in the log, were truncated before the
    /// restart (only their files outlived it) and are dropped again, so the head holds what it
    /// held before the restart.
    ///
    /// Order: the newest complete checkpoint (older ones, `.tmp` leftovers and segments it covers
    /// are deleted), then every later segment in number order. A segment that ends in a torn,
    /// CRC-failing or undecodable record is truncated to its last good record, with a warning
    /// naming the file and offset; replay then goes on with the next segment, whose records are
    /// intact (samples of series whose record was lost are dropped and counted). New records go to
    /// a fresh segment after the last one.
    @discardableResult
    public func replayWAL() throws(WALError) -> ReplayReport {
        guard let wal else { throw WALError("this head has no write-ahead log") }
        guard currentPhase == .replaying else { throw WALError("write-ahead log \(wal.directory) was already replayed") }
        let clock = ContinuousClock()
        let started = clock.now
        let directory = wal.directory
        let names = try WALFiles.list(directory)
        for name in names where name.hasSuffix(".tmp") { try WALFiles.remove(directory + "/" + name) }
        let checkpoints = names.compactMap(Checkpoint.number).sorted()
        var segments = names.compactMap(Checkpoint.segmentNumber).sorted()
        var replayer = WALReplayer(head: self)
        var truncatedBefore = Timestamp.min
        if let headChunks {
            let loaded = try headChunks.load()
            replayer.mapped = loaded.chunks
            replayer.report.chunkFileCorruptions = loaded.corruptions
            truncatedBefore = loaded.truncatedBefore
            replayer.truncatedBefore = truncatedBefore
        }
        let firstToRead = checkpoints.last.map { last in segments.first { $0 > last } ?? last + 1 } ?? segments.first ?? 0
        let lastToRead = Swift.max(segments.last ?? firstToRead, firstToRead)
        replayStatus.withLock { $0 = WALReplayStatus(min: firstToRead, max: lastToRead, current: firstToRead) }
        if let last = checkpoints.last {
            let checkpointDirectory = directory + "/" + Checkpoint.name(last)
            for file in try WALFiles.list(checkpointDirectory).compactMap(Checkpoint.segmentNumber).sorted() {
                _ = try replayer.replay(file: checkpointDirectory + "/" + WriteAheadLog.segmentName(file), windowSize: options.walReplayWindow)
            }
            for older in checkpoints.dropLast() { try WALFiles.remove(directory + "/" + Checkpoint.name(older)) }
            for covered in segments where covered <= last { try WALFiles.remove(wal.path(ofSegment: covered)) }
            segments.removeAll { $0 <= last }
        }
        var ranges: [Int: WriteAheadLog.SampleRange] = [:]
        var previous: Int?
        for number in segments {
            if let previous, number != previous + 1 {
                logger?.warning("WAL segments missing", metadata: [
                    "dir": "\(directory)", "after": "\(WriteAheadLog.segmentName(previous))",
                    "before": "\(WriteAheadLog.segmentName(number))"])
            }
            previous = number
            replayStatus.withLock { $0.current = number }
            ranges[number] = try replayer.replay(file: wal.path(ofSegment: number), windowSize: options.walReplayWindow)
        }
        replayStatus.withLock { $0.current = $0.max }
        let next = max(segments.last ?? -1, checkpoints.last ?? -1) + 1
        replayer.dropMappedChunks(before: Swift.max(truncatedBefore, ranges.values.map(\.min).min() ?? .max))
        replayer.finish()
        wal.startWriting(nextSegment: next, existing: segments, ranges: ranges)
        var report = replayer.report
        report.duration = clock.now - started
        // A head closed while replaying stays closed.
        _ = phase.compareExchange(expected: Phase.replaying.rawValue, desired: Phase.open.rawValue, ordering: .acquiringAndReleasing)
        return report
    }

    /// Writes what is still queued, fsyncs and closes the write-ahead log; later commits fail.
    /// Does nothing for an in-memory head.
    public func close() throws(WALError) {
        phase.store(Phase.closed.rawValue, ordering: .releasing)
        try headChunks?.close()
        try wal?.close()
    }

    /// Lets the write-ahead log forget samples older than `mint`: cuts the current segment if it
    /// holds such samples, and when segments holding only older samples exist, writes a
    /// checkpoint with every live series in place of them and deletes them (and older
    /// checkpoints). Samples at or after `mint` always stay in segments, so nothing the head
    /// keeps is lost.
    func truncateWAL(before mint: Timestamp) throws(WALError) {
        guard let wal, currentPhase == .open else { return }
        try walTruncation.withLock { (_: inout ()) throws(WALError) in
            guard let last = try wal.cutForTruncation(before: mint) else { return }
            let all = index.withLock { Array($0.series.values) }.sorted { $0.ref < $1.ref }
            let live = zip(all, labels(of: all)).map { WALRecord.SeriesEntry(ref: $0.ref, labels: $1) }
            try Checkpoint.write(walDirectory: wal.directory, last: last, series: live)
            for number in wal.dropSegments(through: last) { try WALFiles.remove(wal.path(ofSegment: number)) }
            for name in try WALFiles.list(wal.directory) {
                if let older = Checkpoint.number(name), older < last { try WALFiles.remove(wal.directory + "/" + name) }
            }
            record { $0.walCheckpoints += 1 }
            logger?.info("WAL checkpoint complete", metadata: [
                "last_segment": "\(WriteAheadLog.segmentName(last))", "series": "\(live.count)", "mint": "\(mint)"])
        }
    }
}
