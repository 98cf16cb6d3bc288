import MetricModel

/// The series of a block being written, packed for the index writer: every distinct string and
/// every distinct label pair once, each series as a run of pair numbers and a run of chunk metas
/// in flat arrays.
///
/// Contract: series are appended in index order (the writer checks it) and keep their label order;
/// `pairs(of:)` and `chunks(of:)` give them back as numbers into `strings` and `pairNames` /
/// `pairValues`. Memory is a few bytes per label and 24 per chunk, plus each distinct string
/// once, rather than a `Labels` value per series (compacting a block of 100,000 series adds 34
/// MiB of anonymous memory instead of 58: docs/benchmarks/2026-11-30-head-compaction.md).
struct IndexedSeriesTable {
    /// Every distinct label name and value, by local number (first-seen order).
    private(set) var strings: [String] = []
    private var stringNumbers: [String: UInt32] = [:]
    /// Label pair number → the local numbers of its name and value.
    private(set) var pairNames: [UInt32] = []
    private(set) var pairValues: [UInt32] = []
    private var pairNumbers: [UInt64: UInt32] = [:]
    /// Each series' pair numbers, one series after another; `pairEnds[i]` ends series i's run.
    private(set) var seriesPairs: [UInt32] = []
    private var pairEnds: [Int] = []
    private var chunkMetas: [ChunkMeta] = []
    private var chunkEnds: [Int] = []

    var count: Int { pairEnds.count }

    mutating func append(labels: Labels, chunks: [ChunkMeta]) {
        for label in labels {
            let key = UInt64(number(of: label.name)) << 32 | UInt64(number(of: label.value))
            if let pair = pairNumbers[key] {
                seriesPairs.append(pair)
            } else {
                let pair = UInt32(pairNames.count)
                pairNumbers[key] = pair
                pairNames.append(UInt32(truncatingIfNeeded: key >> 32))
                pairValues.append(UInt32(truncatingIfNeeded: key))
                seriesPairs.append(pair)
            }
        }
        pairEnds.append(seriesPairs.count)
        chunkMetas.append(contentsOf: chunks)
        chunkEnds.append(chunkMetas.count)
    }

    func pairs(of series: Int) -> ArraySlice<UInt32> {
        seriesPairs[(series == 0 ? 0 : pairEnds[series - 1])..<pairEnds[series]]
    }

    func chunks(of series: Int) -> ArraySlice<ChunkMeta> {
        chunkMetas[(series == 0 ? 0 : chunkEnds[series - 1])..<chunkEnds[series]]
    }

    /// Drops the lookup tables, which only `append` needs.
    mutating func finishAppending() {
        stringNumbers = [:]
        pairNumbers = [:]
    }

    private mutating func number(of string: String) -> UInt32 {
        if let known = stringNumbers[string] { return known }
        let next = UInt32(strings.count)
        stringNumbers[string] = next
        strings.append(string)
        return next
    }
}
