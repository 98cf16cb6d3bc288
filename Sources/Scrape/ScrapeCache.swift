import MetricModel
#if canImport(Glibc)
import Glibc
#endif
import Storage

/// Remembers, per target, what each raw exposition series text resolved to last time: its final
/// labels (after target labels and metric relabeling, or "dropped") and its storage reference. A
/// steady-state scrape then appends without parsing labels, relabeling, hashing label sets or
/// looking anything up in the storage's index.
///
/// Contract: keyed by the exact series bytes (name and label block as the target wrote them).
/// Entries not seen for `maxAge` scrapes are dropped. Each entry records the scrape iteration that
/// last saw it, which is how disappeared series are found for staleness markers and how a series
/// repeated within one scrape is detected. A hit mutates the entry in place and hands back its
/// position (`Hit.index`, valid until the next `insert` or `evictOld`): no allocation, no copy.
/// The keys' bytes live back to back in one array (`keys`), not one array per entry, which would
/// cost an array header and an allocation per series.
struct ScrapeCache {
    struct Entry {
        /// Where the key's bytes are in `keys`.
        var keyStart: UInt32
        var keyLength: UInt32
        var hash: UInt64
        var ref: SeriesRef
        /// Nil when metric relabeling dropped the series.
        var labels: Labels?
        var lastSeen: Int
        /// The iteration that saw it before `lastSeen` (to undo a failed scrape's sightings).
        var previousSeen: Int
        /// False for samples with an explicit timestamp: they get no staleness markers.
        var tracksStaleness: Bool
    }

    /// A successful lookup: where the entry is, and whether this iteration had already seen it.
    struct Hit {
        let index: Int
        let seenBefore: Bool
    }

    // Entries live in one array; `slots` is an open-addressing table (linear probing, at most
    // half full, power-of-two size) of entry positions, -1 for empty. Probing compares the
    // stored hash before the bytes, so a miss rarely touches the bytes at all.
    private(set) var entries: [Entry] = []
    /// Every entry's key bytes, in entry order (compacted by `evictOld`).
    private var keys: [UInt8] = []
    private var slots: [Int32] = Array(repeating: -1, count: 16)
    private(set) var iteration = 0
    let maxAge = 10

    /// The entry `lookup` tries before probing: the one after the last hit or insert.
    private var guess = 0

    /// Starts a new scrape iteration.
    mutating func beginIteration() {
        iteration += 1
        guess = 0
    }

    subscript(index: Int) -> Entry { entries[index] }

    /// The key bytes of the entry at `index`.
    func key(at index: Int) -> ArraySlice<UInt8> {
        // The two fields only: copying the whole entry would retain and release its labels.
        let start = Int(entries[index].keyStart)
        return keys[start..<start + Int(entries[index].keyLength)]
    }

    private func find(_ bytes: ArraySlice<UInt8>, hash: UInt64) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let index = Int(slots[slot])
                if index < 0 { return nil }
                if entries[index].hash == hash && Self.same(key(at: index), bytes) { return index }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Finds the entry for `bytes` and marks it seen in this iteration. Targets write their
    /// series in the same order every time, so the entry after the previous hit is tried first:
    /// a steady-state scrape then walks the entries in order instead of probing the table.
    mutating func lookup(_ bytes: ArraySlice<UInt8>, hash: UInt64) -> Hit? {
        let index: Int
        if guess < entries.count && entries[guess].hash == hash && Self.same(key(at: guess), bytes) {
            index = guess
        } else {
            guard let found = find(bytes, hash: hash) else { return nil }
            index = found
        }
        guess = index + 1
        let seenBefore = entries[index].lastSeen == iteration
        if !seenBefore {
            entries[index].previousSeen = entries[index].lastSeen
            entries[index].lastSeen = iteration
        }
        return Hit(index: index, seenBefore: seenBefore)
    }

    /// Sets the storage reference of the entry at `index` (from a `Hit`).
    mutating func setRef(_ ref: SeriesRef, at index: Int) { entries[index].ref = ref }

