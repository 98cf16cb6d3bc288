import MetricModel
import Storage
import Synchronization

/// One active series in the head: its labels, its full chunks and its open chunk.
///
/// Contract: samples are appended in strictly increasing timestamp order under the series' own
/// lock; a chunk is closed once it holds `samplesPerChunk` samples. Readers take a snapshot of the
/// chunk list (copy-on-write arrays) and iterate it without holding the lock.
final class MemSeries: Sendable {
    struct Chunks {
        var closed: [XORChunk] = []
        var open = XORChunk()
        var lastTimestamp: Timestamp = .min
        var lastValue: Double = 0
        /// Committed samples in this series (all chunks).
        var sampleCount = 0
        /// The newest sample an uncommitted append batch accepted for this series, and that
        /// batch's id (0: none). Lets `HeadAppender` validate a repeated series against its own
        /// batch without a per-batch map (see HeadAppender.swift).
        var pendingBatch: UInt64 = 0
        var pendingTimestamp: Timestamp = .min
        var pendingValue: Double = 0

        var minTime: Timestamp? { closed.first?.minTime ?? open.minTime }
        var maxTime: Timestamp? { open.maxTime ?? closed.last?.maxTime }
    }

    let ref: SeriesRef
    let labels: Labels
    let chunks = Mutex(Chunks())

    init(ref: SeriesRef, labels: Labels) {
        self.ref = ref
        self.labels = labels
    }

    /// The newest committed sample, if any.
    var last: (Timestamp, Double)? {
        chunks.withLock { $0.sampleCount == 0 ? nil : ($0.lastTimestamp, $0.lastValue) }
    }

    /// What `append` did with a sample.
    enum AppendOutcome {
        case appended
        /// Appended as the first sample of a new chunk.
        case startedChunk
        /// Not newer than the series' last sample (a concurrent batch, or a WAL replay duplicate).
        case rejected
    }

    /// Appends one validated sample. Rechecks the order under the series' lock, so a sample that
    /// lost a race with another batch is rejected instead of breaking the chunk.
    @discardableResult
    func append(_ timestamp: Timestamp, _ value: Double, samplesPerChunk: Int, chunkRange: Int64) -> AppendOutcome {
        chunks.withLock { state in
            if state.sampleCount > 0 && timestamp <= state.lastTimestamp { return .rejected }
            var cut = false
            if state.open.count >= samplesPerChunk
                || (state.open.count > 0 && Self.rangeStart(timestamp, chunkRange) != Self.rangeStart(state.open.minTime!, chunkRange)) {
                state.closed.append(state.open)
                state.open = XORChunk()
                cut = true
            }
            if state.open.count == 0 { cut = true }
            state.open.append(timestamp, value)
            state.lastTimestamp = timestamp
            state.lastValue = value
            state.sampleCount += 1
            return cut ? .startedChunk : .appended
        }
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
            let keep = state.closed.drop { ($0.maxTime ?? .min) < mint }
            let removed = state.closed.count - keep.count
            state.sampleCount -= state.closed.prefix(removed).reduce(0) { $0 + $1.count }
            state.closed = Array(keep)
            var empty = false
            if state.closed.isEmpty, let maxTime = state.open.maxTime, maxTime < mint {
                state.sampleCount -= state.open.count
                state.open = XORChunk()
                empty = true
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
            let before = state.closed.count + (state.open.count > 0 ? 1 : 0)
            var kept: [(Timestamp, Double)] = []
            for chunk in state.closed + [state.open] {
                var iterator = chunk.makeIterator()
                while iterator.next() {
                    if iterator.timestamp >= mint && iterator.timestamp <= maxt { outcome.removedSamples += 1; continue }
                    kept.append((iterator.timestamp, iterator.value))
                }
            }
            state.closed = []
            state.open = XORChunk()
            for (timestamp, value) in kept {
                if state.open.count >= samplesPerChunk
                    || (state.open.count > 0 && Self.rangeStart(timestamp, chunkRange) != Self.rangeStart(state.open.minTime!, chunkRange)) {
                    state.closed.append(state.open)
                    state.open = XORChunk()
                }
                state.open.append(timestamp, value)
            }
            state.sampleCount = kept.count
            outcome.chunkDelta = state.closed.count + (state.open.count > 0 ? 1 : 0) - before
            outcome.empty = kept.isEmpty
            return outcome
        }
    }

    /// The chunks overlapping [mint, maxt], oldest first.
    func chunks(overlapping mint: Timestamp, _ maxt: Timestamp) -> [XORChunk] {
        chunks.withLock { state in
            var picked: [XORChunk] = []
            for chunk in state.closed + [state.open] {
                guard let lo = chunk.minTime, let hi = chunk.maxTime else { continue }
                if hi >= mint && lo <= maxt { picked.append(chunk) }
            }
            return picked
        }
    }
}
