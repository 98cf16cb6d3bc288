import Logging
import MetricModel
import Storage
import Synchronization

/// The head of the store: every active series with its Gorilla-encoded chunks, and the postings
/// index over their labels. Implements both storage seams.
///
/// Contract: appends are validated per series (out-of-order and duplicate-timestamp samples are
/// rejected and counted); committed samples are immediately visible to new queriers. `truncate`
/// drops whole chunks older than a time and garbage-collects series left without samples.
///
/// `Head()` lives in memory only. `Head.open(directory:)` (or `init(directory:)` followed by
/// `replayWAL()`) keeps a write-ahead log in `<directory>/wal`: a commit returns only after its
/// records were written, replay restores every committed batch after a restart or `kill -9`, and
/// `truncate` checkpoints and deletes segments it no longer needs (see Head+WAL.swift and
/// docs/format/wal.md). Such a head refuses appends until its replay is complete and after `close`.
/// It also writes every closed chunk to `<directory>/chunks_head` and keeps only a reference to
/// it in memory (HeadChunkStore, docs/format/head-chunks.md); replay reads those files first and
/// takes from the log only the samples after each series' last chunk on disk.
public final class Head: Appendable, Queryable, Sendable {
    public struct Options: Sendable {
        /// Samples per chunk before a new one is cut (Prometheus: 120).
        public var samplesPerChunk = 120
        /// The block range in milliseconds (Prometheus: 2 h, `--storage.tsdb.min-block-duration`).
        /// A chunk never spans a multiple of it, so a block cut at those multiples takes whole
        /// chunks and the head can drop exactly the chunks a block took.
        public var chunkRange: Int64 = 2 * 3600 * 1000
        /// Whether appends older than `appendableMinTime` are refused as out of bounds. A head
        /// that blocks are cut from needs it (a sample must not land in a range already
        /// persisted or being persisted); a standalone head accepts anything in order.
        public var enforceAppendWindow = false
        /// Size at which the write-ahead log starts a new segment file (Prometheus: 128 MiB).
        public var walSegmentSize = 128 << 20
        /// Size at which a new `chunks_head` file is started (Prometheus: 128 MiB).
        public var headChunkFileSize = 128 << 20
        /// Bytes of a log file replay reads at a time (see `WALReplayer.replay(file:windowSize:)`).
        var walReplayWindow = WALReplayer.windowSize
        public init() {}
    }

    /// Counters for self-monitoring, named after Prometheus's `prometheus_tsdb_head_*` metrics.
    public struct Stats: Sendable, Equatable {
        public var series = 0
        public var chunks = 0
        public var seriesCreated = 0
        public var seriesRemoved = 0
        public var samplesAppended = 0
        public var outOfOrderSamples = 0
        public var duplicateSamples = 0
        /// Samples refused because they were older than the appendable window.
        public var outOfBoundsSamples = 0
        public var minTime: Timestamp = .max
        public var maxTime: Timestamp = .min
        /// Commits refused because their write-ahead-log write failed.
        public var walWriteFailures = 0
        /// Checkpoints written, and truncations whose checkpoint failed.
        public var walCheckpoints = 0
        public var walCheckpointFailures = 0
    }

    /// Whether appends are accepted: a WAL-backed head starts `replaying` and ends `closed`.
    enum Phase: UInt8 {
        case replaying = 0, open = 1, closed = 2
    }

    struct Index {
        var series = SeriesTable()
        var byLabels = LabelIndex()
        var postings = Postings()
        var nextRef: SeriesRef = 1

        /// The reference of the series with exactly these label ids.
        func ref(labeled ids: SeriesLabels) -> SeriesRef? {
            let table = series
            return byLabels.find(ids) { table[$0]?.labelIDs }
        }

        /// Adds `one`, under its reference and its label ids (not present yet).
        mutating func add(_ one: MemSeries) {
            series[one.ref] = one
            let table = series
            byLabels.insert(one.ref, one.labelIDs) { table[$0]?.labelIDs }
        }

        /// Takes `one` out of both.
        mutating func remove(_ one: MemSeries) {
            let table = series
            byLabels.remove(one.ref, one.labelIDs) { table[$0]?.labelIDs }
            series[one.ref] = nil
        }
    }

    let options: Options
    let index = Mutex(Index())
    /// The label strings of every series, which series hold as ids.
    let symbols = SymbolTable()
    let statistics = Mutex(Stats())
    /// Who to tell when a commit leaves the head spanning more than a threshold (see `watchSpan`).
    private let spanWatch = Mutex<SpanWatch?>(nil)

