import MetricModel
import Storage

/// Remembers, per target, what each raw exposition series text resolved to last time: whether
/// metric relabeling dropped it, and its storage reference. A steady-state scrape then appends by
/// reference, without parsing labels, relabeling, hashing label sets or looking anything up in
/// the storage's index. Neither the text nor the final labels are kept (the storage holds the
/// labels; a scrape that needs them again has the line in hand).
///
/// Contract: keyed by a 128-bit hash of the exact series bytes (name and label block as the
/// target wrote them; `Key`), not the bytes themselves, which would be most of the cache's
/// memory. Two different series texts are taken for one only if both 64-bit halves of their
/// hashes agree: for the 25 000 series of a large target, about 10^-30 per scrape.
/// Entries not seen for `maxAge` scrapes are dropped. Each entry records the scrape iteration that
/// last saw it, which is how disappeared series are found for staleness markers and how a series
/// repeated within one scrape is detected. A hit mutates the entry in place and hands back its
/// position (`Hit.index`, valid until the next `insert` or `evictOld`): no allocation, no copy.
/// Entries (40 bytes each) grow by an eighth at a time, not by doubling, so at most an eighth of
/// the array is spare room. Iterations are counted in 32 bits in the entries: they wrap after
/// 2^31 scrapes, 68 years at one scrape a second.
struct ScrapeCache {
    /// A series text's identity: two 64-bit hashes of its bytes (`ScrapeCache.key(_:)`). `slot`
    /// picks the place in the table, `check` tells apart texts whose `slot` hashes collide.
    struct Key: Equatable {
        var slot: UInt64
        var check: UInt64
    }

    struct Entry {
        var key: Key
        var ref: SeriesRef
        var lastSeen: Int32
        /// The iteration that saw it before `lastSeen` (to undo a failed scrape's sightings).
        var previousSeen: Int32
        /// Metric relabeling dropped the series.
        var dropped: Bool
        /// False for samples with an explicit timestamp: they get no staleness markers.
        var tracksStaleness: Bool
    }

    /// A successful lookup: where the entry is, and whether this iteration had already seen it.
    struct Hit {
        let index: Int
        let seenBefore: Bool
    }

    // Entries live in one array; `slots` is an open-addressing table (linear probing, at most
    // half full, power-of-two size) of entry positions, -1 for empty.
    private(set) var entries: [Entry] = []
    private var slots: [Int32] = Array(repeating: -1, count: 16)
    private(set) var iteration = 0
    let maxAge = 10
    /// `iteration` as the entries store it.
    private var seenMark: Int32 { Int32(truncatingIfNeeded: iteration) }

    /// The entry `lookup` tries before probing: the one after the last hit or insert.
    private var guess = 0

    /// Starts a new scrape iteration.
    mutating func beginIteration() {
        iteration += 1
        guess = 0
    }

    subscript(index: Int) -> Entry { entries[index] }

    private func find(_ key: Key) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: key.slot) & mask
            while true {
                let index = Int(slots[slot])
                if index < 0 { return nil }
                if entries[index].key == key { return index }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Finds the entry for `key` and marks it seen in this iteration. Targets write their
    /// series in the same order every time, so the entry after the previous hit is tried first:
    /// a steady-state scrape then walks the entries in order instead of probing the table.
    mutating func lookup(_ key: Key) -> Hit? {
        let index: Int
        if guess < entries.count && entries[guess].key == key {
            index = guess
        } else {
            guard let found = find(key) else { return nil }
            index = found
        }
        guess = index + 1
        let mark = seenMark
        let seenBefore = entries[index].lastSeen == mark
        if !seenBefore {
            entries[index].previousSeen = entries[index].lastSeen
            entries[index].lastSeen = mark
        }
        return Hit(index: index, seenBefore: seenBefore)
    }

    /// Sets the storage reference of the entry at `index` (from a `Hit`).
    mutating func setRef(_ ref: SeriesRef, at index: Int) { entries[index].ref = ref }

    mutating func update(_ key: Key, ref: SeriesRef) {
        if let index = find(key) { entries[index].ref = ref }
    }

    mutating func insert(_ key: Key, ref: SeriesRef, dropped: Bool, tracksStaleness: Bool = true) {
        let needed = entries.count + 1
        if needed > entries.capacity { entries.reserveCapacity(Swift.max(needed, entries.count + entries.count / 8 + 64)) }
        entries.append(Entry(key: key, ref: ref, lastSeen: seenMark, previousSeen: .min, dropped: dropped,
                             tracksStaleness: tracksStaleness))
        guess = entries.count
        if entries.count * 2 > slots.count {
            rebuildSlots()
        } else {
            place(entries.count - 1)
        }
    }

    private mutating func place(_ index: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: entries[index].key.slot) & mask
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
        let mark = seenMark
        for index in entries.indices where entries[index].lastSeen == mark {
            entries[index].lastSeen = entries[index].previousSeen
        }
    }

    /// The references of series (not dropped ones) seen in the previous iteration but not in
    /// this one: series that disappeared and need a staleness marker.
    func disappeared() -> [SeriesRef] {
        var out: [SeriesRef] = []
        let previous = Int32(truncatingIfNeeded: iteration - 1)
        for entry in entries where entry.lastSeen == previous && entry.tracksStaleness && !entry.dropped {
            out.append(entry.ref)
        }
        return out
    }

    /// Drops entries unseen for `maxAge` iterations (and rebuilds the table when any go).
    mutating func evictOld() {
        let oldest = Int32(truncatingIfNeeded: iteration - maxAge)
        guard entries.contains(where: { $0.lastSeen <= oldest }) else { return }
        entries.removeAll { $0.lastSeen <= oldest }
        rebuildSlots()
    }

    var count: Int { entries.count }

    /// The cache key of a series text: two hashes computed in one pass, eight bytes per step, each
    /// a multiply-xorshift mix with its own seed and multiplier and a final avalanche, so that
    /// the low bits that pick a slot depend on every byte.
    static func key(_ bytes: ArraySlice<UInt8>) -> Key {
        bytes.withUnsafeBytes { buffer in
            let count = buffer.count
            var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
            var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F &+ UInt64(count)
            var offset = 0
            while offset + 8 <= count {
                let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                a = (a ^ word) &* 0xBF58_476D_1CE4_E5B9
                a ^= a >> 31
                b = (b ^ word) &* 0xD6E8_FEB8_6659_FD93
                b ^= b >> 29
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
                a = (a ^ word) &* 0xBF58_476D_1CE4_E5B9
                a ^= a >> 31
                b = (b ^ word) &* 0xD6E8_FEB8_6659_FD93
                b ^= b >> 29
            }
            a = (a ^ (a >> 33)) &* 0x94D0_49BB_1331_11EB
            b = (b ^ (b >> 32)) &* 0xFF51_AFD7_ED55_8CCD
            return Key(slot: a ^ (a >> 29), check: b ^ (b >> 33))
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
}
