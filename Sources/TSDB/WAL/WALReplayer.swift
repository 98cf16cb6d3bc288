import Dispatch
import MetricModel
import Storage

/// Applies replayed records to a head that nobody else uses yet.
struct WALReplayer {
    let head: Head
    var report = ReplayReport()
    /// Series by reference, including references that a later series record gave to labels an
    /// earlier reference already had (the series was dropped and came back).
    private var byRef = ReplayRefTable()
    private var chunks = 0
    /// The highest reference in any samples record, known or not: new series start above it.
    private var highestRef: SeriesRef = 0
    private var minTime = Timestamp.max
    private var maxTime = Timestamp.min
    /// Chunks found in `chunks_head`, by series reference, until their series record arrives.
    var mapped: [SeriesRef: [MappedChunk]] = [:]
    /// Series that got chunks from `mapped`.
    private var attached: [MemSeries] = []
    /// The last truncation's cut (see `MemSeries.append(replayFloor:)`).
    var truncatedBefore = Timestamp.min
    /// The time span of the chunks attached under each reference, to skip the samples they hold
    /// without touching the series (replay's hottest path once chunks are on disk).
    private var covered = ReplayCoverage()

    init(head: Head) { self.head = head }

    /// Bytes of a segment read at a time: replay's memory for the log is one window (plus one
    /// record larger than it, if any), not a whole 128 MiB segment.
    static let windowSize = 8 << 20

    /// Replays one file; truncates it at the first bad record. Returns its samples' time range.
    /// The file is read a window at a time; within a window, frames are checked and decoded a
    /// batch ahead on another thread while this one applies.
    mutating func replay(file path: String, windowSize: Int = WALReplayer.windowSize) throws(WALError) -> WriteAheadLog.SampleRange? {
        let file = try WALFileReader(path)
        defer { file.close() }
        report.files += 1
        var range: WriteAheadLog.SampleRange?
        var good = 0
        var problem: String?
        var window = windowSize
        reading: while good < file.size {
            let bytes = try file.read(at: good, count: window)
            let offsets = WALFrame.layout(bytes)
            guard !offsets.isEmpty else {
                if good + bytes.count < file.size {
                    // One record larger than the window: read it whole (or, if its header is
                    // damaged, the rest of the file, which then shows what is wrong).
                    let declared = bytes.count >= WALFrame.headerSize ? WALFrame.declaredLength(bytes) : nil
                    window = declared.map { WALFrame.headerSize + $0 } ?? file.size - good
                    if window <= bytes.count { window = file.size - good }
                    continue reading
                }
                if case let .failure(failure) = WALFrame.frame(in: bytes, at: 0) { problem = failure.description }
                break reading
            }
            window = windowSize
            var decoder = PipelinedFrameDecoder(bytes: bytes, offsets: offsets)
            while let batch = decoder.next() {
                for result in batch {
                    switch result {
                    case let .success((record, length)):
                        switch record {
                        case let .series(entries): addSeries(entries)
                        case let .samples(samples):
                            if let r = addSamples(samples) { range = range.map { var w = $0; w.widen(r); return w } ?? r }
                        case let .deletes(deletions): applyDeletes(deletions)
                        }
                        good += length
                    case let .failure(failure):
                        problem = failure.description
                        break reading
                    }
                }
            }
        }
        if let problem {
            head.logger?.warning("WAL corruption: truncating segment at the last good record", metadata: [
                "file": "\(path)", "offset": "\(good)", "dropped_bytes": "\(file.size - good)", "err": "\(problem)"])
            try WALFiles.truncate(path, to: good)
            report.corruptions.append(.init(file: path, offset: good, reason: problem))
        }
        return range
    }

