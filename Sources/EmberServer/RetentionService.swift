#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import MetricModel
import ServiceLifecycle
import TSDB

/// Enforces retention every `interval`: first by time (drops head data older than `retention`
/// before the newest sample), then by size (when the WAL on disk is over `sizeLimit` bytes,
/// truncates the oldest data so that it fits; 0 means no size limit).
struct RetentionService: Service {
    let head: Head
    let retention: Int64
    var sizeLimit: Int64 = 0
    var interval: Duration = .seconds(60)
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
            enforce()
        }
    }

    /// One round of time and size retention.
    func enforce() {
        let newest = head.stats.maxTime
        if newest != .min {
            let removed = head.truncate(before: newest - retention)
            if removed > 0 { logger.info("retention removed series", metadata: ["series": "\(removed)"]) }
        }
        guard sizeLimit > 0 else { return }
        let before = head.diskUsage()
        if let (cut, removed) = head.applySizeRetention(limit: sizeLimit) {
            let after = head.diskUsage()
            logger.info("size retention truncated the head", metadata: [
                "limit": "\(base2Bytes(sizeLimit))", "before_bytes": "\(before)", "after_bytes": "\(after)",
                "mint": "\(cut)", "series_removed": "\(removed)"])
            if after > sizeLimit {
                logger.warning("storage is still over the size limit after truncation", metadata: [
                    "limit": "\(base2Bytes(sizeLimit))", "bytes": "\(after)"])
            }
        }
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