    struct SpanWatch {
        let threshold: Int64
        let notify: @Sendable () -> Void
    }
    let phase: Atomic<UInt8>
    /// Samples older than this are out of bounds (with `enforceAppendWindow`): the end of the
    /// newest persisted block.
    let minValidTime = Atomic<Int64>(Int64.min)
    /// The last append batch id handed out (ids start at 1; see `HeadAppender`).
    let appendBatches = Atomic<UInt64>(0)
    /// `appendBatches` when the head was last truncated: a series still without samples whose
    /// newest batch is no newer than this was left behind by a batch that rolled back (or by a
    /// replay that found no samples for it) a whole truncation interval ago.
    let abandonFloor = Atomic<UInt64>(0)
    /// The write-ahead log, nil for an in-memory head.
    let wal: WriteAheadLog?
    /// Closed chunks on disk, nil for an in-memory head.
    let headChunks: HeadChunkStore?
    let logger: Logger?
    /// Serializes WAL truncations (checkpoint + segment deletion).
    let walTruncation = Mutex(())
    /// Progress of `replayWAL`, for `/api/v1/status/walreplay`.
    let replayStatus = Mutex(WALReplayStatus())
    /// Every series' position in label order, for sorting selections (see Head+LabelOrder.swift).
    let labelRanks = Mutex<LabelRanks?>(nil)

    /// A head in memory only, open for appends.
    public init(options: Options = Options()) {
        self.options = options
        wal = nil
        headChunks = nil
        logger = nil
        phase = Atomic(Phase.open.rawValue)
    }

    /// A head backed by a write-ahead log in `<directory>/wal` (created if missing). Nothing is
    /// read yet, and appends are refused until `replayWAL()` has run.
    public init(directory: String, options: Options = Options(), logger: Logger? = nil) throws(WALError) {
        guard options.walSegmentSize > 0 else { throw WALError("WAL segment size must be positive, got \(options.walSegmentSize)") }
        self.options = options
        self.logger = logger
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let walDirectory = base + "/wal"
        try WALFiles.makeDirectories(walDirectory)
        wal = WriteAheadLog(directory: walDirectory, segmentSize: options.walSegmentSize)
        headChunks = try HeadChunkStore(directory: base + "/chunks_head", fileSize: options.headChunkFileSize, logger: logger)
        phase = Atomic(Phase.replaying.rawValue)
    }

    /// Opens a WAL-backed head and replays its log: see `init(directory:options:logger:)` and
    /// `replayWAL()`.
    public static func open(directory: String, options: Options = Options(), logger: Logger? = nil) throws(WALError) -> Head {
        let head = try Head(directory: directory, options: options, logger: logger)
        try head.replayWAL()
        return head
    }

    var currentPhase: Phase { Phase(rawValue: phase.load(ordering: .acquiring))! }

    public var stats: Stats {
        var stats = statistics.withLock { $0 }
        stats.series = index.withLock { $0.series.count }
        return stats
    }

    public func appender() -> any Appender { HeadAppender(head: self) }

