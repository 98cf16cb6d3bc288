#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file operation of the write-ahead log, naming the operation, the path and the system
/// error (for example "write data/wal/00000003: No space left on device").
public struct WALError: Error, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }

    static func system(_ operation: String, _ path: String, _ code: Int32 = errno) -> WALError {
        WALError("\(operation) \(path): \(String(cString: strerror(code)))")
    }
}

/// The few POSIX file operations the write-ahead log needs, with errors that name the path.
enum WALFiles {
    static func read(_ path: String) throws(WALError) -> [UInt8] {
        let file = try WALFileReader(path)
        defer { file.close() }
        return try file.read(at: 0, count: file.size)
    }

    /// Names in `path`, sorted, without "." and "..".
    static func list(_ path: String) throws(WALError) -> [String] {
        guard let dir = opendir(path) else { throw .system("open directory", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws(WALError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST { throw .system("create directory", prefix) }
            prefix += "/"
        }
    }

    static func truncate(_ path: String, to length: Int) throws(WALError) {
        guard systemTruncate(path, off_t(length)) == 0 else { throw .system("truncate", path) }
    }

    /// Removes a file, or a directory with the files in it.
    static func remove(_ path: String) throws(WALError) {
        if isDirectory(path) {
            for name in try list(path) { try remove(path + "/" + name) }
            guard rmdir(path) == 0 else { throw .system("remove", path) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw .system("remove", path) }
        }
    }

    static func rename(_ from: String, _ to: String) throws(WALError) {
        guard systemRename(from, to) == 0 else { throw .system("rename to \(to)", from) }
    }

    /// Flushes a directory's entries (new, renamed or removed files) to disk.
    static func syncDirectory(_ path: String) throws(WALError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open directory", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .system("fsync", path) }
    }
}

/// A file written only at its end: a segment being appended to.
///
/// Contract: `append` writes all bytes or none — after a failed write the file is cut back to its
/// previous length, and if even that fails `isDamaged` turns true so the caller moves on to a
/// new file instead of writing after garbage.
final class AppendOnlyFile {
    let path: String
    private let fd: Int32
    private(set) var length: Int
    private(set) var isDamaged = false

    /// Creates the file (it must not exist) or, with `existing`, opens it at its end.
    init(path: String, existing: Bool = false) throws(WALError) {
        self.path = path
        let flags = O_WRONLY | O_CLOEXEC | (existing ? 0 : O_CREAT | O_EXCL)
        fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw .system(existing ? "open" : "create", path) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else {
            let code = errno
            close(fd)
            throw .system("seek", path, code)
        }
        length = Int(end)
    }

    deinit { close(fd) }

    func append(_ bytes: [UInt8]) throws(WALError) {
        var written = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(length + written))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failure = n < 0 ? errno : ENOSPC; return }
                written += n
            }
        }
        if failure == 0 {
            length += bytes.count
            return
        }
        if written > 0 && ftruncate(fd, off_t(length)) != 0 { isDamaged = true }
        throw .system("write", path, failure)
    }

    func sync() throws(WALError) {
        guard fsync(fd) == 0 else { throw .system("fsync", path) }
    }
}

/// A file read in pieces at chosen offsets (replay reads a segment a window at a time, so its
/// memory stays at one window however large the segment). Closed by `close()`.
struct WALFileReader {
    let path: String
    let size: Int
    private let fd: Int32

    init(_ path: String) throws(WALError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            _ = systemClose(fd)
            throw .system("stat", path, code)
        }
        size = Int(info.st_size)
    }

    /// Up to `count` bytes from `offset` (fewer only at the end of the file).
    func read(at offset: Int, count: Int) throws(WALError) -> [UInt8] {
        let wanted = max(0, min(count, size - offset))
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: wanted) { buffer, initialized in
            while initialized < wanted {
                let got = pread(fd, buffer.baseAddress! + initialized, wanted - initialized, off_t(offset + initialized))
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { failure = got < 0 ? errno : 0; break }
                initialized += got
            }
        }
        if failure != 0 { throw .system("read", path, failure) }
        return bytes
    }

    func close() { _ = systemClose(fd) }
}

// Free functions under other names, as `WALFiles` has members called read, truncate and rename.
private func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(fd)
    #else
    Darwin.close(fd)
    #endif
}

private func systemTruncate(_ path: String, _ length: off_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.truncate(path, length)
    #else
    Darwin.truncate(path, length)
    #endif
}

private func systemRename(_ from: String, _ to: String) -> Int32 {
    #if canImport(Glibc)
    Glibc.rename(from, to)
    #else
    Darwin.rename(from, to)
    #endif
}
