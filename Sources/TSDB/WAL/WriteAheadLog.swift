import MetricModel
import Storage
import Synchronization

/// The writing side of the write-ahead log in `<data>/wal/`: numbered segment files of framed,
/// LZ4-compressed, CRC-32C-checked records (docs/format/wal.md).
///
/// Contract:
/// - `logSeries` queues a new series' record; it is written, before any samples record, by the
///   next `commit` (or by `close`), so a samples record never precedes the series it references.
/// - `commit` writes the queued series and one samples record with a single `write()`, then runs
///   `apply` while still holding the log's lock, so memory sees batches in log order. If the write
///   fails nothing is applied, nothing partial stays in the file, and the error names the file.
/// - Durability: data reaches the kernel on every commit (it survives `kill -9`); segments are
///   fsynced when they are cut, when a checkpoint is written and on `close`.
/// - A segment is cut when the next write would take it past `segmentSize` (a write larger than
///   that gets a segment of its own), and on `cutForTruncation` as described there.
final class WriteAheadLog: Sendable {
    /// The time span of the samples in one segment; nil while it holds none.
    struct SampleRange: Equatable, Sendable {
        var min: Timestamp
        var max: Timestamp

        mutating func widen(_ other: SampleRange) {
            min = Swift.min(min, other.min)
            max = Swift.max(max, other.max)
        }
    }

    struct State {
        /// The segment being written; nil until the first write after opening or a failure.
        var file: AppendOnlyFile?
        /// The number of `file`, or of the next segment to create when `file` is nil.
        var segment: Int
        var pendingSeries = PendingSeries()
        /// Sample time ranges of the segments on disk, by number (series-only segments absent).
        var ranges: [Int: SampleRange]
        /// Numbers of the segments on disk, ascending.
        var segments: [Int]
        /// False until replay hands over (`startWriting`), and again after `close`.
        var isWritable = false
        var isClosed = false
    }

    let directory: String
    let segmentSize: Int
    let state: Mutex<State>

    /// A log in `directory`, not yet writable: replay reads it first, then calls `startWriting`.
    init(directory: String, segmentSize: Int) {
        self.directory = directory
        self.segmentSize = segmentSize
        state = Mutex(State(file: nil, segment: 0, ranges: [:], segments: []))
    }

    /// Makes the log writable after replay: new records go to segment `nextSegment`, created on
    /// the first write. `existing` lists the segments on disk with their sample ranges.
    func startWriting(nextSegment: Int, existing: [Int], ranges: [Int: SampleRange]) {
        state.withLock { state in
            state.segment = nextSegment
            state.segments = existing
            state.ranges = ranges
            state.isWritable = true
        }
    }

    static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    func path(ofSegment number: Int) -> String { directory + "/" + Self.segmentName(number) }

    func logSeries(_ ref: SeriesRef, _ labels: Labels) {
        state.withLock { $0.pendingSeries.add(ref, labels) }
    }

    func commit(_ samples: [WALSample], apply: () -> Void) throws(WALError) {
        let samplesFrame = samples.isEmpty ? [] : WALFrame.encode(.samples(samples))
        var range: SampleRange?
        if let first = samples.first {
            var lowest = first.timestamp, highest = first.timestamp
            for sample in samples {
                lowest = Swift.min(lowest, sample.timestamp)
                highest = Swift.max(highest, sample.timestamp)
            }
            range = SampleRange(min: lowest, max: highest)
        }
        try state.withLock { (state: inout State) throws(WALError) in
            guard state.isWritable, !state.isClosed else {
                throw WALError("write-ahead log \(directory) is \(state.isClosed ? "closed" : "still being replayed")")
            }
            // Without new series the samples frame is written as it is, not copied.
            let bytes = state.pendingSeries.isEmpty ? samplesFrame : state.pendingSeries.frame() + samplesFrame
            if !bytes.isEmpty {
                try write(bytes, &state)
                state.pendingSeries = PendingSeries()
                if let range {
                    if state.ranges[state.segment] == nil { state.ranges[state.segment] = range }
                    else { state.ranges[state.segment]!.widen(range) }
                }
            }
            apply()
        }
    }

