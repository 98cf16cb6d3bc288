import MetricModel
import Storage
import Testing
@testable import Scrape

extension ScrapeCache {
    /// The entry for `key` (marking it seen), for assertions.
    mutating func entry(_ key: Key) -> Entry? {
        lookup(key).map { self[$0.index] }
    }
}

@Suite struct ScrapeCacheTests {
    func key(_ text: String) -> ScrapeCache.Key { ScrapeCache.key(Array(text.utf8)[...]) }
    /// A key whose slot hash is `slot`, told apart from others only by `check`.
    func colliding(_ slot: UInt64, _ check: UInt64) -> ScrapeCache.Key { ScrapeCache.Key(slot: slot, check: check) }

    @Test func collidingSlotHashesKeepSeparateEntries() {
        var cache = ScrapeCache()
        cache.insert(colliding(7, 1), ref: 1, dropped: false)
        cache.insert(colliding(7, 2), ref: 2, dropped: true)
        #expect(cache.entry(colliding(7, 1))?.ref == 1)
        #expect(cache.entry(colliding(7, 2))?.dropped == true)
        #expect(cache.lookup(colliding(7, 3)) == nil)
        cache.update(colliding(7, 2), ref: 9)
        #expect(cache.entry(colliding(7, 2))?.ref == 9)
    }

    @Test func seenTwiceInOneIterationIsReported() {
        var cache = ScrapeCache()
        cache.beginIteration()
        cache.insert(key("a"), ref: 1, dropped: false)
        cache.beginIteration()
        #expect(cache.lookup(key("a"))?.seenBefore == false)
        #expect(cache.lookup(key("a"))?.seenBefore == true)
    }

    @Test func evictionDropsOnlyOldEntriesAndKeepsChainsIntact() {
        var cache = ScrapeCache()
        cache.beginIteration()
        cache.insert(colliding(3, 1), ref: 1, dropped: false)
        cache.insert(colliding(3, 2), ref: 2, dropped: false)
        for _ in 0..<cache.maxAge {
            cache.beginIteration()
            _ = cache.lookup(colliding(3, 2))
        }
        cache.evictOld()
        #expect(cache.count == 1)
        #expect(cache.entry(colliding(3, 2))?.ref == 2)
        #expect(cache.lookup(colliding(3, 1)) == nil)
    }

    @Test func undoRestoresThePreviousSighting() {
        var cache = ScrapeCache()
        cache.beginIteration()
        cache.insert(key("a"), ref: 1, dropped: false)
        cache.beginIteration()
        _ = cache.lookup(key("a"))
        cache.undoIteration()
        // Back to "seen in the previous iteration only": it counts as disappeared now.
        #expect(cache.disappeared() == [1])
    }

    @Test func anyLookupOrderFindsTheRightEntryWhateverTheGuess() {
        var cache = ScrapeCache()
        cache.beginIteration()
        // Every key shares one slot hash, so the guess (the entry after the last hit) only
        // matches when the check hash does too.
        let keys = (0..<200).map { colliding(42, UInt64($0)) }
        for (index, key) in keys.enumerated() { cache.insert(key, ref: SeriesRef(index + 1), dropped: false) }
        var order = Array(keys.indices)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<4 {
            cache.beginIteration()
            if round == 1 { order.reverse() }
            if round >= 2 { order.shuffle(using: &generator) }
            for index in order {
                let hit = cache.lookup(keys[index])
                #expect(hit.map { cache[$0.index].ref } == SeriesRef(index + 1))
                #expect(hit?.seenBefore == false)
            }
            #expect(cache.lookup(colliding(42, 1000)) == nil)
        }
    }

    @Test func aNewSeriesInTheMiddleKeepsTheRestOnTheFastPath() {
        var cache = ScrapeCache()
        cache.beginIteration()
        for name in ["a", "b", "c"] { cache.insert(key(name), ref: 1, dropped: false) }
        cache.beginIteration()
        #expect(cache.lookup(key("a"))?.index == 0)
        #expect(cache.lookup(key("new")) == nil)
        cache.insert(key("new"), ref: 2, dropped: false)
        #expect(cache.lookup(key("b"))?.index == 1)
        #expect(cache.lookup(key("c"))?.index == 2)
        #expect(cache.lookup(key("new"))?.seenBefore == true)
    }

    @Test func thousandsOfEntriesAreAllFoundAcrossGrowthAndEviction() {
        var cache = ScrapeCache()
        cache.beginIteration()
        let keys = (0..<5_000).map { key("metric_\($0 % 7){instance=\"host-\($0)\"}") }
        for (index, key) in keys.enumerated() {
            cache.insert(key, ref: SeriesRef(index + 1), dropped: false)
        }
        #expect(cache.count == 5_000)
        // Grown by an eighth at a time: little spare room.
        #expect(cache.entries.capacity <= 5_000 + 5_000 / 8 + 64)
        for _ in 0..<cache.maxAge {
            cache.beginIteration()
            for key in keys.prefix(2_500) { _ = cache.lookup(key) }
        }
        cache.evictOld()
        #expect(cache.count == 2_500)
        for (index, key) in keys.enumerated() {
            let found = cache.entry(key)?.ref
            #expect(found == (index < 2_500 ? SeriesRef(index + 1) : nil))
        }
    }

    @Test func bothKeyHashesCoverEveryByte() {
        for text in ["http_requests_total{code=\"200\",method=\"get\"}", "up", "a{b=\"c\"}"] {
            let base = Array(text.utf8)
            var slots = Set<UInt64>(), checks = Set<UInt64>()
            let original = ScrapeCache.key(base[...])
            slots.insert(original.slot)
            checks.insert(original.check)
            for position in base.indices {
                for bit in 0..<8 {
                    var changed = base
                    changed[position] ^= UInt8(1 << bit)
                    let key = ScrapeCache.key(changed[...])
                    slots.insert(key.slot)
                    checks.insert(key.check)
                }
            }
            #expect(slots.count == base.count * 8 + 1)
            #expect(checks.count == base.count * 8 + 1)
        }
        #expect(ScrapeCache.key([][...]) != ScrapeCache.key([0][...]))
    }

    @Test func noTwoOfManySeriesTextsShareAKeyHalf() {
        var slots = Set<UInt64>(), checks = Set<UInt64>()
        let count = 200_000
        for index in 0..<count {
            let key = key("tokens_used_total{model=\"m\(index % 97)\",user_id=\"\(index)\"}")
            slots.insert(key.slot)
            checks.insert(key.check)
        }
        #expect(slots.count == count && checks.count == count)
    }

    @Test func scheduleOffsetHashIsStableFNV1a() {
        #expect(ScrapeCache.fnv1a("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(ScrapeCache.fnv1a("a".utf8) == 0xaf63_dc4c_8601_ec8c)
    }
}
