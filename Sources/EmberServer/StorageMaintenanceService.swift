#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MetricModel
import ServiceLifecycle
import TSDB

/// Keeps the store in shape every `interval` (Prometheus: every minute), and as soon as an append
/// makes the head ready to compact (Prometheus's appender signals its compactor on commit the
/// same way; between the two the service sleeps, so an idle server does not wake up): cuts
/// blocks from the head and merges blocks (`Database.compact`), then applies retention — whole
/// blocks past the time limit (counted back from the newest sample) or, oldest first, past the
/// size limit (blocks + WAL + head chunks; 0 means none), and head data when no block is left to
/// delete. Each round ends by returning malloc's free pages to the system
/// (`MallocTuning.releaseFreeMemory`).
struct StorageMaintenanceService: Service {
    let database: Database
    let retention: Int64
    var sizeLimit: Int64 = 0
    var interval: Duration = .seconds(60)
    let logger: Logger

    func run() async throws {
        let wakeup = Wakeup()
        database.onHeadCompactable { wakeup.signal() }
        var last = ContinuousClock.now
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // Checked before the first wait too: commits made before the watch was set sent nothing.
            if database.headNeedsCompaction || ContinuousClock.now - last >= interval {
                last = ContinuousClock.now
                let database = self.database, retention = self.retention, sizeLimit = self.sizeLimit, logger = self.logger
                await Task.detached { Self.round(database: database, retention: retention, sizeLimit: sizeLimit, logger: logger) }.value
            }
            let deadline = last + interval
            await cancelWhenGracefulShutdown { await wakeup.wait(until: deadline) }
        }
    }

    /// One round: compaction, then retention.
    func enforce() { Self.round(database: database, retention: retention, sizeLimit: sizeLimit, logger: logger) }

    /// The round run once the WAL is replayed. Retention at once: Prometheus too deletes blocks
    /// past either limit when it opens its database. Compaction only when the head already
    /// spans more than 1.5 block ranges (a long downtime), so its memory goes back down; merging
    /// blocks otherwise waits for the first regular round, an `interval` after start, as
    /// Prometheus's first compaction waits its first minute. Merging right away made the first
    /// queries after a start compete with it for the CPU (twice as slow over a day of blocks).
    func afterReplay() {
        Self.round(database: database, retention: retention, sizeLimit: sizeLimit,
                   compacting: database.headNeedsCompaction, logger: logger)
    }

    static func round(database: Database, retention: Int64, sizeLimit: Int64, compacting: Bool = true, logger: Logger) {
        if compacting {
            do {
                try database.compact()
            } catch {
                logger.error("compaction failed", metadata: ["err": "\(error)"])
            }
        }
        let before = database.diskUsage()
        let outcome = database.applyRetention(time: retention, size: sizeLimit)
        if !outcome.expiredBlocks.isEmpty || !outcome.evictedBlocks.isEmpty || outcome.headTruncatedBefore != nil {
            logger.info("retention applied", metadata: [
                "blocks_expired": "\(outcome.expiredBlocks.count)", "blocks_over_size": "\(outcome.evictedBlocks.count)",
                "head_truncated_before": "\(outcome.headTruncatedBefore.map { "\($0)" } ?? "-")",
                "series_removed": "\(outcome.headSeriesRemoved)", "before_bytes": "\(before)",
                "after_bytes": "\(outcome.diskUsage)", "limit": "\(base2Bytes(sizeLimit))"])
        }
        if sizeLimit > 0 && outcome.diskUsage > sizeLimit {
            logger.warning("storage is still over the size limit after retention", metadata: [
                "limit": "\(base2Bytes(sizeLimit))", "bytes": "\(outcome.diskUsage)"])
        }
        MallocTuning.releaseFreeMemory()
    }
}

extension ServerOptions {
    /// Filesystems smaller than this get a default size limit when no retention flag is set.
    public static let smallFilesystemBytes: Int64 = 10 << 30

    /// The size limit applied: `--storage.tsdb.retention.size` when set; else, with neither
    /// retention flag set and a data filesystem of `filesystemBytes` under 10 GiB (a small
    /// container volume), 80% of that filesystem; else 0 (no limit).
    public func effectiveRetentionSize(filesystemBytes: Int64?) -> Int64 {
        if retentionSize > 0 { return retentionSize }
        guard retentionTime == 0, let total = filesystemBytes, total > 0, total < Self.smallFilesystemBytes else { return 0 }
        return total / 10 * 8
    }

    /// "retention.time=15d retention.size=6GiB" ("0B" for no size limit), for the start-up log.
    func retentionSummary(sizeLimit: Int64) -> String {
        "retention.time=\(PrometheusDuration.format(effectiveRetentionTime)) retention.size=\(base2Bytes(sizeLimit))"
    }
}

/// The total size in bytes of the filesystem holding `path` (statvfs), or nil when unknown.
func filesystemSize(of path: String) -> Int64? {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return nil }
    return Int64(info.f_blocks) * Int64(info.f_frsize)
}
