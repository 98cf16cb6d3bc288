import MetricModel
import Storage
import Synchronization

/// One active series in the head: its label ids, its closed chunks and its open chunk.
///
/// Contract: samples are appended in strictly increasing timestamp order under the series' own
/// lock; a chunk is closed once it holds `samplesPerChunk` samples or the next sample falls in a
/// later multiple of the chunk range. With a `HeadChunkStore`, a closed chunk goes to a
/// `chunks_head` file and only a `MappedChunk` reference stays here (`mapped`); without one, or
/// while the store cannot take it, it stays in memory (`closed`). Chunks are ordered
/// mapped, then closed, then open, oldest first. Readers take a snapshot of the chunk lists
/// (copy-on-write arrays) and iterate it without holding the lock.
///
/// After a deletion re-encoded a series, its chunks stay in memory for good (`keepInMemory`):
/// the files still hold the chunks from before the deletion, and replay rebuilds the series from
/// them, the write-ahead log and its deletes record.
final class MemSeries: Sendable {
    /// One per active series: its fields are ordered so that the small ones share the last
    /// word (the object is 152 bytes, 160 with malloc's header).
    struct Chunks {
        var mapped: [MappedChunk] = []
        var closed: [XORChunk] = []
        var open = XORChunk(byteCapacity: XORCodec.openChunkByteCapacity)
        var lastTimestamp: Timestamp = .min
        var lastValue: Double = 0
        /// The newest sample an uncommitted append batch accepted for this series, and that
        /// batch's id (0: none). Lets `HeadAppender` validate a repeated series against its own
        /// batch without a per-batch map (see HeadAppender.swift).
        var pendingBatch: UInt64 = 0
        var pendingTimestamp: Timestamp = .min
        var pendingValue: Double = 0
        /// Committed samples in this series (all chunks; a head holds far fewer than 2^32).
        var sampleCount: Int {
            get { Int(storedSampleCount) }
            set { storedSampleCount = UInt32(newValue) }
        }
        private var storedSampleCount: UInt32 = 0
        /// `lastValue` is not decoded yet: the newest sample is the end of the last mapped chunk,
        /// attached at replay.
        var lastValueUnknown = false
        var keepInMemory = false

        var minTime: Timestamp? { mapped.first?.minTime ?? closed.first?.minTime ?? open.minTime }
        var maxTime: Timestamp? { open.maxTime ?? closed.last?.maxTime ?? mapped.last?.maxTime }
        var chunkCount: Int { mapped.count + closed.count + (open.count > 0 ? 1 : 0) }

        /// Decodes the last mapped chunk for the newest value, when replay left it unknown.
        mutating func resolveLastValue() {
            guard lastValueUnknown else { return }
            lastValueUnknown = false
            guard let chunk = mapped.last else { return }
            var iterator = XORIterator(bytes: chunk.bytes())
            while iterator.next() { lastValue = iterator.value }
        }
    }

    let ref: SeriesRef
    /// The label set as ids of the head's `SymbolTable` (`Head.labels(of:)` rebuilds it).
    let labelIDs: SeriesLabels
    let chunks = Mutex(Chunks())

    init(ref: SeriesRef, labelIDs: SeriesLabels) {
        self.ref = ref
        self.labelIDs = labelIDs
    }

    /// The newest committed sample, if any.
    var last: (Timestamp, Double)? {
        chunks.withLock { state in
            guard state.sampleCount > 0 else { return nil }
            state.resolveLastValue()
            return (state.lastTimestamp, state.lastValue)
        }
    }

    /// Gives a series that has no samples yet the chunks replay found for it on disk (an unbroken
    /// run, oldest first). Returns false, attaching nothing, when the series already has samples.
    func attach(_ mapped: [MappedChunk]) -> Bool {
        chunks.withLock { state in
            guard state.sampleCount == 0, let newest = mapped.last else { return false }
            state.mapped = mapped
            state.sampleCount = mapped.reduce(0) { $0 + Int($1.sampleCount) }
            state.lastTimestamp = newest.maxTime
            state.lastValueUnknown = true
            return true
        }
    }

