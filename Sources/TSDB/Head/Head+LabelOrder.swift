import MetricModel
import Storage

/// The position of every head series in label order, as of one version of the postings.
///
/// Contract: `ranks[ref]` is the series' index in the label-sorted list of all series that
/// existed at `version`, or -1 for a reference that did not exist then. Comparing two ranks from
/// one snapshot orders the series exactly as comparing their labels does.
struct LabelRanks: Sendable {
    let version: UInt64
    let ranks: [Int32]
}

extension Head {
    /// A selection of at least this fraction of all series (as 1/n) pays for ranking every series,
    /// which later selections reuse until a series is added or removed.
    static let rankingFraction = 8

    /// `series` (all present in the index at postings `version`) sorted by labels.
    ///
    /// Large selections sort by cached ranks: integers instead of label sets. Small selections,
    /// and selections while the set of series keeps changing, compare labels directly.
    func sortedByLabels(_ series: [MemSeries], version: UInt64, total: Int, nextRef: SeriesRef) -> [MemSeries] {
        guard series.count > 1 else { return series }
        var ranking = labelRanks.withLock { $0 }
        if ranking?.version != version {
            // Ranks are an array by reference: worth it only while references are dense.
            let dense = nextRef <= SeriesRef(4 * total + 1024) && total < Int(Int32.max)
            guard dense, series.count * Self.rankingFraction >= total else {
                return sortedByLabelsDirectly(series)
            }
            ranking = rankAllSeries()
        }
        guard let ranking, ranking.version == version else {
            return sortedByLabelsDirectly(series)
        }
        var keyed: [(rank: Int32, position: Int32)] = []
        keyed.reserveCapacity(series.count)
        for (position, one) in series.enumerated() {
            let ref = Int(one.ref)
            guard ref < ranking.ranks.count, ranking.ranks[ref] >= 0 else {
                return sortedByLabelsDirectly(series)
            }
            keyed.append((ranking.ranks[ref], Int32(position)))
        }
        keyed.sort { $0.rank < $1.rank }
        return keyed.map { series[Int($0.position)] }
    }

    /// Ranks every series in the index now, caches and returns the ranking.
    private func rankAllSeries() -> LabelRanks {
        let (all, version, nextRef) = index.withLock { index in
            (Array(index.series.values), index.postings.version, index.nextRef)
        }
        let ordered = sortedByLabelsDirectly(all)
        var ranks = [Int32](repeating: -1, count: Int(nextRef))
        for (rank, one) in ordered.enumerated() where Int(one.ref) < ranks.count {
            ranks[Int(one.ref)] = Int32(rank)
        }
        let ranking = LabelRanks(version: version, ranks: ranks)
        labelRanks.withLock { cached in
            if cached.map({ $0.version < version }) ?? true { cached = ranking }
        }
        return ranking
    }
}
