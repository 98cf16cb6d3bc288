/// The growable bytes behind a `JSONWriter`, written through a pointer: a writer asks for room
/// once per value (a sample pair, a string) instead of checking capacity and uniqueness per byte.
///
/// Contract: value semantics — copies share the bytes until one of them asks for room, which then
/// takes its own copy first. `room(n)` returns a pointer to at least `n` writable bytes after the
/// `count` written ones, valid until the next `room` call; `advance(n)` counts `n` of them as written.
struct JSONBytes: @unchecked Sendable {
    /// One allocation, immutable once made (growing makes a new one), freed with its last owner.
    private final class Storage {
        let pointer: UnsafeMutablePointer<UInt8>
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            pointer = .allocate(capacity: capacity)
        }

        deinit { pointer.deallocate() }
    }

    private var storage: Storage
    private(set) var count = 0

    init(capacity: Int) { storage = Storage(capacity: max(capacity, 16)) }

    @inline(__always)
    mutating func room(_ needed: Int) -> UnsafeMutablePointer<UInt8> {
        if count &+ needed > storage.capacity || !isKnownUniquelyReferenced(&storage) { grow(to: count &+ needed) }
        return storage.pointer + count
    }

    @inline(__always)
    mutating func advance(_ written: Int) { count &+= written }

    /// A fresh allocation of at least `needed` bytes (doubling), holding the bytes written so far.
    private mutating func grow(to needed: Int) {
        let capacity = needed > storage.capacity ? max(needed, storage.capacity * 2) : storage.capacity
        let fresh = Storage(capacity: capacity)
        fresh.pointer.update(from: storage.pointer, count: count)
        storage = fresh
    }

    /// Makes sure `extra` more bytes fit without growing again.
    mutating func reserve(_ extra: Int) { _ = room(extra) }

    /// The bytes written so far.
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.pointer, count: count)) }
    }

    /// Appends `bytes` as they are.
    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        room(bytes.count).update(from: source, count: bytes.count)
        advance(bytes.count)
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        room(1).pointee = byte
        advance(1)
    }
}
