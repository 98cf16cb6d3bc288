import MetricModel
import Testing
@testable import Scrape

@Suite struct ScrapeCacheTests {
    func slice(_ text: String) -> ArraySlice<UInt8> { Array(text.utf8)[...] }

    @Test func collidingHashesKeepSeparateEntries() {
        var cache = ScrapeCache()
        cache.insert(slice("a"), hash: 7, ref: 1, labels: Labels(["__name__": "a"]))
        cache.insert(slice("b"), hash: 7, ref: 2, labels: nil)
        #expect(cache.lookup(slice("a"), hash: 7)?.entry.ref == 1)
        #expect(cache.lookup(slice("b"), hash: 7)?.entry.labels == nil)
        #expect(cache.lookup(slice("c"), hash: 7) == nil)
        cache.update(slice("b"), hash: 7, ref: 9)
        #expect(cache.lookup(slice("b"), hash: 7)?.entry.ref == 9)
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
        #expect(cache.lookup(slice("kept"), hash: 3)?.entry.ref == 2)
        #expect(cache.lookup(slice("old"), hash: 3) == nil)
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
}
