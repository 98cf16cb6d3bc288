import Foundation
import MetricModel

extension Database {
    /// One round of compaction: cuts blocks from the head while it spans more than 1.5 block
    /// ranges, then merges blocks as `CompactionPlanner` says. Returns the blocks written. A
    /// failure leaves everything as it was (a half-written block is a `*.tmp` directory, removed
    /// at the next start) and is counted and thrown.
    @discardableResult
    public func compact() throws -> Int {
        try maintenance.withLock { _ in
            do {
                let written = try compactHead()
                return written + (try compactBlocks())
            } catch {
                record { $0.compactionsFailed += 1 }
                throw error
            }
        }
    }

    /// Whether the head spans more than 1.5 block ranges by its counters (cheap; `compact()`
    /// then checks against the exact oldest sample).
    /// Calls `notify` after every commit that leaves `headNeedsCompaction` true (Prometheus's
    /// appender signals its compactor on commit the same way), so a maintenance loop can sleep
    /// until then instead of polling.
    public func onHeadCompactable(_ notify: @escaping @Sendable () -> Void) {
        head.watchSpan(exceeding: options.blockRange / 2 * 3, notify)
    }

    public var headNeedsCompaction: Bool {
        let stats = head.stats
        guard stats.maxTime != .min, stats.minTime != .max else { return false }
        return stats.maxTime - stats.minTime > options.blockRange / 2 * 3
    }

    /// Cuts `[k·range, (k+1)·range)` windows off the head's oldest end into level-1 blocks.
    func compactHead() throws -> Int {
        let range = options.blockRange
        var written = 0
        while true {
            // The counters' minimum is never newer than the oldest sample, so when they do not
            // span 1.5 ranges the exact scan over every series would not either: skip it.
            guard headNeedsCompaction else { break }
            let newest = head.stats.maxTime
            guard newest != .min, let oldest = head.oldestSampleTime() else { break }
            // The counters' minimum may be older than what is left (deleted data): correct it.
            head.record { if $0.minTime < oldest { $0.minTime = oldest } }
            guard newest - oldest > range / 2 * 3 else { break }
            let mint = MemSeries.rangeStart(oldest, range)
            let maxt = mint + range
            // Nothing may be appended below maxt from now on; the window already excludes it.
            head.setMinValidTime(maxt)
            let series = head.blockSeries(mint: mint, maxt: maxt)
            if series.count > 0 {
                let started = ContinuousClock.now
                guard let meta = try Self.writeUnlessEmpty(parent: directory, minTime: mint, maxTime: maxt, level: 1,
                                                           sources: nil, series: series).get() else {
                    // Deleted meanwhile: nothing to persist.
                    head.truncate(before: maxt)
                    continue
                }
                let block = try Block.open(directory + "/" + meta.ulid)
                swapBlocks(removing: [], adding: [block])
                written += 1
                record {
                    $0.headCompactions += 1
                    $0.compactionsTotal += 1
                }
                logger?.info("write block", metadata: [
                    "ulid": "\(meta.ulid)", "mint": "\(mint)", "maxt": "\(maxt)", "series": "\(meta.stats.numSeries)",
                    "samples": "\(meta.stats.numSamples)", "duration": "\(ContinuousClock.now - started)"])
            }
            head.truncate(before: maxt)
        }
        return written
    }

    /// `BlockWriter.write`, with "no series had a chunk" as nil rather than an error.
    static func writeUnlessEmpty(parent: String, minTime: Timestamp, maxTime: Timestamp, level: Int, sources: [String]?,
                                 series: some Sequence<BlockSeries>) -> Result<BlockMeta?, BlockError> {
        do {
            return .success(try BlockWriter.write(parent: parent, minTime: minTime, maxTime: maxTime, level: level,
                                                  sources: sources, series: series))
        } catch {
            return error.kind == .empty ? .success(nil) : .failure(error)
        }
    }

    /// Merges blocks while the planner finds a group; each merge writes one block, then deletes
    /// its parents.
    func compactBlocks() throws -> Int {
        var written = 0
        while let ulids = CompactionPlanner.plan(blocks.map(\.meta), ranges: options.compactionRanges) {
            let parents = blocks.filter { ulids.contains($0.meta.ulid) }
            guard parents.count > 1 else { break }
            let started = ContinuousClock.now
            let sources = Array(Set(parents.flatMap(\.meta.compaction.sources))).sorted()
            let level = (parents.map(\.meta.compaction.level).max() ?? 0) + 1
            let inputs = parents.map { $0.allSeries() }
            let merged = BlockMerger(inputs.map { AnySequence($0) }, samplesPerChunk: options.head.samplesPerChunk)
            let outcome = Self.writeUnlessEmpty(parent: directory, minTime: parents.map(\.meta.minTime).min()!,
                                                maxTime: parents.map(\.meta.maxTime).max()!, level: level,
                                                sources: sources, series: merged)
            let meta: BlockMeta
            switch outcome {
            case let .failure(error): throw error
            case let .success(wrote?): meta = wrote
            case .success(nil):
                if let failure = inputs.compactMap(\.error).first { throw failure }
                // Every sample was deleted (tombstones): the parents simply go.
                swapBlocks(removing: parents, adding: [])
                removeDirectories(of: parents, reason: "all samples deleted")
                continue
            }
            // A parent that could not be read completely must not be replaced by a partial copy.
            if let failure = inputs.compactMap(\.error).first {
                removeDirectories(of: [], paths: [directory + "/" + meta.ulid])
                throw failure
            }
            let block = try Block.open(directory + "/" + meta.ulid)
            swapBlocks(removing: parents, adding: [block])
            removeDirectories(of: parents, reason: "compacted into \(meta.ulid)")
            written += 1
            record { $0.compactionsTotal += 1 }
            logger?.info("compact blocks", metadata: [
                "ulid": "\(meta.ulid)", "mint": "\(meta.minTime)", "maxt": "\(meta.maxTime)",
                "sources": "\(parents.map(\.meta.ulid))", "duration": "\(ContinuousClock.now - started)"])
        }
        return written
    }
}
