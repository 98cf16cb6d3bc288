import MetricModel
import Storage

extension Head {
    /// What `deleteSeries` removed.
    public struct DeleteResult: Sendable, Equatable {
        public var samples = 0
        /// Series left without samples, and so removed from the head.
        public var series = 0
    }

    /// Deletes the samples in [mint, maxt] of every series matching all `matchers`, at once
    /// (no tombstones to clean later). A series left without samples is removed. With a
    /// write-ahead log, a deletes record is written first (docs/format/wal.md), so the deletion
    /// survives a restart; a failed write deletes nothing.
    @discardableResult
    public func deleteSeries(matching matchers: [LabelMatcher], mint: Timestamp, maxt: Timestamp) throws(WALError) -> DeleteResult {
        guard mint <= maxt else { return DeleteResult() }
        let matched = series(for: index.withLock { $0.postings.select(matchers) })
            .filter { series in series.chunks.withLock { state in
                guard let lo = state.minTime, let hi = state.maxTime else { return false }
                return lo <= maxt && hi >= mint
            } }
        guard !matched.isEmpty else { return DeleteResult() }
        var result = DeleteResult()
        let apply = {
            var chunkDelta = 0
            var emptied: [MemSeries] = []
            for series in matched {
                let outcome = series.deleteSamples(from: mint, through: maxt, samplesPerChunk: self.options.samplesPerChunk, chunkRange: self.options.chunkRange)
                result.samples += outcome.removedSamples
                chunkDelta += outcome.chunkDelta
                if outcome.empty { emptied.append(series) }
            }
            result.series = self.removeFromIndex(emptied)
            let removed = result.series
            self.record {
                $0.chunks += chunkDelta
                $0.seriesRemoved += removed
            }
        }
        if let wal {
            guard currentPhase == .open else { throw WALError("write-ahead log \(wal.directory) is not open for writing") }
            let record = WALRecord.deletes(matched.map { .init(ref: $0.ref, mint: mint, maxt: maxt) })
            try wal.log(record, apply: apply)
        } else {
            apply()
        }
        return result
    }
}
