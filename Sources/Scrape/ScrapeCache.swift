import MetricModel
import Storage

/// Remembers, per target, what each raw exposition series text resolved to last time: its final
/// labels and its storage reference. A steady-state scrape then appends without parsing labels,
/// hashing label sets or looking anything up in the storage's index.
///
/// Contract: keyed by the exact series bytes (name and label block as the target wrote them).
/// Entries not seen for `maxAge` scrapes are dropped. Each entry records the scrape iteration that
/// last saw it, which is how disappeared series are found for staleness markers.
struct ScrapeCache {
    struct Entry {
        var bytes: [UInt8]
        var ref: SeriesRef
        var labels: Labels
        var lastSeen: Int
    }

    private var buckets: [UInt64: [Entry]] = [:]
    private(set) var iteration = 0
    let maxAge = 10

    /// Starts a new scrape iteration.
    mutating func beginIteration() { iteration += 1 }

    /// Finds the entry for `bytes` and marks it seen in this iteration.
    mutating func lookup(_ bytes: ArraySlice<UInt8>, hash: UInt64) -> Entry? {
        guard var bucket = buckets[hash] else { return nil }
        for index in bucket.indices where bucket[index].bytes.elementsEqual(bytes) {
            bucket[index].lastSeen = iteration
            let entry = bucket[index]
            buckets[hash] = bucket
            return entry
        }
        return nil
    }

    mutating func update(_ bytes: ArraySlice<UInt8>, hash: UInt64, ref: SeriesRef) {
        guard var bucket = buckets[hash] else { return }
        for index in bucket.indices where bucket[index].bytes.elementsEqual(bytes) {
            bucket[index].ref = ref
        }
        buckets[hash] = bucket
    }

    mutating func insert(_ bytes: ArraySlice<UInt8>, hash: UInt64, ref: SeriesRef, labels: Labels) {
        buckets[hash, default: []].append(Entry(bytes: Array(bytes), ref: ref, labels: labels, lastSeen: iteration))
    }

    /// Entries seen in the previous iteration but not in this one: series that disappeared.
    func disappeared() -> [Entry] {
        buckets.values.flatMap { $0.filter { $0.lastSeen == iteration - 1 } }
    }

    /// Every entry seen in the current iteration (used when the target itself goes away).
    func current() -> [Entry] {
        buckets.values.flatMap { $0.filter { $0.lastSeen == iteration } }
    }

    /// Drops entries unseen for `maxAge` iterations.
    mutating func evictOld() {
        let oldest = iteration - maxAge
        for (hash, bucket) in buckets {
            let kept = bucket.filter { $0.lastSeen > oldest }
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
