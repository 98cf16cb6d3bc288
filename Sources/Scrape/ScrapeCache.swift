import MetricModel
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
        var ref: SeriesRef
        /// Nil when metric relabeling dropped the series.
        var labels: Labels?
        var lastSeen: Int
        /// The iteration that saw it before `lastSeen` (to undo a failed scrape's sightings).
        var previousSeen: Int
        /// False for samples with an explicit timestamp: they get no staleness markers.
        var tracksStaleness: Bool
    }

    private var buckets: [UInt64: [Entry]] = [:]
    private(set) var iteration = 0
    let maxAge = 10

    /// Starts a new scrape iteration.
    mutating func beginIteration() { iteration += 1 }

    /// Finds the entry for `bytes`, marks it seen in this iteration and says whether this
    /// iteration had already seen it.
    mutating func lookup(_ bytes: ArraySlice<UInt8>, hash: UInt64) -> (entry: Entry, seenBefore: Bool)? {
        guard let bucket = buckets.index(forKey: hash) else { return nil }
        for index in buckets.values[bucket].indices where buckets.values[bucket][index].bytes.elementsEqual(bytes) {
            let seenBefore = buckets.values[bucket][index].lastSeen == iteration
            if !seenBefore {
                buckets.values[bucket][index].previousSeen = buckets.values[bucket][index].lastSeen
                buckets.values[bucket][index].lastSeen = iteration
            }
            return (buckets.values[bucket][index], seenBefore)
        }
        return nil
    }

    mutating func update(_ bytes: ArraySlice<UInt8>, hash: UInt64, ref: SeriesRef) {
        guard let bucket = buckets.index(forKey: hash) else { return }
        for index in buckets.values[bucket].indices where buckets.values[bucket][index].bytes.elementsEqual(bytes) {
            buckets.values[bucket][index].ref = ref
        }
    }

    mutating func insert(_ bytes: ArraySlice<UInt8>, hash: UInt64, ref: SeriesRef, labels: Labels?, tracksStaleness: Bool = true) {
        buckets[hash, default: []].append(Entry(bytes: Array(bytes), ref: ref, labels: labels, lastSeen: iteration,
                                                previousSeen: .min, tracksStaleness: tracksStaleness))
    }

    /// Undoes this iteration's sightings: a failed scrape counts as having seen nothing.
    mutating func undoIteration() {
        var bucket = buckets.startIndex
        while bucket != buckets.endIndex {
            defer { bucket = buckets.index(after: bucket) }
            for index in buckets.values[bucket].indices where buckets.values[bucket][index].lastSeen == iteration {
                buckets.values[bucket][index].lastSeen = buckets.values[bucket][index].previousSeen
            }
        }
    }

    /// Series (not dropped ones) seen in the previous iteration but not in this one: series that
    /// disappeared and need a staleness marker.
    func disappeared() -> [(ref: SeriesRef, labels: Labels)] {
        var out: [(ref: SeriesRef, labels: Labels)] = []
        for bucket in buckets.values {
            for entry in bucket where entry.lastSeen == iteration - 1 && entry.tracksStaleness {
                if let labels = entry.labels { out.append((entry.ref, labels)) }
            }
        }
        return out
    }

    /// Drops entries unseen for `maxAge` iterations.
    mutating func evictOld() {
        let oldest = iteration - maxAge
        var stale: [UInt64] = []
        for (hash, bucket) in buckets where bucket.contains(where: { $0.lastSeen <= oldest }) { stale.append(hash) }
        for hash in stale {
            let kept = buckets[hash]!.filter { $0.lastSeen > oldest }
            buckets[hash] = kept.isEmpty ? nil : kept
        }
    }

    var count: Int { buckets.values.reduce(0) { $0 + $1.count } }

    /// FNV-1a over the bytes: cheap and allocation-free.
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