    public func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        HeadQuerier(head: self, mint: mint, maxt: maxt)
    }

    /// The series for `labels`, created when new, and what `use` returned for it. `use` runs
    /// under the index lock, so a series cannot be dropped as abandoned (`truncate`) between
    /// being found and being marked by an append batch. A nonzero `ref` the head knows names the
    /// series when `labels` are empty or its labels (compared string by string, no hashing);
    /// else `labels` do, and with empty `labels` nil is returned.
    func getOrCreate<Result>(_ ref: SeriesRef, _ labels: Labels, _ use: (MemSeries) -> Result) -> (MemSeries, Result)? {
        if ref != 0 || labels.isEmpty {
            let byRef = index.withLock { index -> (MemSeries, Result)? in
                guard ref != 0, let series = index.series[ref],
                      labels.isEmpty || symbols.matches(series.labelIDs, labels) else { return nil }
                return (series, use(series))
            }
            if byRef != nil || labels.isEmpty { return byRef }
        }
        // Ids are looked up under the index lock, which removals hold while they give ids back:
        // an id found here cannot be freed and handed to another string before it is used.
        let found = index.withLock { index -> (MemSeries, Result)? in
            guard let known = symbols.find(labels), let existing = index.ref(labeled: known),
                  let series = index.series[existing] else { return nil }
            return (series, use(series))
        }
        if let found { return found }
        // Strings are entered before the index lock is taken (holding uses, so the ids stay
        // theirs); if another append created the series meanwhile, the uses are given back.
        let ids = symbols.retain(labels)
        let (series, result, created) = index.withLock { index in
            if let existing = index.ref(labeled: ids), let series = index.series[existing] {
                return (series, use(series), false)
            }
            let series = MemSeries(ref: index.nextRef, labelIDs: ids)
            index.nextRef += 1
            index.add(series)
            index.postings.add(series.ref, labels)
            wal?.logSeries(series.ref, labels)
            return (series, use(series), true)
        }
        if created {
            statistics.withLock { $0.seriesCreated += 1 }
        } else {
            symbols.release(ids)
        }
        return (series, result)
    }

    /// The series with exactly these labels, if the head has one.
    func series(labeled labels: Labels) -> MemSeries? {
        index.withLock { index in symbols.find(labels).flatMap { index.ref(labeled: $0) }.flatMap { index.series[$0] } }
    }

    /// The label set of a head series.
    func labels(of series: MemSeries) -> Labels { symbols.labels(series.labelIDs) }

    /// The label sets of many head series, in order, under one lock.
    func labels(of many: some Collection<MemSeries>) -> [Labels] { symbols.labels(many.lazy.map(\.labelIDs)) }

    /// `series` sorted by label set.
    func sortedByLabelsDirectly(_ series: [MemSeries]) -> [MemSeries] {
        symbols.sorted(series) { $0.labelIDs }
    }

    func series(for refs: [SeriesRef]) -> [MemSeries] {
        index.withLock { index in refs.compactMap { index.series[$0] } }
    }

    /// Takes out of the index and the postings the series of `series` for which `stillGone` holds,
    /// checked under the index lock (which appends hold while they find and mark a series).
    /// Returns how many were removed.
    @discardableResult
    func removeFromIndex(_ series: [MemSeries], where stillGone: (MemSeries) -> Bool = { _ in true }) -> Int {
        guard !series.isEmpty else { return 0 }
        let removed = index.withLock { index in
            var gone = Set<SeriesRef>()
            var removed: [MemSeries] = []
            for one in series where index.series[one.ref] === one && stillGone(one) {
                gone.insert(one.ref)
                removed.append(one)
                index.remove(one)
            }
            index.postings.remove(gone, labels(of: removed))
            // Under the index lock, so no lookup holds ids found before they are freed.
            for one in removed { symbols.release(one.labelIDs) }
            return removed
        }
        return removed.count
    }

    func record<Result>(_ update: (inout Stats) -> Result) -> Result { statistics.withLock { update(&$0) } }

    /// Calls `notify` (outside the head's locks, on the committing thread) after every commit that
    /// leaves the head's samples spanning more than `threshold` milliseconds; replaces any earlier watch.
    public func watchSpan(exceeding threshold: Int64, _ notify: @escaping @Sendable () -> Void) {
        spanWatch.withLock { $0 = SpanWatch(threshold: threshold, notify: notify) }
    }

    /// A commit left the head spanning `span` milliseconds.
    func committed(span: Int64) {
        guard let watch = spanWatch.withLock({ $0 }), span > watch.threshold else { return }
        watch.notify()
    }

    /// Drops chunks whose samples are all older than `mint` and removes series left empty; then,
    /// with a write-ahead log, checkpoints and deletes the segments holding only older samples
    /// (`truncateWAL`; a failure there is logged and counted, the memory truncation stands) and
    /// deletes the `chunks_head` files whose chunks all end before `mint`, and takes the pages that
    /// queries left resident in the maps of those kept out of the resident set.
    /// Returns the number of series removed.
    @discardableResult
    public func truncate(before mint: Timestamp) -> Int {
        let all = index.withLock { Array($0.series.values) }
        let floor = abandonFloor.exchange(appendBatches.load(ordering: .relaxed), ordering: .relaxed)
        var emptied: [MemSeries] = []
        var neverFilled: [MemSeries] = []
        var chunksRemoved = 0
        for series in all {
            let (removed, empty) = series.truncate(before: mint)
            chunksRemoved += removed
            if empty { emptied.append(series) } else if series.isAbandoned(floor: floor) { neverFilled.append(series) }
        }
        let gone = removeFromIndex(emptied.filter { $0.last == nil })
        // Still without a sample under the index lock: no append found and marked it meanwhile.
        let abandoned = removeFromIndex(neverFilled) { $0.isAbandoned(floor: floor) }
        statistics.withLock {
            $0.seriesRemoved += gone + abandoned
            $0.chunks -= chunksRemoved + gone
            if $0.minTime < mint { $0.minTime = mint }
        }
        headChunks?.truncate(before: mint)
        headChunks?.releaseResidentPages()
        if wal != nil {
            do {
                try truncateWAL(before: mint)
            } catch {
                record { $0.walCheckpointFailures += 1 }
                logger?.error("WAL truncation failed", metadata: ["mint": "\(mint)", "err": "\(error)"])
            }
        }
        return emptied.count + abandoned
    }
}