    /// What `append` did with a sample.
    enum AppendOutcome {
        case appended
        /// Appended as the first sample of a new chunk.
        case startedChunk
        /// Not newer than the series' last sample (a concurrent batch, or a WAL replay duplicate).
        case rejected
        /// Not newer than the series' last mapped chunk: replay found it on disk already.
        case inMappedChunk
    }

    /// Appends one validated sample. Rechecks the order under the series' lock, so a sample that
    /// lost a race with another batch is rejected instead of breaking the chunk.
    ///
    /// `replayFloor` (replay only, the last truncation's cut): a sample at or after it but before
    /// the series' first mapped chunk shows that the run of chunks on disk misses its start (a
    /// deleted file); the mapped chunks are then forgotten and the log supplies the samples.
    @discardableResult
    func append(_ timestamp: Timestamp, _ value: Double, samplesPerChunk: Int, chunkRange: Int64,
                store: HeadChunkStore? = nil, replayFloor: Timestamp? = nil) -> AppendOutcome {
        chunks.withLock { state in
            if state.sampleCount > 0 && timestamp <= state.lastTimestamp {
                guard let newest = state.mapped.last, timestamp <= newest.maxTime else { return .rejected }
                guard let floor = replayFloor, timestamp >= floor, timestamp < state.mapped[0].minTime,
                      state.closed.isEmpty, state.open.count == 0 else { return .inMappedChunk }
                state.mapped = []
                state.sampleCount = 0
                state.lastValueUnknown = false
            }
            var cut = false
            if state.open.count >= samplesPerChunk
                || (state.open.count > 0 && Self.rangeStart(timestamp, chunkRange) != Self.rangeStart(state.open.minTime!, chunkRange)) {
                closeOpenChunk(&state, store)
                cut = true
            }
            if state.open.count == 0 { cut = true }
            state.open.append(timestamp, value)
            state.lastTimestamp = timestamp
            state.lastValue = value
            state.lastValueUnknown = false
            state.sampleCount += 1
            return cut ? .startedChunk : .appended
        }
    }

    /// Moves the open chunk to the closed ones: to the store when there is one (after any chunk
    /// an earlier failure left in memory, so the order on disk stays the series' order).
    private func closeOpenChunk(_ state: inout Chunks, _ store: HeadChunkStore?) {
        state.closed.append(state.open)
        state.open = XORChunk(byteCapacity: XORCodec.openChunkByteCapacity)
        if let store, !state.keepInMemory {
            while let oldest = state.closed.first, let mapped = store.write(ref: ref, chunk: oldest) {
                state.mapped.append(mapped)
                state.closed.removeFirst()
            }
        }
        // The chunk just closed, if it stays in memory, is complete: keep only its bytes.
        if !state.closed.isEmpty { state.closed[state.closed.count - 1].shrinkToFit() }
    }

    /// The multiple of `range` at or below `t` (floor division, also for negative times).
    static func rangeStart(_ t: Timestamp, _ range: Int64) -> Timestamp {
        guard range > 0 else { return 0 }
        let q = t / range
        return (t % range < 0 ? q - 1 : q) * range
    }

    /// Drops whole chunks whose samples are all older than `mint`. Returns the number removed and
    /// whether the series is now empty.
    func truncate(before mint: Timestamp) -> (removed: Int, empty: Bool) {
        chunks.withLock { state in
            let keepMapped = state.mapped.drop { $0.maxTime < mint }
            let droppedMapped = state.mapped.count - keepMapped.count
            if droppedMapped > 0 {
                state.sampleCount -= state.mapped.prefix(droppedMapped).reduce(0) { $0 + Int($1.sampleCount) }
                state.mapped = Array(keepMapped)
            }
            var removed = droppedMapped
            if state.mapped.isEmpty {
                let keep = state.closed.drop { ($0.maxTime ?? .min) < mint }
                removed += state.closed.count - keep.count
                state.sampleCount -= state.closed.prefix(state.closed.count - keep.count).reduce(0) { $0 + $1.count }
                state.closed = Array(keep)
            }
            var empty = false
            if state.mapped.isEmpty && state.closed.isEmpty {
                // A value still unknown belonged to the last mapped chunk, now gone.
                state.lastValueUnknown = false
                if let maxTime = state.open.maxTime, maxTime < mint {
                    state.sampleCount -= state.open.count
                    state.open = XORChunk(byteCapacity: XORCodec.openChunkByteCapacity)
                    empty = true
                } else if state.open.count == 0 && removed > 0 {
                    empty = true
                }
            }
            return (removed, empty)
        }
    }