    private mutating func addSeries(_ entries: [WALRecord.SeriesEntry]) {
        let symbols = head.symbols
        head.index.withLock { index in
            for entry in entries {
                if byRef[entry.ref] != nil { continue }
                if let known = symbols.find(entry.labels), let existing = index.ref(labeled: known) {
                    byRef[entry.ref] = index.series[existing]
                } else {
                    let labels = entry.labels
                    let ids = symbols.retain(labels)
                    let series = MemSeries(ref: entry.ref, labelIDs: ids)
                    if let found = mapped.removeValue(forKey: entry.ref), series.attach(found) {
                        attached.append(series)
                        covered.set(entry.ref, min: found[0].minTime, max: found[found.count - 1].maxTime)
                        chunks += found.count
                        report.mappedChunks += found.count
                    }
                    index.add(series)
                    index.postings.add(entry.ref, labels)
                    byRef[entry.ref] = series
                    report.series += 1
                }
                if entry.ref >= index.nextRef { index.nextRef = entry.ref + 1 }
            }
        }
    }

    private mutating func addSamples(_ samples: [WALSample]) -> WriteAheadLog.SampleRange? {
        var low = Timestamp.max, high = Timestamp.min
        let perChunk = head.options.samplesPerChunk
        for sample in samples {
            low = min(low, sample.timestamp)
            high = max(high, sample.timestamp)
            // Held by a chunk on disk (a sample before the first chunk is too, unless it shows the
            // run misses its start: then `append` below forgets the chunks).
            if covered.holds(sample.ref, sample.timestamp, floor: truncatedBefore) {
                report.samplesInMappedChunks += 1
                continue
            }
            guard let series = byRef[sample.ref] else {
                report.unknownReferenceSamples += 1
                highestRef = max(highestRef, sample.ref)
                continue
            }
            switch series.append(sample.timestamp, sample.value, samplesPerChunk: perChunk,
                                 chunkRange: head.options.chunkRange, store: head.headChunks, replayFloor: truncatedBefore) {
            case .rejected: report.skippedSamples += 1; continue
            case .inMappedChunk: report.samplesInMappedChunks += 1; continue
            case .startedChunk:
                chunks += 1
                covered.clear(sample.ref)
            case .appended: break
            }
            report.samples += 1
        }
        guard !samples.isEmpty else { return nil }
        minTime = min(minTime, low)
        maxTime = max(maxTime, high)
        return WriteAheadLog.SampleRange(min: low, max: high)
    }

    /// Removes the deleted samples replayed so far; a series left empty leaves the index.
    private mutating func applyDeletes(_ deletions: [WALRecord.Deletion]) {
        for deletion in deletions {
            guard let series = byRef[deletion.ref] else { continue }
            covered.clear(deletion.ref)
            covered.clear(series.ref)
            let outcome = series.deleteSamples(from: deletion.mint, through: deletion.maxt,
                                               samplesPerChunk: head.options.samplesPerChunk, chunkRange: head.options.chunkRange)
            chunks += outcome.chunkDelta
            report.deletedSamples += outcome.removedSamples
            if outcome.empty {
                head.removeFromIndex([series])
                byRef[deletion.ref] = nil
                report.series -= 1
            }
        }
    }

    /// Drops the attached chunks that end before `oldest`, the oldest sample left in the log:
    /// a truncation removed them before the restart, only their file outlived it. Widens the
    /// head's time range to the chunks that stay.
    mutating func dropMappedChunks(before oldest: Timestamp) {
        for series in attached {
            chunks -= series.truncate(before: oldest).removed
            if let first = series.chunks.withLock({ $0.minTime }) {
                minTime = min(minTime, first)
                maxTime = max(maxTime, series.chunks.withLock { $0.maxTime } ?? first)
            }
        }
        report.mappedChunks = attached.reduce(0) { $0 + $1.chunks.withLock { $0.mapped.count } }
        attached = []
        chunks = head.index.withLock { index in index.series.values.reduce(0) { $0 + $1.chunks.withLock { $0.chunkCount } } }
    }

    /// Publishes the counts to the head's statistics.
    func finish() {
        head.index.withLock { index in
            if highestRef >= index.nextRef { index.nextRef = highestRef + 1 }
        }
        let (series, chunks, minTime, maxTime) = (report.series, self.chunks, self.minTime, self.maxTime)
        head.record { stats in
            stats.seriesCreated += series
            stats.chunks += chunks
            if chunks > 0 {
                stats.minTime = min(stats.minTime, minTime)
                stats.maxTime = max(stats.maxTime, maxTime)
            }
        }
    }
}

