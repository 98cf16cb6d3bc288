import Dispatch
import Logging
import MetricModel
import Storage
import Synchronization

/// A closed chunk of a head series that lives in a `chunks_head` file: where it is and what it
/// spans. Holding one keeps its file's mapping alive.
struct MappedChunk: Sendable {
    let file: HeadChunkFile
    let offset: UInt32
    let sampleCount: UInt16
    let minTime: Timestamp
    let maxTime: Timestamp

    /// A copy of the chunk's encoded bytes (as `XORChunk.bytes`).
    func bytes() -> [UInt8] { file.data(at: Int(offset)) }

    /// The same bytes read without the map (`HeadChunkFile.readData(at:)`).
    func bytesReadUnmapped() -> [UInt8] { file.readData(at: Int(offset)) }
}

/// The head's closed chunks on disk: numbered files in `<data>/chunks_head/`
/// (docs/format/head-chunks.md), memory-mapped, written through a buffer.
///
/// Contract:
/// - `write` buffers one chunk record in the current file and returns where it is at once; the
///   buffer is written to the file when it reaches `flushThreshold`, when the file is cut and on
///   `close`. A file is cut (flushed, then fsynced off the caller's thread) when the next record
///   would take it past `fileSize`. Only `close` fsyncs on the caller's thread. The write-ahead
///   log stays the durability guarantee: after a crash a file may end early or torn, and replay
///   takes the missing samples from the log.
/// - `write` returns nil only when no file could be created (disk full, permissions); the caller
///   then keeps the chunk in memory and offers it again later.
/// - `load` (once, before the first `write`) reads every file, truncating a torn or corrupt tail
///   with a warning and deleting the files after a damaged or missing one, so that each series'
///   chunks on disk form an unbroken run from its oldest chunk; new records go to a new file.
/// - `truncate(before:)` deletes the files (other than the one being written) whose chunks all
///   end before the cut.
final class HeadChunkStore: Sendable {
    struct State {
        /// Files on disk, ascending by number, the current one last.
        var files: [HeadChunkFile] = []
        var current: HeadChunkFile?
        var nextNumber = 0
        var isClosed = false
    }

    /// What `load` found.
    struct Loaded {
        /// Each series' chunks, oldest first, forming an unbroken run.
        var chunks: [SeriesRef: [MappedChunk]] = [:]
        var files = 0
        var corruptions: [ReplayReport.Corruption] = []
        /// The last `truncate(before:)` cut recorded in `truncated_before` (`.min` when none).
        var truncatedBefore: Timestamp = .min
    }

    /// Name of the file recording the last truncation cut.
    static let truncationFile = "truncated_before"

    let directory: String
    let fileSize: Int
    let flushThreshold: Int
    let logger: Logger?
    let state = Mutex(State())
    /// Chunk records that could not be buffered or flushed (for self-monitoring and tests).
    let failures = Atomic<Int>(0)

    init(directory: String, fileSize: Int, flushThreshold: Int = 1 << 20, logger: Logger?) throws(WALError) {
        guard fileSize > 0 else { throw WALError("head chunk file size must be positive, got \(fileSize)") }
        self.directory = directory
        self.fileSize = fileSize
        self.flushThreshold = flushThreshold
        self.logger = logger
        try WALFiles.makeDirectories(directory)
    }

    func path(of number: Int) -> String { directory + "/" + HeadChunkFormat.fileName(number) }

    func write(ref: SeriesRef, chunk: XORChunk) -> MappedChunk? {
        guard let minTime = chunk.minTime, let maxTime = chunk.maxTime else { return nil }
        var record: [UInt8] = []
        record.reserveCapacity(HeadChunkFormat.recordSize(dataLength: chunk.bytes.count))
        HeadChunkFormat.encode(ref: ref, chunk: chunk, into: &record)
        return state.withLock { state -> MappedChunk? in
            guard !state.isClosed else { return nil }
            if let current = state.current, current.length > HeadChunkFormat.headerSize,
               current.length + record.count > fileSize {
                cut(&state)
            }
            if state.current == nil {
                let number = state.nextNumber
                state.nextNumber += 1
                do {
                    let file = try HeadChunkFile.create(number: number, path: path(of: number),
                                                        capacity: max(fileSize, HeadChunkFormat.headerSize + record.count))
                    state.files.append(file)
                    state.current = file
                    try WALFiles.syncDirectory(directory)
                } catch {
                    failures.add(1, ordering: .relaxed)
                    logger?.error("cannot create head chunk file; keeping chunks in memory", metadata: ["err": "\(error)"])
                    return nil
                }
            }
            let file = state.current!
            let (offset, buffered) = file.append(record, maxTime: maxTime)
            if buffered >= flushThreshold { flush(file) }
            return MappedChunk(file: file, offset: UInt32(offset), sampleCount: UInt16(chunk.count),
                               minTime: minTime, maxTime: maxTime)
        }
    }

