import MetricModel
import Storage

/// A batch of samples for the head. Validates each sample against its series' committed tail and
/// the batch's earlier samples; applies them all at `commit` — with a write-ahead log, only after
/// the batch's records were written to it. `rollback` never touches the log.
///
/// The batch keeps no per-series map: each accepted sample is marked on its series (under the
/// series' lock) with this batch's unique id, so a later sample of the same series in the batch
/// is checked against that mark rather than the committed tail. Two batches appending the same
/// series at once overwrite each other's mark; a sample that then slips past validation is still
/// refused at commit (`MemSeries.append` rechecks the order) and counted as out of order.
final class HeadAppender: Appender {
    private let head: Head
    private let batch: UInt64
    /// The accepted samples' series, parallel to `samples`.
    private var series: [MemSeries] = []
    /// The accepted samples, in append order, as the write-ahead log records them.
    private var samples: [WALSample] = []
    private var outOfOrder = 0
    private var duplicates = 0
    private var outOfBounds = 0
    /// `head.appendableMinTime` when this batch started (read once per batch).
    private var appendFloor: Timestamp?

    init(head: Head) {
        self.head = head
        batch = head.appendBatches.wrappingAdd(1, ordering: .relaxed).newValue
    }

    func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Timestamp, _ value: Double) throws(AppendError) -> SeriesRef {
        guard !labels.isEmpty || ref != 0 else { throw .invalidLabels("empty label set") }
        switch head.currentPhase {
        case .open: break
        case .replaying: throw .storage("TSDB not ready: write-ahead log replay in progress")
        case .closed: throw .storage("TSDB is closed")
        }
        if head.options.enforceAppendWindow {
            if appendFloor == nil { appendFloor = head.appendableMinTime }
            if timestamp < appendFloor! { outOfBounds += 1; throw .outOfBounds }
        }
        guard let (target, admission) = head.getOrCreate(ref, labels, { $0.admit(timestamp, value, batch: batch) }) else {
            throw .unknownReference
        }
        switch admission {
        case .accepted:
            series.append(target)
            samples.append(WALSample(ref: target.ref, timestamp: timestamp, value: value))
        case .sameAsLast:
            break
        case .outOfOrder:
            outOfOrder += 1
            throw .outOfOrder
        case .duplicate:
            duplicates += 1
            throw .duplicateSampleForTimestamp
        }
        return target.ref
    }

    func commit() throws(AppendError) {
        defer {
            series = []
            samples = []
        }
        guard let wal = head.wal else {
            apply()
            return
        }
        do {
            try wal.commit(samples) { apply() }
        } catch {
            head.record { $0.walWriteFailures += 1 }
            throw .storage("WAL commit failed: \(error)")
        }
    }

    private func apply() {
        var newChunks = 0
        var rejected = 0
        var minT = Timestamp.max, maxT = Timestamp.min
        let samplesPerChunk = head.options.samplesPerChunk, chunkRange = head.options.chunkRange
        let store = head.headChunks
        // Through buffer pointers the loop borrows each series (the array keeps it alive)
        // instead of retaining and releasing it around the call: one atomic pair per sample less.
        series.withUnsafeBufferPointer { series in
            samples.withUnsafeBufferPointer { samples in
                for index in samples.indices {
                    let sample = samples[index]
                    // The array holds a reference for the whole loop: tell the compiler so, or it
                    // retains and releases every series around the call.
                    let outcome = Unmanaged.passUnretained(series[index])._withUnsafeGuaranteedRef {
                        $0.append(sample.timestamp, sample.value, samplesPerChunk: samplesPerChunk,
                                  chunkRange: chunkRange, store: store)
                    }
                    switch outcome {
                    case .startedChunk: newChunks += 1
                    case .appended: break
                    case .rejected, .inMappedChunk: rejected += 1; continue
                    }
                    minT = min(minT, sample.timestamp)
                    maxT = max(maxT, sample.timestamp)
                }
            }
        }
        let appended = samples.count - rejected
        let (ooo, dup, oob) = (outOfOrder + rejected, duplicates, outOfBounds)
        let span = head.record { stats -> Int64 in
            stats.samplesAppended += appended
            stats.outOfBoundsSamples += oob
            stats.chunks += newChunks
            stats.outOfOrderSamples += ooo
            stats.duplicateSamples += dup
            guard appended > 0 else { return 0 }
            stats.minTime = min(stats.minTime, minT)
            stats.maxTime = max(stats.maxTime, maxT)
            return stats.maxTime &- stats.minTime
        }
        if appended > 0 { head.committed(span: span) }
    }

    func rollback() {
        let oob = outOfBounds
        if oob > 0 { head.record { $0.outOfBoundsSamples += oob } }
        // The series' marks for this batch stay behind; batch ids are never reused, so no later
        // batch mistakes them for its own.
        series = []
        samples = []
    }
}

extension MemSeries {
    /// What `admit` decided about a sample.
    enum Admission {
        case accepted
        /// Same timestamp and value as the newest sample: silently ignored, as in Prometheus.
        case sameAsLast
        case outOfOrder
        case duplicate
    }

    /// True when the series has no committed sample and its newest append batch (0: none, as
    /// after a replay that found no samples for it) is no newer than `floor`.
    func isAbandoned(floor: UInt64) -> Bool {
        chunks.withLock { $0.sampleCount == 0 && $0.pendingBatch <= floor }
    }

    /// Validates a sample of append batch `batch` against the newest sample that batch already
    /// accepted for this series, or else the newest committed one; on acceptance, marks the
    /// sample as the batch's newest for this series. One lock, no allocation.
    func admit(_ timestamp: Timestamp, _ value: Double, batch: UInt64) -> Admission {
        chunks.withLock { state in
            let lastT: Timestamp, lastV: Double
            if state.pendingBatch == batch {
                (lastT, lastV) = (state.pendingTimestamp, state.pendingValue)
            } else if state.sampleCount > 0 {
                (lastT, lastV) = (state.lastTimestamp, state.lastValue)
            } else {
                state.pendingBatch = batch
                state.pendingTimestamp = timestamp
                state.pendingValue = value
                return .accepted
            }
            if timestamp < lastT { return .outOfOrder }
            if timestamp == lastT { return lastV.bitPattern == value.bitPattern ? .sameAsLast : .duplicate }
            state.pendingBatch = batch
            state.pendingTimestamp = timestamp
            state.pendingValue = value
            return .accepted
        }
    }
}
