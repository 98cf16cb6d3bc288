import Foundation
import Logging
import MetricModel
import Storage
import Synchronization

/// The whole store in one data directory: the head (with its write-ahead log) for recent data and
/// immutable blocks for older data, behind the `Appendable` and `Queryable` seams.
///
/// Contract:
/// - `init` removes leftovers of interrupted writes (`*.tmp` directories), opens every block
///   (a block that fails to open is logged with the file and offset at fault and renamed
///   `<ulid>.corrupted`, never deleted), drops blocks already merged into another one (a crash
///   between writing a compacted block and deleting its parents), and prepares the head without
///   reading its log; `replay()` reads it. Appends are refused until then.
/// - Appends go to the head; a sample older than the head's appendable window
///   (`Head.appendableMinTime`) is refused as out of bounds.
/// - `compact()` cuts the head's oldest `blockRange` into a block once the head spans 1.5 block
///   ranges, then merges adjacent blocks into larger aligned ranges; `applyRetention` deletes
///   whole blocks past the time or size limit. Both are meant for one background task.
/// - A querier merges the blocks and the head overlapping its range: series by labels, samples
///   by time, a timestamp present in several sources once. Deleting a block while a querier
///   still reads it is safe: its files are unlinked, its memory map lives until the querier ends.
public final class Database: Appendable, Queryable, Sendable {
    public struct Options: Sendable {
        public var head = Head.Options()
        /// The longest block compaction may produce (Prometheus: 10% of the retention time,
        /// at most 31 d, `--storage.tsdb.max-block-duration`).
        public var maxBlockDuration: Int64 = 31 * 24 * 3600 * 1000
        public init() {}

        /// The block range (`head.chunkRange`, Prometheus's `--storage.tsdb.min-block-duration`).
        public var blockRange: Int64 {
            get { head.chunkRange }
            set { head.chunkRange = newValue }
        }

        /// The ranges blocks are compacted into: the block range times 1, 3, 9, ... up to
        /// `maxBlockDuration` (Prometheus's exponential ranges with step 3).
        public var compactionRanges: [Int64] {
            var ranges = [blockRange]
            while let last = ranges.last, last * 3 <= maxBlockDuration, ranges.count < 10 { ranges.append(last * 3) }
            return ranges
        }
    }

    /// Counters for self-monitoring, named after Prometheus's `prometheus_tsdb_*` metrics.
    public struct Stats: Sendable, Equatable {
        public var compactionsTotal = 0
        public var compactionsFailed = 0
        public var headCompactions = 0
        public var blocksDeletedByTime = 0
        public var blocksDeletedBySize = 0
        public var corruptedBlocks = 0
    }

    public let directory: String
    public let head: Head
    public let options: Options
    let logger: Logger?
    /// Open blocks, oldest first (by minTime, then ULID).
    let loaded = Mutex<[Block]>([])
    let statistics = Mutex(Stats())
    /// Serializes compaction and retention.
    let maintenance = Mutex(())

    /// Opens `directory` (created if missing): blocks now, the head's log at `replay()`.
    public init(directory: String, options: Options = Options(), logger: Logger? = nil) throws {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.options = options
        self.logger = logger
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        var headOptions = options.head
        headOptions.enforceAppendWindow = true
        head = try Head(directory: self.directory, options: headOptions, logger: logger)
        let blocks = try openBlocks()
        loaded.withLock { $0 = blocks }
        if let newest = blocks.map(\.meta.maxTime).max() { head.setMinValidTime(newest) }
    }

    /// Opens and replays: `init` then `replay()`.
    public static func open(directory: String, options: Options = Options(), logger: Logger? = nil) throws -> Database {
        let db = try Database(directory: directory, options: options, logger: logger)
        _ = try db.replay()
        return db
    }

    /// Replays the head's write-ahead log, then drops from the head what blocks already hold
    /// (a crash after a block was written but before the head was truncated).
    public func replay() throws -> ReplayReport {
        let report = try head.replayWAL()
        if let newest = blocks.map(\.meta.maxTime).max(), let oldest = head.oldestSampleTime(), oldest < newest {
            head.truncate(before: newest)
            logger?.info("dropped head data already persisted in blocks", metadata: ["before": "\(newest)"])
        }
        return report
    }

    /// The open blocks, oldest first.
    public var blocks: [Block] { loaded.withLock { $0 } }

    public var stats: Stats { statistics.withLock { $0 } }

    public func appender() -> any Appender { head.appender() }

    public func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        DatabaseQuerier(database: self, mint: mint, maxt: maxt)
    }

    /// The queriers to merge for one read: the head's first, then the blocks overlapping the
    /// range as they are *after* the head was read. Compaction adds a block before it truncates
    /// the head, so whatever the head no longer had, the later block list has (a range read from
    /// both is merged without duplicates).
    func readParts<T>(mint: Timestamp, maxt: Timestamp, headFirst: (any Querier) throws -> T,
                      thenBlocks: ([any Querier]) throws -> [T]) throws -> [T] {
        let fromHead = try headFirst(try head.querier(mint: mint, maxt: maxt))
        let overlapping = blocks.filter { $0.meta.minTime <= maxt && $0.meta.maxTime > mint }
        let fromBlocks = try thenBlocks(try overlapping.map { try $0.querier(mint: mint, maxt: maxt) })
        return fromBlocks + [fromHead]
    }

    /// Bytes on disk: blocks, write-ahead log and head chunks.
    public func diskUsage() -> Int64 {
        blocks.reduce(head.diskUsage()) { $0 + $1.sizeOnDisk }
    }

    /// The newest sample held anywhere (head or blocks), or nil when empty.
    public var newestSampleTime: Timestamp? {
        let headMax = head.stats.maxTime
        let blockMax = blocks.map { $0.meta.maxTime - 1 }.max()
        switch (headMax == .min ? nil : headMax, blockMax) {
        case let (a?, b?): return Swift.max(a, b)
        case let (a?, nil): return a
        case let (nil, b?): return b
        default: return nil
        }
    }

    /// The oldest sample time held (the oldest block's start, else the head's), or nil.
    public var oldestSampleTime: Timestamp? {
        blocks.first?.meta.minTime ?? head.oldestSampleTime()
    }

    /// Flushes and closes the head's log. Blocks need nothing.
    public func close() throws {
        try head.close()
    }

    func record(_ update: (inout Stats) -> Void) { statistics.withLock { update(&$0) } }
}