    private func flush(_ file: HeadChunkFile) {
        do {
            try file.flush()
        } catch {
            failures.add(1, ordering: .relaxed)
            logger?.error("head chunk write failed; the chunks stay buffered", metadata: ["file": "\(file.path)", "err": "\(error)"])
        }
    }

    /// Finishes the current file: flushes it here, fsyncs it on another thread.
    private func cut(_ state: inout State) {
        guard let file = state.current else { return }
        state.current = nil
        flush(file)
        let logger = self.logger
        DispatchQueue.global(qos: .utility).async {
            do { try file.sync() } catch { logger?.warning("head chunk fsync failed", metadata: ["err": "\(error)"]) }
        }
    }

    /// Writes what is buffered (without fsync).
    func flush() {
        if let file = state.withLock({ $0.current }) { flush(file) }
    }

    /// Writes what is buffered (also what an earlier failed flush left in a finished file) and
    /// fsyncs the current file; later writes are refused.
    func close() throws(WALError) {
        let (current, files) = state.withLock { state -> (HeadChunkFile?, [HeadChunkFile]) in
            state.isClosed = true
            defer { state.current = nil }
            return (state.current, state.files)
        }
        for file in files where file !== current { try file.flush() }
        guard let current else { return }
        try current.flush()
        try current.sync()
    }

    /// Deletes the files, other than the current one, whose chunks all end before `mint`.
    /// Returns how many were deleted.
    ///
    /// First records `mint` in `truncated_before` (8 bytes little-endian, then their CRC-32C;
    /// written to a temporary file and renamed), so that replay drops chunks of deleted series
    /// that survive in files still holding newer chunks.
    @discardableResult
    func truncate(before mint: Timestamp) -> Int {
        do {
            try recordTruncation(mint)
        } catch {
            logger?.warning("cannot record the head chunk truncation time", metadata: ["mint": "\(mint)", "err": "\(error)"])
        }
        let doomed = state.withLock { state -> [HeadChunkFile] in
            let doomed = state.files.filter { $0 !== state.current && $0.maxTime < mint }
            state.files.removeAll { file in doomed.contains { $0 === file } }
            return doomed
        }
        for file in doomed {
            do { try WALFiles.remove(file.path) } catch {
                logger?.warning("cannot delete head chunk file", metadata: ["file": "\(file.path)", "err": "\(error)"])
            }
        }
        return doomed.count
    }

    /// Takes every file's mapped pages out of this process's resident set (they stay in the page
    /// cache). Queries read chunks through the maps; without this the pages they touched would
    /// count as the server's memory (RSS) until the kernel needed them back. (Compaction reads
    /// with `pread` and adds none.)
    func releaseResidentPages() {
        let files = state.withLock { $0.files }
        for file in files { file.releaseResidentPages() }
    }