    mutating func update(_ bytes: ArraySlice<UInt8>, hash: UInt64, ref: SeriesRef) {
        if let index = find(bytes, hash: hash) { entries[index].ref = ref }
    }

    mutating func insert(_ bytes: ArraySlice<UInt8>, hash: UInt64, ref: SeriesRef, labels: Labels?, tracksStaleness: Bool = true) {
        precondition(keys.count + bytes.count <= Int(UInt32.max), "scrape cache keys exceed 4 GiB for one target")
        entries.append(Entry(keyStart: UInt32(keys.count), keyLength: UInt32(bytes.count), hash: hash, ref: ref,
                             labels: labels, lastSeen: iteration, previousSeen: .min, tracksStaleness: tracksStaleness))
        keys.append(contentsOf: bytes)
        guess = entries.count
        if entries.count * 2 > slots.count {
            rebuildSlots()
        } else {
            place(entries.count - 1)
        }
    }

    private mutating func place(_ index: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: entries[index].hash) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index)
    }

    /// Sizes the table for the entries (at most half full) and places them all again.
    private mutating func rebuildSlots() {
        var size = 16
        while size < entries.count * 2 { size <<= 1 }
        if slots.count == size {
            for slot in slots.indices { slots[slot] = -1 }
        } else {
            slots = Array(repeating: -1, count: size)
        }
        for index in entries.indices { place(index) }
    }

    /// Undoes this iteration's sightings: a failed scrape counts as having seen nothing.
    mutating func undoIteration() {
        for index in entries.indices where entries[index].lastSeen == iteration {
            entries[index].lastSeen = entries[index].previousSeen
        }
    }

    /// Series (not dropped ones) seen in the previous iteration but not in this one: series that
    /// disappeared and need a staleness marker.
    func disappeared() -> [(ref: SeriesRef, labels: Labels)] {
        var out: [(ref: SeriesRef, labels: Labels)] = []
        for entry in entries where entry.lastSeen == iteration - 1 && entry.tracksStaleness {
            if let labels = entry.labels { out.append((entry.ref, labels)) }
        }
        return out
    }

    /// Drops entries unseen for `maxAge` iterations (and rebuilds the table when any go).
    mutating func evictOld() {
        let oldest = iteration - maxAge
        guard entries.contains(where: { $0.lastSeen <= oldest }) else { return }
        entries.removeAll { $0.lastSeen <= oldest }
        var kept: [UInt8] = []
        kept.reserveCapacity(entries.reduce(0) { $0 + Int($1.keyLength) })
        for index in entries.indices {
            let start = Int(entries[index].keyStart)
            kept.append(contentsOf: keys[start..<start + Int(entries[index].keyLength)])
            entries[index].keyStart = UInt32(kept.count - Int(entries[index].keyLength))
        }
        keys = kept
        rebuildSlots()
    }

    var count: Int { entries.count }

    /// The cache key's hash: eight bytes per step (a multiply-xorshift mix), then a final
    /// avalanche, so that the low bits that pick a slot depend on every byte.
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { buffer in
            let count = buffer.count
            var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
            var offset = 0
            while offset + 8 <= count {
                let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
                hash ^= hash >> 31
                offset += 8
            }
            if offset < count {
                var word: UInt64 = 0
                var shift: UInt64 = 0
                while offset < count {
                    word |= UInt64(buffer[offset]) << shift
                    shift += 8
                    offset += 1
                }
                hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
                hash ^= hash >> 31
            }
            hash = (hash ^ (hash >> 33)) &* 0x94D0_49BB_1331_11EB
            return hash ^ (hash >> 29)
        }
    }

    /// FNV-1a over the bytes: a stable hash for things that must not change between versions
    /// (a target's scrape offset).
    static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Byte equality of a stored key and a slice of the scrape body, with `memcmp`.
    static func same(_ stored: ArraySlice<UInt8>, _ bytes: ArraySlice<UInt8>) -> Bool {
        guard stored.count == bytes.count else { return false }
        return stored.withUnsafeBufferPointer { a in
            bytes.withUnsafeBufferPointer { b in
                a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
            }
        }
    }
}
