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
/// repeated within one scrape is detected. A hit mutates the entry in place: no allocation.
struct ScrapeCache {
    struct Entry {
        var bytes: [UInt8]
        var hash: UInt64
        var ref: SeriesRef
        /// Nil when metric relabeling dropped the series.
        var labels: Labels?
        var lastSeen: Int
        /// The iteration that saw it before `lastSeen` (to undo a failed scrape's sightings).
        var previousSeen: Int
        /// False for samples with an explicit timestamp: they get no staleness markers.
        var tracksStaleness: Bool
        /// The next entry with the same hash, or -1.
        var next: Int
    }

    // Entries live in one array, chained per hash from `heads`: a hit mutates `entries[i]` in
    // place, which stays allocation-free even in unoptimised builds.
    private var entries: [Entry] = []
    private var heads: [UInt64: Int] = [:]
    private(set) var iteration = 0
    let maxAge = 10

    /// Starts a new scrape iteration.
    mutating func beginIteration() { iteration += 1 }

    private func find(_ bytes: ArraySlice<UInt8>, hash: UInt64) -> Int? {
        var index = heads[hash] ?? -1
        while index >= 0 {
            if Self.same(entries[index].bytes, bytes) { return index }
            index = entries[index].next
        }
        return nil
    }

    /// Finds the entry for `bytes`, marks it seen in this iteration and says whether this
    /// iteration had already seen it.
    mutating func lookup(_ bytes: ArraySlice<UInt8>, hash: UInt64) -> (entry: Entry, seenBefore: Bool)? {
        guard let index = find(bytes, hash: hash) else { return nil }
        let seenBefore = entries[index].lastSeen == iteration
        if !seenBefore {
            entries[index].previousSeen = entries[index].lastSeen
            entries[index].lastSeen = iteration
        }
        return (entries[index], seenBefore)
    }

    mutating func update(_ bytes: ArraySlice<UInt8>, hash: UInt64, ref: SeriesRef) {
        if let index = find(bytes, hash: hash) { entries[index].ref = ref }
    }

    mutating func insert(_ bytes: ArraySlice<UInt8>, hash: UInt64, ref: SeriesRef, labels: Labels?, tracksStaleness: Bool = true) {
        entries.append(Entry(bytes: Array(bytes), hash: hash, ref: ref, labels: labels, lastSeen: iteration,
                             previousSeen: .min, tracksStaleness: tracksStaleness, next: heads[hash] ?? -1))
        heads[hash] = entries.count - 1
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

    /// Drops entries unseen for `maxAge` iterations (and re-chains the rest when any go).
    mutating func evictOld() {
        let oldest = iteration - maxAge
        guard entries.contains(where: { $0.lastSeen <= oldest }) else { return }
        entries.removeAll { $0.lastSeen <= oldest }
        heads.removeAll(keepingCapacity: true)
        for index in entries.indices {
            entries[index].next = heads[entries[index].hash] ?? -1
            heads[entries[index].hash] = index
        }
    }

    var count: Int { entries.count }

    /// FNV-1a over the bytes: cheap and allocation-free (over a raw buffer, so that unoptimised
    /// builds do not go through generic slice iteration, which allocates there).
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBufferPointer { buffer in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            var index = 0
            while index < buffer.count {
                hash ^= UInt64(buffer[index])
                hash &*= 0x0000_0100_0000_01b3
                index += 1
            }
            return hash
        }
    }

    /// Byte equality of a stored key and a slice of the scrape body, with `memcmp`.
    static func same(_ stored: [UInt8], _ bytes: ArraySlice<UInt8>) -> Bool {
        guard stored.count == bytes.count else { return false }
        return stored.withUnsafeBufferPointer { a in
            bytes.withUnsafeBufferPointer { b in
                a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
            }
        }
    }
}
