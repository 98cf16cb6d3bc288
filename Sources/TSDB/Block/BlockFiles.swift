#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory.
///
/// Contract: `buffer` stays valid until `unmap()`, which its owner (a `Block`) calls exactly once
/// when closing; reading after that is a programming error. The mapping is never written, so
/// sharing it between threads is safe — hence `@unchecked Sendable`.
final class MappedFile: @unchecked Sendable {
    let path: String
    let buffer: UnsafeRawBufferPointer

    init(path: String) throws(BlockError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system("stat", path) }
        let size = Int(info.st_size)
        if size == 0 {
            buffer = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), address != MAP_FAILED else {
            throw .system("mmap", path)
        }
        buffer = UnsafeRawBufferPointer(start: address, count: size)
    }

    var count: Int { buffer.count }

    func unmap() {
        if let base = buffer.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), buffer.count) }
    }

    /// The big-endian `UInt32` at `offset` (the caller checked bounds).
    func be32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// CRC32C of `range`.
    func checksum(_ range: Range<Int>) -> UInt32 {
        CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[range]))
    }
}

/// A new file written front to back through a buffer, keeping a running CRC32C of what was
/// written since the last `resetChecksum()`.
///
/// Contract: the file must not exist. `finish()` flushes, fsyncs and closes it; a writer dropped
/// without `finish()` just closes its descriptor (the caller deletes the half-written directory).
final class BlockFileWriter {
    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private static let bufferSize = 1 << 20
    /// Bytes written so far (buffered ones included): the offset of the next byte.
    private(set) var position = 0
    private(set) var checksum: UInt32 = 0

    init(path: String) throws(BlockError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("create", path) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit { if fd >= 0 { close(fd) } }

    func resetChecksum() { checksum = 0 }

    func write(_ bytes: [UInt8]) throws(BlockError) {
        bytes.withUnsafeBytes { checksum = CRC32C.update(checksum, $0) }
        position += bytes.count
        if buffer.count + bytes.count > Self.bufferSize { try flush() }
        if bytes.count >= Self.bufferSize {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Writes the big-endian CRC32C accumulated since the last reset (not itself checksummed).
    func writeChecksum() throws(BlockError) {
        var encoder = ByteEncoder()
        encoder.be32(checksum)
        let saved = checksum
        try write(encoder.bytes)
        checksum = saved
    }

    func flush() throws(BlockError) {
        guard !buffer.isEmpty else { return }
        try writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws(BlockError) {
        try flush()
        guard fsync(fd) == 0 else { throw .system("fsync", path) }
        let result = close(fd)
        fd = -1
        guard result == 0 else { throw .system("close", path) }
    }

    private func writeAll(_ bytes: [UInt8]) throws(BlockError) {
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failure = n < 0 ? errno : ENOSPC; return }
                done += n
            }
        }
        if failure != 0 { throw .system("write", path, failure) }
    }
}

/// Runs a write-ahead-log file helper, reporting its failure as a `BlockError`.
func blockIO<T>(_ path: String, _ body: () throws(WALError) -> T) throws(BlockError) -> T {
    do throws(WALError) { return try body() } catch { throw BlockError(io: path, message: error.description) }
}

/// The size of the file at `path`, or nil when it does not exist.
func fileSize(_ path: String) throws(BlockError) -> Int? {
    var info = stat()
    if stat(path, &info) != 0 {
        if errno == ENOENT { return nil }
        throw .system("stat", path)
    }
    return Int(info.st_size)
}

// `write` under another name, as `BlockFileWriter` has a member called write.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
    #else
    Darwin.write(fd, buffer, count)
    #endif
}
