#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricModel
import Synchronization

/// One `chunks_head/NNNNNN` file, memory-mapped read-only, with the records not yet written to
/// it held in a buffer.
///
/// Contract:
/// - A file this process creates is only appended to: `append` puts a record in the buffer and
///   returns its offset at once; `flush` writes the buffer with `pwrite` (on failure all of it
///   stays buffered and the next flush rewrites it from the same offset). A file found on disk at start is
///   read-only.
/// - `data(at:)` copies a record's chunk bytes out of the mapping (or the buffer while they are
///   not flushed yet), so readers never hold a pointer into the map.
/// - The mapping lives as long as this object: deleting the file (`unlink`) while a reader still
///   holds a reference leaves its bytes readable; `deinit` unmaps and closes.
final class HeadChunkFile: Sendable {
    // The mapping's address is only dereferenced under the lock (or, for the flushed bytes,
    // which never change, while this object is alive), so the state may cross threads.
    struct State: @unchecked Sendable {
        var fd: Int32
        var base: UnsafeMutableRawPointer?
        /// Bytes on disk: the mapping is valid below this offset.
        var flushed: Int
        /// Bytes after `flushed`, not written yet.
        var pending: [UInt8] = []
        /// Newest sample time in any chunk of the file (`.min` while it has none).
        var maxTime: Timestamp = .min
        var chunks = 0
    }

    let number: Int
    let path: String
    /// Length of the mapping: room for every byte the file may ever hold.
    let mappedLength: Int
    let state: Mutex<State>

    private init(number: Int, path: String, fd: Int32, base: UnsafeMutableRawPointer, mappedLength: Int, flushed: Int) {
        self.number = number
        self.path = path
        self.mappedLength = mappedLength
        state = Mutex(State(fd: fd, base: base, flushed: flushed))
    }

    deinit {
        state.withLock { state in
            if let base = state.base { munmap(base, mappedLength) }
            close(state.fd)
        }
    }

