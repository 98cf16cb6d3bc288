import MetricModel

extension Database {
    /// What `applyRetention` did.
    public struct RetentionOutcome: Sendable, Equatable {
        /// ULIDs of blocks deleted because all their samples were older than the time limit.
        public var expiredBlocks: [String] = []
        /// ULIDs of blocks deleted, oldest first, to come under the size limit.
        public var evictedBlocks: [String] = []
        /// Set when head data was truncated (time limit, or size limit with no block left).
        public var headTruncatedBefore: Timestamp?
        public var headSeriesRemoved = 0
        /// Bytes on disk afterwards.
        public var diskUsage: Int64 = 0
    }

    /// Applies the retention limits (0 disables one):
    /// - `time` (ms): counted back from the newest sample held, head included; blocks whose
    ///   samples are all older are deleted whole, and older head data is truncated.
    /// - `size` (bytes): while blocks, WAL and head chunks together exceed it, the oldest block
    ///   is deleted; with no block left, the head's oldest data goes (`Head.applySizeRetention`).
    @discardableResult
    public func applyRetention(time: Int64, size: Int64) -> RetentionOutcome {
        maintenance.withLock { _ in
            var outcome = RetentionOutcome()
            if time > 0, let newest = newestSampleTime {
                let cutoff = newest - time
                let expired = blocks.filter { $0.meta.maxTime <= cutoff }
                if !expired.isEmpty {
                    swapBlocks(removing: expired, adding: [])
                    removeDirectories(of: expired, reason: "beyond retention time")
                    outcome.expiredBlocks = expired.map(\.meta.ulid)
                    record { $0.blocksDeletedByTime += expired.count }
                }
                // The counters' minimum is never newer than the oldest sample: only when it is
                // past the cutoff can the head hold expired samples (then scan for the exact one).
                if head.stats.minTime < cutoff, let oldest = head.oldestSampleTime(), oldest < cutoff {
                    outcome.headSeriesRemoved += head.truncate(before: cutoff)
                    outcome.headTruncatedBefore = cutoff
                }
            }
            if size > 0 {
                var usage = diskUsage()
                while usage > size, let oldest = blocks.first {
                    swapBlocks(removing: [oldest], adding: [])
                    removeDirectories(of: [oldest], reason: "beyond retention size")
                    outcome.evictedBlocks.append(oldest.meta.ulid)
                    record { $0.blocksDeletedBySize += 1 }
                    usage = diskUsage()
                }
                if usage > size, let (cut, removed) = head.applySizeRetention(limit: size) {
                    outcome.headTruncatedBefore = cut
                    outcome.headSeriesRemoved += removed
                }
            }
            outcome.diskUsage = diskUsage()
            return outcome
        }
    }
}
