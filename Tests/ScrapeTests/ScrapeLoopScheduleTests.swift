import Testing
@testable import Scrape

@Suite struct ScrapeLoopScheduleTests {
    @Test func firstScheduleIsDeterministicAndOnTheTargetsGrid() {
        let interval: Int64 = 15_000
        let now: Int64 = 1_700_000_000_123
        let first = ScrapeLoop.firstSchedule(now: now, interval: interval, key: "job|http://a:1/metrics")
        #expect(first == ScrapeLoop.firstSchedule(now: now, interval: interval, key: "job|http://a:1/metrics"))
        #expect(first >= now && first < now + interval)
        // Later calls land on the same grid: the offset within the interval does not move.
        let later = ScrapeLoop.firstSchedule(now: now + 7 * interval + 1234, interval: interval, key: "job|http://a:1/metrics")
        #expect((later - first) % interval == 0)
    }

    @Test func targetsAreSpreadOverTheInterval() {
        let interval: Int64 = 10_000
        let now: Int64 = 1_700_000_000_000
        let offsets = (0..<100).map { index in
            ScrapeLoop.firstSchedule(now: now, interval: interval, key: "job|http://host-\(index):9100/metrics") - now
        }
        // 100 targets over 10 one-second buckets: every bucket gets some, none gets most.
        var buckets = [Int](repeating: 0, count: 10)
        for offset in offsets { buckets[Int(offset / 1000)] += 1 }
        #expect(buckets.allSatisfy { $0 > 0 && $0 < 30 }, "buckets: \(buckets)")
        #expect(Set(offsets).count > 90)
    }

    @Test func aNowExactlyOnTheGridIsScheduledNow() {
        let interval: Int64 = 1000
        let first = ScrapeLoop.firstSchedule(now: 50_000, interval: interval, key: "k")
        #expect(ScrapeLoop.firstSchedule(now: first, interval: interval, key: "k") == first)
    }
}
