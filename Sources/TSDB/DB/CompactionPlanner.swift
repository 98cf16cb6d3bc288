import MetricModel

/// Decides which blocks to merge next, from their metas alone.
///
/// Contract: `plan` returns the ULIDs of two or more blocks to merge into one, or nil when
/// nothing is due. Overlapping blocks come first (they are merged whatever their sizes). Then,
/// for each compaction range after the first, ascending: blocks lying wholly inside one aligned
/// window `[k·range, (k+1)·range)` are merged once the window is complete — the blocks cover it
/// exactly, or a newer block starts at or after its end. The newest block is left out of the
/// ranged planning, as in Prometheus, so that a block just cut from the head is not merged at once.
public enum CompactionPlanner {
    public static func plan(_ metas: [BlockMeta], ranges: [Int64]) -> [String]? {
        let sorted = metas.sorted { ($0.minTime, $0.ulid) < ($1.minTime, $1.ulid) }
        if let overlapping = firstOverlappingGroup(sorted) { return overlapping }
        guard sorted.count > 2, let newestStart = sorted.map(\.minTime).max() else { return nil }
        let candidates = sorted.dropLast()
        for range in ranges.dropFirst() where range > 0 {
            var groups: [Timestamp: [BlockMeta]] = [:]
            for meta in candidates {
                let start = MemSeries.rangeStart(meta.minTime, range)
                guard meta.maxTime <= start + range else { continue }
                groups[start, default: []].append(meta)
            }
            for start in groups.keys.sorted() {
                let group = groups[start]!
                guard group.count > 1 else { continue }
                let covers = group.first!.minTime == start && group.last!.maxTime == start + range
                if covers || newestStart >= start + range { return group.map(\.ulid) }
            }
        }
        return nil
    }

    /// The first run of two or more blocks whose time ranges overlap, oldest first.
    static func firstOverlappingGroup(_ sorted: [BlockMeta]) -> [String]? {
        var group: [BlockMeta] = []
        var groupEnd = Timestamp.min
        for meta in sorted {
            if !group.isEmpty && meta.minTime < groupEnd {
                group.append(meta)
                groupEnd = Swift.max(groupEnd, meta.maxTime)
                continue
            }
            if group.count > 1 { return group.map(\.ulid) }
            group = [meta]
            groupEnd = meta.maxTime
        }
        return group.count > 1 ? group.map(\.ulid) : nil
    }
}