    /// Creates `path` (it must not exist) with room for `capacity` bytes, its header buffered.
    static func create(number: Int, path: String, capacity: Int) throws(WALError) -> HeadChunkFile {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("create", path) }
        let length = max(capacity, HeadChunkFormat.headerSize)
        guard let base = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            let code = errno
            close(fd)
            unlink(path)
            throw .system("mmap", path, code)
        }
        let file = HeadChunkFile(number: number, path: path, fd: fd, base: base, mappedLength: length, flushed: 0)
        file.state.withLock { $0.pending = HeadChunkFormat.header }
        return file
    }

    /// Opens an existing file read-only and maps all of it.
    static func openExisting(number: Int, path: String) throws(WALError) -> HeadChunkFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .system("stat", path, code)
        }
        let size = Int(info.st_size)
        let length = max(size, 1)
        guard let base = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), base != MAP_FAILED else {
            let code = errno
            close(fd)
            throw .system("mmap", path, code)
        }
        return HeadChunkFile(number: number, path: path, fd: fd, base: base, mappedLength: length, flushed: size)
    }

    /// Bytes the file holds, buffered ones included.
    var length: Int { state.withLock { $0.flushed + $0.pending.count } }

    var maxTime: Timestamp { state.withLock { $0.maxTime } }

    /// Buffers `record` (one encoded chunk record with samples up to `maxTime`); returns its
    /// offset and how many bytes are now buffered.
    func append(_ record: [UInt8], maxTime: Timestamp) -> (offset: Int, buffered: Int) {
        state.withLock { state in
            let offset = state.flushed + state.pending.count
            state.pending.append(contentsOf: record)
            state.maxTime = Swift.max(state.maxTime, maxTime)
            state.chunks += 1
            return (offset, state.pending.count)
        }
    }

    /// Notes chunks found in the file at start (for `maxTime`, which decides deletion).
    func noteExisting(maxTime: Timestamp) {
        state.withLock {
            $0.maxTime = Swift.max($0.maxTime, maxTime)
            $0.chunks += 1
        }
    }

    /// Writes the buffered bytes to the file (to the kernel; no fsync).
    func flush() throws(WALError) {
        try state.withLock { (state: inout State) throws(WALError) in
            guard !state.pending.isEmpty else { return }
            var written = 0
            var failure: Int32 = 0
            state.pending.withUnsafeBytes { raw in
                while written < raw.count {
                    let n = pwrite(state.fd, raw.baseAddress! + written, raw.count - written, off_t(state.flushed + written))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { failure = n < 0 ? errno : ENOSPC; return }
                    written += n
                }
            }
            // After a partial write nothing counts as flushed: a record must never straddle the
            // end of the mapping's valid bytes, and the retry rewrites the same bytes in place.
            if failure != 0 { throw .system("write", path, failure) }
            state.flushed += written
            state.pending = []
        }
    }

    func sync() throws(WALError) {
        let fd = state.withLock { $0.fd }
        guard fsync(fd) == 0 else { throw .system("fsync", path) }
    }

    /// A copy of the chunk data of the record at `offset` (which `append` returned or a scan found).
    func data(at offset: Int) -> [UInt8] {
        state.withLock { state in
            if offset >= state.flushed {
                let start = offset - state.flushed
                return state.pending.withUnsafeBytes { Self.copyData($0, start) }
            }
            return Self.copyData(UnsafeRawBufferPointer(start: state.base, count: state.flushed), offset)
        }
    }

    /// `data(at:)` read with `pread` rather than through the map, so that no page enters this
    /// process's resident set (the bytes come from the page cache all the same). For readers that
    /// take every chunk of a range once, like compaction: through the map, every page they touched
    /// would count as the server's memory until released.
    func readData(at offset: Int) -> [UInt8] {
        let (fd, flushed) = state.withLock { ($0.fd, $0.flushed) }
        guard offset < flushed else { return data(at: offset) }
        let headerSize = HeadChunkFormat.recordHeaderSize
        // Most chunks fit in one read with their header.
        var first = [UInt8](repeating: 0, count: Swift.min(headerSize + 256, flushed - offset))
        guard Self.readFully(fd, &first, at: offset), first.count >= headerSize else { return data(at: offset) }
        let length = first.withUnsafeBytes {
            Int(HeadChunkFormat.loadLittleEndian($0, HeadChunkFormat.lengthOffset, as: UInt32.self))
        }
        if headerSize + length <= first.count { return Array(first[headerSize..<headerSize + length]) }
        var bytes = [UInt8](repeating: 0, count: length)
        guard Self.readFully(fd, &bytes, at: offset + headerSize) else { return data(at: offset) }
        return bytes
    }

    /// Fills `buffer` from `offset`; false on an error or a short file.
    private static func readFully(_ fd: Int32, _ buffer: inout [UInt8], at offset: Int) -> Bool {
        var done = 0
        let wanted = buffer.count
        return buffer.withUnsafeMutableBytes { raw in
            while done < wanted {
                let n = pread(fd, raw.baseAddress! + done, wanted - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                done += n
            }
            return true
        }
    }

    private static func copyData(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> [UInt8] {
        let length = Int(HeadChunkFormat.loadLittleEndian(bytes, offset + HeadChunkFormat.lengthOffset, as: UInt32.self))
        let from = offset + HeadChunkFormat.recordHeaderSize
        return Array(bytes[from..<from + length])
    }

    /// Runs `body` over the flushed bytes (the whole file for one opened at start), outside the
    /// lock: flushed bytes never change while this object lives.
    func withMappedBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let (base, count) = state.withLock { ($0.base, $0.flushed) }
        return withExtendedLifetime(self) { body(UnsafeRawBufferPointer(start: base, count: count)) }
    }

    /// Takes the mapped pages out of this process's resident set (they stay in the page cache and
    /// come back on the next read): after replay scanned a file, its pages would otherwise count
    /// as the server's memory until the kernel needs them.
    func releaseResidentPages() {
        state.withLock { state in
            if let base = state.base, state.flushed > 0 { _ = madvise(base, state.flushed, MADV_DONTNEED) }
        }
    }

    /// Cuts a file opened at start back to `length` bytes (a torn or corrupt tail).
    func truncate(to length: Int) throws(WALError) {
        try WALFiles.truncate(path, to: length)
        state.withLock { $0.flushed = Swift.min($0.flushed, length) }
    }
}