    /// What `deleteSamples` did.
    struct DeleteOutcome {
        var removedSamples = 0
        /// Chunks after minus chunks before (non-empty chunks only).
        var chunkDelta = 0
        var empty = false
    }

    /// Removes the samples in [mint, maxt], re-encoding the remaining ones into chunks of
    /// `samplesPerChunk`. The newest timestamp stays the append floor unless the series ends up
    /// empty (then it is to be removed from the head).
    func deleteSamples(from mint: Timestamp, through maxt: Timestamp, samplesPerChunk: Int, chunkRange: Int64) -> DeleteOutcome {
        chunks.withLock { state in
            var outcome = DeleteOutcome()
            guard let lo = state.minTime, let hi = state.maxTime, lo <= maxt, hi >= mint else { return outcome }
            state.resolveLastValue()
            let before = state.chunkCount
            var kept: [(Timestamp, Double)] = []
            for bytes in state.mapped.map({ $0.bytes() }) + (state.closed + [state.open]).map(\.bytes) {
                var iterator = XORIterator(bytes: bytes)
                while iterator.next() {
                    if iterator.timestamp >= mint && iterator.timestamp <= maxt { outcome.removedSamples += 1; continue }
                    kept.append((iterator.timestamp, iterator.value))
                }
            }
            state.mapped = []
            state.closed = []
            state.open = XORChunk(byteCapacity: XORCodec.openChunkByteCapacity)
            state.keepInMemory = true
            for (timestamp, value) in kept {
                if state.open.count >= samplesPerChunk
                    || (state.open.count > 0 && Self.rangeStart(timestamp, chunkRange) != Self.rangeStart(state.open.minTime!, chunkRange)) {
                    state.open.shrinkToFit()
                    state.closed.append(state.open)
                    state.open = XORChunk(byteCapacity: XORCodec.openChunkByteCapacity)
                }
                state.open.append(timestamp, value)
            }
            state.sampleCount = kept.count
            outcome.chunkDelta = state.chunkCount - before
            outcome.empty = kept.isEmpty
            return outcome
        }
    }

    /// The chunks overlapping [mint, maxt], oldest first. Mapped chunks' bytes are read only when
    /// a caller asks for them.
    func chunks(overlapping mint: Timestamp, _ maxt: Timestamp) -> [HeadChunk] {
        var picked: [HeadChunk] = []
        appendChunks(overlapping: mint, maxt, to: &picked)
        return picked
    }

    /// Appends the chunks `chunks(overlapping:_:)` returns to `picked`, so a reader of many
    /// series can keep all their chunks in one array.
    func appendChunks(overlapping mint: Timestamp, _ maxt: Timestamp, to picked: inout [HeadChunk]) {
        chunks.withLock { state in
            for chunk in state.mapped where chunk.maxTime >= mint && chunk.minTime <= maxt {
                picked.append(HeadChunk(chunk))
            }
            for chunk in state.closed {
                guard let lo = chunk.minTime, let hi = chunk.maxTime else { continue }
                if hi >= mint && lo <= maxt { picked.append(HeadChunk(chunk)) }
            }
            if let lo = state.open.minTime, let hi = state.open.maxTime, hi >= mint && lo <= maxt {
                picked.append(HeadChunk(state.open))
            }
        }
    }
}