/// Per reference, the span [min, max] of the chunks on disk attached to its series; `holds`
/// answers without locking or retaining the series. Dense for references below
/// `ReplayRefTable.denseLimit`, a dictionary beyond.
struct ReplayCoverage {
    private var spans: [(min: Timestamp, max: Timestamp)] = []
    private var sparse: [SeriesRef: (min: Timestamp, max: Timestamp)] = [:]

    mutating func set(_ ref: SeriesRef, min: Timestamp, max: Timestamp) {
        guard ref < ReplayRefTable.denseLimit else { sparse[ref] = (min, max); return }
        if ref >= SeriesRef(spans.count) {
            spans.append(contentsOf: repeatElement((.max, .min), count: Swift.max(Int(ref) + 1, spans.count * 2) - spans.count))
        }
        spans[Int(ref)] = (min, max)
    }

    mutating func clear(_ ref: SeriesRef) {
        if ref < SeriesRef(spans.count) { spans[Int(ref)] = (.max, .min) } else if !sparse.isEmpty { sparse[ref] = nil }
    }

    /// Whether a sample at `t` is at or before the last chunk and not a sign of a missing start
    /// (at or after `floor` but before the first chunk).
    @inline(__always)
    func holds(_ ref: SeriesRef, _ t: Timestamp, floor: Timestamp) -> Bool {
        let span: (min: Timestamp, max: Timestamp)
        if ref < SeriesRef(spans.count) { span = spans[Int(ref)] } else if let found = sparse[ref] { span = found } else { return false }
        return t <= span.max && (t >= span.min || t < floor)
    }
}

/// Series by reference during replay: a dense array for the references a head hands out
/// (1, 2, 3, … with holes where series were dropped), a dictionary beyond `denseLimit`.
/// Replay looks up one reference per sample, so this is its hottest path.
struct ReplayRefTable {
    static let denseLimit: SeriesRef = 1 << 24
    private var dense: [MemSeries?] = []
    private var sparse: [SeriesRef: MemSeries] = [:]

    subscript(ref: SeriesRef) -> MemSeries? {
        get {
            if ref < SeriesRef(dense.count) { return dense[Int(ref)] }
            return ref < Self.denseLimit ? nil : sparse[ref]
        }
        set {
            guard ref < Self.denseLimit else { sparse[ref] = newValue; return }
            if ref >= SeriesRef(dense.count) {
                dense.append(contentsOf: repeatElement(nil, count: max(Int(ref) + 1, dense.count * 2) - dense.count))
            }
            dense[Int(ref)] = newValue
        }
    }
}

/// Decodes the frames of one file a batch at a time, one batch ahead of the caller, on a global
/// dispatch queue: replay checks CRCs and decompresses on one core while it applies on another.
///
/// Contract: `next()` returns the results of the frames at `offsets` in order, in batches, then
/// nil. A batch still being decoded when the caller stops early is finished and dropped.
struct PipelinedFrameDecoder {
    typealias Decoded = Result<(WALRecord, Int), WALFrame.Problem>

    private final class Batch: @unchecked Sendable {
        // Written by the decoding task before `done` is signalled, read only after waiting on it.
        var results: [Decoded] = []
        let done = DispatchGroup()
    }

    let bytes: [UInt8]
    let offsets: [Int]
    let batchSize: Int
    private var nextStart = 0
    private var inFlight: Batch?

    init(bytes: [UInt8], offsets: [Int], batchSize: Int = 8) {
        self.bytes = bytes
        self.offsets = offsets
        self.batchSize = batchSize
    }

    mutating func next() -> [Decoded]? {
        if inFlight == nil { inFlight = start() }
        guard let current = inFlight else { return nil }
        current.done.wait()
        inFlight = start()
        return current.results
    }

    private mutating func start() -> Batch? {
        guard nextStart < offsets.count else { return nil }
        let slice = Array(offsets[nextStart..<min(nextStart + batchSize, offsets.count)])
        nextStart += slice.count
        let batch = Batch()
        let bytes = self.bytes
        DispatchQueue.global().async(group: batch.done) {
            var results: [Decoded] = []
            for offset in slice {
                let result = WALFrame.frame(in: bytes, at: offset)
                results.append(result)
                if case .failure = result { break }
            }
            batch.results = results
        }
        return batch
    }
}
