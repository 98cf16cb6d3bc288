#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricModel
import Storage

extension Head {
    /// Bytes the head occupies on disk: every file under `<directory>/wal` (segments and
    /// checkpoints) and `<directory>/chunks_head`. 0 for an in-memory head.
    public func diskUsage() -> Int64 {
        guard let wal else { return 0 }
        return WALFiles.treeSize(wal.directory) + (headChunks.map { WALFiles.treeSize($0.directory) } ?? 0)
    }

    /// The time to truncate before so that the oldest write-ahead-log segments go and disk usage
    /// comes down to at most `limit` bytes, or nil when usage is already within it.
    ///
    /// Walks the segments oldest first, adding up their sizes until they cover the excess; the
    /// cut is one past the newest sample in the segments walked, so `truncate(before:)` can
    /// checkpoint and delete all of them. When even dropping every segment is not enough, the
    /// cut is past the newest sample: all samples go and only the series remain (in the
    /// checkpoint) until their series are collected.
    public func retentionCut(forSize limit: Int64) -> Timestamp? {
        guard let wal else { return nil }
        let usage = diskUsage()
        guard usage > limit else { return nil }
        let excess = usage - limit
        let (segments, ranges) = wal.state.withLock { ($0.segments, $0.ranges) }
        var freed: Int64 = 0
        var newest = Timestamp.min
        for number in segments {
            freed += WALFiles.size(wal.path(ofSegment: number))
            if let range = ranges[number] { newest = Swift.max(newest, range.max) }
            if freed >= excess && newest != .min { return newest &+ 1 }
        }
        let maxTime = stats.maxTime
        return maxTime == .min ? nil : maxTime &+ 1
    }

    /// Applies a size limit: when over `limit` bytes, truncates the oldest data at
    /// `retentionCut(forSize:)`, and again (at most three rounds) while the checkpoint that the
    /// truncation wrote keeps usage over the limit. Returns the last cut and the series removed,
    /// or nil when usage was within the limit.
    @discardableResult
    public func applySizeRetention(limit: Int64) -> (cut: Timestamp, removedSeries: Int)? {
        var result: (cut: Timestamp, removedSeries: Int)?
        for _ in 0..<3 {
            guard let cut = retentionCut(forSize: limit), cut > (result?.cut ?? .min) else { break }
            result = (cut, (result?.removedSeries ?? 0) + truncate(before: cut))
        }
        return result
    }
}

extension WALFiles {
    /// The size of a file, or 0 when it cannot be read.
    static func size(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// The total size of the regular files under `path` (0 when it is missing).
    static func treeSize(_ path: String) -> Int64 {
        guard isDirectory(path) else { return size(path) }
        guard let names = try? list(path) else { return 0 }
        return names.reduce(0) { $0 + treeSize(path + "/" + $1) }
    }
}
