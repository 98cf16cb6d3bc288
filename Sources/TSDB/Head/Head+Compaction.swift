import MetricModel
import Storage

extension Head {
    /// The oldest timestamp an append may have: the end of the newest persisted block, and no
    /// more than half a block range behind the newest sample (Prometheus's appendable window),
    /// so the range a block is being cut from receives nothing new.
    public var appendableMinTime: Timestamp {
        let floor = minValidTime.load(ordering: .acquiring)
        let newest = statistics.withLock { $0.maxTime }
        guard newest != .min else { return floor }
        return Swift.max(floor, newest - options.chunkRange / 2)
    }

    /// Raises the persisted floor: samples before `time` are in blocks now. Never lowers it.
    public func setMinValidTime(_ time: Timestamp) {
        var current = minValidTime.load(ordering: .acquiring)
        while current < time {
            let (exchanged, original) = minValidTime.compareExchange(expected: current, desired: time, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }

    /// The oldest sample time still held (scanning the series), or nil when the head is empty.
    public func oldestSampleTime() -> Timestamp? {
        let all = index.withLock { Array($0.series.values) }
        var oldest: Timestamp?
        for series in all {
            guard let t = series.chunks.withLock({ $0.minTime }) else { continue }
            oldest = Swift.min(oldest ?? t, t)
        }
        return oldest
    }

    /// The head's samples in [mint, maxt) as block series, sorted by labels, for cutting a
    /// block. Only the labels are gathered up front; each series' chunks are read when the
    /// sequence reaches it, so memory stays at one series' chunks. Chunks lying wholly inside
    /// the range are taken as they are (the head cuts chunks at multiples of `chunkRange`); a
    /// chunk straddling an edge has its in-range samples re-encoded.
    public func blockSeries(mint: Timestamp, maxt: Timestamp) -> HeadBlockSeries {
        let all = index.withLock { Array($0.series.values) }
        let picked = all.filter { series in
            series.chunks.withLock { state in
                guard let lo = state.minTime, let hi = state.maxTime else { return false }
                return lo < maxt && hi >= mint
            }
        }
        return HeadBlockSeries(head: self, series: sortedByLabelsDirectly(picked), mint: mint, maxt: maxt)
    }
}

/// The lazily read block series of a head range (see `Head.blockSeries(mint:maxt:)`).
public struct HeadBlockSeries: Sequence {
    let head: Head
    let series: [MemSeries]
    let mint: Timestamp
    let maxt: Timestamp

    /// How many series have samples in the range (some may yield no chunks if deleted meanwhile).
    public var count: Int { series.count }

    public func makeIterator() -> AnyIterator<BlockSeries> {
        var index = 0
        return AnyIterator {
            while index < series.count {
                let one = series[index]
                index += 1
                let chunks = Self.chunks(of: one, mint: mint, maxt: maxt)
                if !chunks.isEmpty { return BlockSeries(labels: head.labels(of: one), chunks: chunks) }
            }
            return nil
        }
    }

    static func chunks(of series: MemSeries, mint: Timestamp, maxt: Timestamp) -> [BlockChunk] {
        var out: [BlockChunk] = []
        for chunk in series.chunks(overlapping: mint, maxt - 1) {
            guard let lo = chunk.minTime, let hi = chunk.maxTime else { continue }
            if lo >= mint && hi < maxt {
                out.append(BlockChunk(minTime: lo, maxTime: hi, bytes: chunk.bytesReadOnce))
                continue
            }
            var trimmed = XORChunk()
            var iterator = chunk.makeIterator()
            while iterator.next() {
                if iterator.timestamp >= maxt { break }
                if iterator.timestamp >= mint { trimmed.append(iterator.timestamp, iterator.value) }
            }
            if let a = trimmed.minTime, let b = trimmed.maxTime {
                out.append(BlockChunk(minTime: a, maxTime: b, bytes: trimmed.bytes))
            }
        }
        return out
    }
}