    /// Writes `record` (after any queued series records), then calls `apply`, under the log's
    /// lock so no commit slips between the two.
    func log(_ record: WALRecord, apply: () -> Void) throws(WALError) {
        try state.withLock { (state: inout State) throws(WALError) in
            guard state.isWritable, !state.isClosed else {
                throw WALError("write-ahead log \(directory) is \(state.isClosed ? "closed" : "still being replayed")")
            }
            var bytes = state.pendingSeries.isEmpty ? [] : state.pendingSeries.frame()
            bytes += WALFrame.encode(record)
            try write(bytes, &state)
            state.pendingSeries = PendingSeries()
            apply()
        }
    }

    private func write(_ bytes: [UInt8], _ state: inout State) throws(WALError) {
        if let file = state.file, file.isDamaged || (file.length > 0 && file.length + bytes.count > segmentSize) {
            try cut(&state)
        }
        if state.file == nil {
            // Never append to a segment this process did not create: after a restart or a failed
            // cut it may end in a torn record.
            state.file = try AppendOnlyFile(path: path(ofSegment: state.segment))
            state.segments.append(state.segment)
            // Once created the file is ours: a failure here fails this commit, not the next ones.
            try WALFiles.syncDirectory(directory)
        }
        try state.file!.append(bytes)
    }

    /// Fsyncs and closes the current segment; the next write starts segment + 1. A damaged
    /// segment (ending in a write that could not be undone) is abandoned even if fsync fails.
    private func cut(_ state: inout State) throws(WALError) {
        guard let file = state.file else { return }
        do {
            try file.sync()
        } catch where !file.isDamaged {
            throw error
        } catch {}
        state.file = nil
        state.segment += 1
    }

    /// Flushes queued series records, fsyncs and closes the current segment. Later commits fail.
    func close() throws(WALError) {
        try state.withLock { (state: inout State) throws(WALError) in
            guard state.isWritable, !state.isClosed else { state.isClosed = true; return }
            if !state.pendingSeries.isEmpty {
                try write(state.pendingSeries.frame(), &state)
                state.pendingSeries = PendingSeries()
            }
            try state.file?.sync()
            state.file = nil
            state.isClosed = true
        }
    }

    /// Prepares a truncation at `mint`: cuts the current segment when it holds a sample older than
    /// `mint` (so that it can be checkpointed once all of its samples are), then returns the
    /// highest segment number K such that every segment up to K is closed and holds no sample at
    /// or after `mint` — the segments a checkpoint may replace. Nil when there is none.
    func cutForTruncation(before mint: Timestamp) throws(WALError) -> Int? {
        try state.withLock { (state: inout State) throws(WALError) -> Int? in
            guard state.isWritable, !state.isClosed else { return nil }
            if state.file != nil, let range = state.ranges[state.segment], range.min < mint { try cut(&state) }
            var last: Int?
            for number in state.segments {
                if state.file != nil && number == state.segment { break }
                if let range = state.ranges[number], range.max >= mint { break }
                last = number
            }
            return last
        }
    }

    /// Forgets segments up to `last` after a checkpoint replaced them (the caller deletes files).
    func dropSegments(through last: Int) -> [Int] {
        state.withLock { state in
            let dropped = state.segments.filter { $0 <= last }
            state.segments.removeAll { $0 <= last }
            for number in dropped { state.ranges[number] = nil }
            return dropped
        }
    }

    var segmentNumbers: [Int] { state.withLock { $0.segments } }
}

/// Series records waiting for the next write, encoded as each series is logged, so that a scrape
/// creating thousands of series does not keep their label sets alive until its commit.
struct PendingSeries {
    private(set) var count = 0
    private var entries: [UInt8] = []

    var isEmpty: Bool { count == 0 }

    mutating func add(_ ref: SeriesRef, _ labels: Labels) {
        WALRecord.appendSeriesEntry(ref, labels, to: &entries)
        count += 1
    }

    /// The series record of every entry added, framed for the log.
    func frame() -> [UInt8] { WALFrame.encode(payload: WALRecord.seriesPayload(count: count, entries: entries)) }
}