    private func recordTruncation(_ mint: Timestamp) throws(WALError) {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(bitPattern: mint).littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32C.checksum(bytes).littleEndian) { bytes.append(contentsOf: $0) }
        let path = directory + "/" + Self.truncationFile
        try? WALFiles.remove(path + ".tmp")
        let file = try AppendOnlyFile(path: path + ".tmp")
        try file.append(bytes)
        try file.sync()
        try WALFiles.rename(path + ".tmp", path)
    }

    /// The recorded truncation cut, `.min` when there is none or it is unreadable (logged).
    private func readTruncation() -> Timestamp {
        let path = directory + "/" + Self.truncationFile
        guard let bytes = try? WALFiles.read(path) else { return .min }
        guard bytes.count == 12 else {
            logger?.warning("ignoring damaged head chunk truncation record", metadata: ["file": "\(path)", "err": "\(bytes.count) bytes, want 12"])
            return .min
        }
        return bytes.withUnsafeBytes { raw in
            let stored = HeadChunkFormat.loadLittleEndian(raw, 8, as: UInt32.self)
            guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<8])) else {
                logger?.warning("ignoring damaged head chunk truncation record", metadata: ["file": "\(path)", "err": "CRC-32C mismatch"])
                return .min
            }
            return Int64(bitPattern: HeadChunkFormat.loadLittleEndian(raw, 0, as: UInt64.self))
        }
    }

    /// Numbers of the files on disk, ascending.
    var fileNumbers: [Int] { state.withLock { $0.files.map(\.number) } }

    func load() throws(WALError) -> Loaded {
        var loaded = Loaded()
        loaded.truncatedBefore = readTruncation()
        let numbers = try WALFiles.list(directory).compactMap(HeadChunkFormat.fileNumber).sorted()
        var broken = Set<SeriesRef>()
        var opened: [HeadChunkFile] = []
        var stopAfter: Int?
        for (position, number) in numbers.enumerated() {
            if let previous = position > 0 ? numbers[position - 1] : nil, number != previous + 1 {
                logger?.warning("head chunk files missing: deleting the files after the gap", metadata: [
                    "dir": "\(directory)", "after": "\(HeadChunkFormat.fileName(previous))",
                    "before": "\(HeadChunkFormat.fileName(number))"])
                stopAfter = position
                break
            }
            let file = try HeadChunkFile.openExisting(number: number, path: path(of: number))
            loaded.files += 1
            opened.append(file)
            let (good, problem) = file.withMappedBytes { bytes in scan(bytes, file, &loaded, &broken) }
            if let problem {
                logger?.warning("head chunk file corruption: truncating at the last good chunk", metadata: [
                    "file": "\(file.path)", "offset": "\(good)", "err": "\(problem)"])
                loaded.corruptions.append(.init(file: file.path, offset: good, reason: problem))
                if good <= HeadChunkFormat.headerSize {
                    try WALFiles.remove(file.path)
                    opened.removeLast()
                } else {
                    try file.truncate(to: good)
                }
                stopAfter = position + 1
                break
            }
        }
        if let stopAfter {
            for number in numbers[stopAfter...] {
                logger?.warning("deleting head chunk file after damage", metadata: ["file": "\(path(of: number))"])
                try WALFiles.remove(path(of: number))
            }
        }
        for file in opened { file.releaseResidentPages() }
        let next = (numbers.last ?? -1) + 1
        state.withLock { state in
            state.files = opened
            state.nextNumber = next
        }
        return loaded
    }

    /// Reads the records of one file; returns the end of the last good one and the problem after it.
    private func scan(_ bytes: UnsafeRawBufferPointer, _ file: HeadChunkFile, _ loaded: inout Loaded,
                      _ broken: inout Set<SeriesRef>) -> (Int, String?) {
        if let problem = HeadChunkFormat.checkHeader(bytes) { return (0, problem) }
        var offset = HeadChunkFormat.headerSize
        while offset < bytes.count {
            switch HeadChunkFormat.decode(bytes, at: offset) {
            case let .failure(problem):
                return (offset, problem.description)
            case let .success(record):
                file.noteExisting(maxTime: record.maxTime)
                let chunk = MappedChunk(file: file, offset: UInt32(offset), sampleCount: UInt16(record.sampleCount),
                                        minTime: record.minTime, maxTime: record.maxTime)
                if !broken.contains(record.ref) {
                    if let last = loaded.chunks[record.ref]?.last, last.maxTime >= record.minTime {
                        // Out of order for its series (never written so): keep the run before it and
                        // take the rest of the series from the write-ahead log.
                        broken.insert(record.ref)
                    } else {
                        loaded.chunks[record.ref, default: []].append(chunk)
                    }
                }
                offset += record.size
            }
        }
        return (offset, nil)
    }
}
