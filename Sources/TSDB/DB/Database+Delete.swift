import MetricModel

extension Database {
    /// Deletes the samples in [mint, maxt] of every series matching `matchers`: at once in the
    /// head (Head.deleteSeries), by tombstones in each overlapping block (Block.delete). Queriers
    /// created afterwards no longer see them; compaction or `cleanTombstones` drops them from disk.
    public func deleteSeries(matching matchers: [LabelMatcher], mint: Timestamp, maxt: Timestamp) throws {
        guard mint <= maxt else { return }
        for block in blocks where block.meta.minTime <= maxt && block.meta.maxTime > mint {
            try block.delete(matchers: matchers, mint: mint, maxt: maxt)
        }
        try head.deleteSeries(matching: matchers, mint: mint, maxt: maxt)
    }

    /// Rewrites every block that has tombstones without the deleted samples (same range, level
    /// and sources), then deletes the old block; a block left with nothing is deleted. Returns
    /// how many blocks were rewritten or deleted.
    @discardableResult
    public func cleanTombstones() throws -> Int {
        try maintenance.withLock { _ in
            var changed = 0
            for block in blocks where !block.tombstones.withLock({ $0.isEmpty }) {
                let series = block.allSeries()
                let outcome = Self.writeUnlessEmpty(parent: directory, minTime: block.meta.minTime, maxTime: block.meta.maxTime,
                                                    level: block.meta.compaction.level, sources: block.meta.compaction.sources,
                                                    series: series)
                if let failure = series.error {
                    if case let .success(meta?) = outcome { removeDirectories(of: [], paths: [directory + "/" + meta.ulid]) }
                    throw failure
                }
                switch outcome {
                case let .failure(error): throw error
                case let .success(meta?):
                    let rewritten = try Block.open(directory + "/" + meta.ulid)
                    swapBlocks(removing: [block], adding: [rewritten])
                case .success(nil):
                    swapBlocks(removing: [block], adding: [])
                }
                removeDirectories(of: [block], reason: "tombstones cleaned")
                changed += 1
            }
            return changed
        }
    }
}
