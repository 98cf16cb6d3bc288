import MetricModel
import Storage

/// A batch of samples for the head. Validates each sample against its series' committed tail and
/// the batch's earlier samples; applies them all at `commit`.
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

    init(head: Head) { self.head = head }

    func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Timestamp, _ value: Double) throws(AppendError) -> SeriesRef {
        guard !labels.isEmpty else { throw .invalidLabels("empty label set") }
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
        var newChunks = 0
        var minT = Timestamp.max, maxT = Timestamp.min
        for sample in pending {
            if sample.series.append(sample.timestamp, sample.value, samplesPerChunk: head.options.samplesPerChunk) {
                newChunks += 1
            }
            minT = min(minT, sample.timestamp)
            maxT = max(maxT, sample.timestamp)
        }
        let appended = pending.count
        let (ooo, dup) = (outOfOrder, duplicates)
        head.record { stats in
            stats.samplesAppended += appended
            stats.chunks += newChunks
            stats.outOfOrderSamples += ooo
            stats.duplicateSamples += dup
            if appended > 0 {
                stats.minTime = min(stats.minTime, minT)
                stats.maxTime = max(stats.maxTime, maxT)
            }
        }
        pending = []
        pendingTail = [:]
    }

    func rollback() {
        pending = []
        pendingTail = [:]
    }
}
