import MetricModel
import Storage

/// A batch of samples for the head. Validates each sample against its series' committed tail and
/// the batch's earlier samples; applies them all at `commit` — with a write-ahead log, only after
/// the batch's records were written to it. `rollback` never touches the log.
final class HeadAppender: Appender {
    private struct Pending {
        let series: MemSeries
        let timestamp: Timestamp
        let value: Double
    }

    private let head: Head
    private var pending: [Pending] = []
    /// The newest pending sample per series in this batch, for validation within the batch.
    private var pendingTail: [SeriesRef: (Timestamp, Double)] = [:]
    private var outOfOrder = 0
    private var duplicates = 0
    private var outOfBounds = 0
    /// `head.appendableMinTime` when this batch started (read once per batch).
    private var appendFloor: Timestamp?

    init(head: Head) { self.head = head }

    func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Timestamp, _ value: Double) throws(AppendError) -> SeriesRef {
        guard !labels.isEmpty else { throw .invalidLabels("empty label set") }
        switch head.currentPhase {
        case .open: break
        case .replaying: throw .storage("TSDB not ready: write-ahead log replay in progress")
        case .closed: throw .storage("TSDB is closed")
        }
        if head.options.enforceAppendWindow {
            if appendFloor == nil { appendFloor = head.appendableMinTime }
            if timestamp < appendFloor! { outOfBounds += 1; throw .outOfBounds }
        }
        let series = head.getOrCreate(ref, labels)
        if let (lastT, lastV) = pendingTail[series.ref] ?? series.last {
            if timestamp < lastT { outOfOrder += 1; throw .outOfOrder }
            if timestamp == lastT {
                if lastV.bitPattern == value.bitPattern { return series.ref }
                duplicates += 1
                throw .duplicateSampleForTimestamp
            }
        }
        pending.append(Pending(series: series, timestamp: timestamp, value: value))
        pendingTail[series.ref] = (timestamp, value)
        return series.ref
    }

    func commit() throws(AppendError) {
        defer {
            pending = []
            pendingTail = [:]
        }
        guard let wal = head.wal else {
            apply()
            return
        }
        let samples = pending.map { WALSample(ref: $0.series.ref, timestamp: $0.timestamp, value: $0.value) }
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
        for sample in pending {
            switch sample.series.append(sample.timestamp, sample.value, samplesPerChunk: head.options.samplesPerChunk,
                                        chunkRange: head.options.chunkRange, store: head.headChunks) {
            case .startedChunk: newChunks += 1
            case .appended: break
            case .rejected, .inMappedChunk: rejected += 1; continue
            }
            minT = min(minT, sample.timestamp)
            maxT = max(maxT, sample.timestamp)
        }
        let appended = pending.count - rejected
        let (ooo, dup, oob) = (outOfOrder + rejected, duplicates, outOfBounds)
        head.record { stats in
            stats.samplesAppended += appended
            stats.outOfBoundsSamples += oob
            stats.chunks += newChunks
            stats.outOfOrderSamples += ooo
            stats.duplicateSamples += dup
            if appended > 0 {
                stats.minTime = min(stats.minTime, minT)
                stats.maxTime = max(stats.maxTime, maxT)
            }
        }
    }

    func rollback() {
        let oob = outOfBounds
        if oob > 0 { head.record { $0.outOfBoundsSamples += oob } }
        pending = []
        pendingTail = [:]
    }
}
