import MetricModel
import Storage
import Testing
@testable import Scrape

extension ScrapeCache {
    /// The entry for `bytes` (marking it seen), for assertions.
    mutating func entry(_ bytes: ArraySlice<UInt8>, hash: UInt64) -> Entry? {
        lookup(bytes, hash: hash).map { self[$0.index] }
    }
}

@Suite struct ScrapeCacheTests {
    func slice(_ text: String) -> ArraySlice<UInt8> { Array(text.utf8)[...] }

    @Test func collidingHashesKeepSeparateEntries() {
        var cache = ScrapeCache()
        cache.insert(slice("a"), hash: 7, ref: 1, labels: Labels(["__name__": "a"]))
        cache.insert(slice("b"), hash: 7, ref: 2, labels: nil)
        #expect(cache.entry(slice("a"), hash: 7)?.ref == 1)
        #expect(cache.entry(slice("b"), hash: 7)?.labels == nil)
        #expect(cache.lookup(slice("c"), hash: 7) == nil)
        cache.update(slice("b"), hash: 7, ref: 9)
        #expect(cache.entry(slice("b"), hash: 7)?.ref == 9)
    }

    @Test func seenTwiceInOneIterationIsReported() {
        var cache = ScrapeCache()
        cache.beginIteration()
        cache.insert(slice("a"), hash: 1, ref: 1, labels: .empty)
        cache.beginIteration()
        #expect(cache.lookup(slice("a"), hash: 1)?.seenBefore == false)
        #expect(cache.lookup(slice("a"), hash: 1)?.seenBefore == true)
    }

    @Test func evictionDropsOnlyOldEntriesAndKeepsChainsIntact() {
        var cache = ScrapeCache()
        cache.beginIteration()
        cache.insert(slice("old"), hash: 3, ref: 1, labels: .empty)
        cache.insert(slice("kept"), hash: 3, ref: 2, labels: .empty)
        for _ in 0..<cache.maxAge {
            cache.beginIteration()
            _ = cache.lookup(slice("kept"), hash: 3)
        }
        cache.evictOld()
        #expect(cache.count == 1)
        #expect(cache.entry(slice("kept"), hash: 3)?.ref == 2)
        #expect(cache.lookup(slice("old"), hash: 3) == nil)
        // The surviving key moved to the front of the compacted key bytes.
        #expect(cache[0].keyStart == 0 && Array(cache.key(at: 0)) == Array("kept".utf8))
    }

    @Test func undoRestoresThePreviousSighting() {
        var cache = ScrapeCache()
        cache.beginIteration()
        cache.insert(slice("a"), hash: 1, ref: 1, labels: Labels(["__name__": "a"]))
        cache.beginIteration()
        _ = cache.lookup(slice("a"), hash: 1)
        cache.undoIteration()
        // Back to "seen in the previous iteration only": it counts as disappeared now.
        #expect(cache.disappeared().map(\.ref) == [1])
    }

    @Test func anyLookupOrderFindsTheRightEntryWhateverTheGuess() {
        var cache = ScrapeCache()
        cache.beginIteration()
        let keys = (0..<200).map { slice("m{i=\"\($0)\"}") }
        // Every key shares one hash, so the guess (the entry after the last hit) only matches
        // when the bytes do too.
        for (index, key) in keys.enumerated() { cache.insert(key, hash: 42, ref: SeriesRef(index + 1), labels: .empty) }
        var order = Array(keys.indices)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<4 {
            cache.beginIteration()
            if round == 1 { order.reverse() }
            if round >= 2 { order.shuffle(using: &generator) }
            for index in order {
                let hit = cache.lookup(keys[index], hash: 42)
                #expect(hit.map { cache[$0.index].ref } == SeriesRef(index + 1))
                #expect(hit?.seenBefore == false)
            }
            #expect(cache.lookup(slice("m{i=\"missing\"}"), hash: 42) == nil)
        }
    }

    @Test func aNewSeriesInTheMiddleKeepsTheRestOnTheFastPath() {
        var cache = ScrapeCache()
        cache.beginIteration()
        for key in ["a", "b", "c"] { cache.insert(slice(key), hash: ScrapeCache.hash(slice(key)), ref: 1, labels: .empty) }
        cache.beginIteration()
        #expect(cache.lookup(slice("a"), hash: ScrapeCache.hash(slice("a")))?.index == 0)
        #expect(cache.lookup(slice("new"), hash: ScrapeCache.hash(slice("new"))) == nil)
        cache.insert(slice("new"), hash: ScrapeCache.hash(slice("new")), ref: 2, labels: .empty)
        #expect(cache.lookup(slice("b"), hash: ScrapeCache.hash(slice("b")))?.index == 1)
        #expect(cache.lookup(slice("c"), hash: ScrapeCache.hash(slice("c")))?.index == 2)
        #expect(cache.lookup(slice("new"), hash: ScrapeCache.hash(slice("new")))?.seenBefore == true)
    }

    @Test func thousandsOfEntriesAreAllFoundAcrossGrowthAndEviction() {
        var cache = ScrapeCache()
        cache.beginIteration()
        let keys = (0..<5_000).map { slice("metric_\($0 % 7){instance=\"host-\($0)\"}") }
        for (index, key) in keys.enumerated() {
            cache.insert(key, hash: ScrapeCache.hash(key), ref: SeriesRef(index + 1), labels: .empty)
        }
        #expect(cache.count == 5_000)
        for _ in 0..<cache.maxAge {
            cache.beginIteration()
            for key in keys.prefix(2_500) { _ = cache.lookup(key, hash: ScrapeCache.hash(key)) }
        }
        cache.evictOld()
        #expect(cache.count == 2_500)
        for (index, key) in keys.enumerated() {
            let found = cache.entry(key, hash: ScrapeCache.hash(key))?.ref
            #expect(found == (index < 2_500 ? SeriesRef(index + 1) : nil))
        }
    }

    @Test func keyHashCoversEveryByte() {
        let base = Array("http_requests_total{code=\"200\",method=\"get\"}".utf8)
        var hashes = Set<UInt64>()
        hashes.insert(ScrapeCache.hash(base[...]))
        for position in base.indices {
            var changed = base
            changed[position] ^= 1
            hashes.insert(ScrapeCache.hash(changed[...]))
        }
        #expect(hashes.count == base.count + 1)
        #expect(ScrapeCache.hash([][...]) != ScrapeCache.hash([0][...]))
    }

    @Test func scheduleOffsetHashIsStableFNV1a() {
        #expect(ScrapeCache.fnv1a("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(ScrapeCache.fnv1a("a".utf8) == 0xaf63_dc4c_8601_ec8c)
    }
}
