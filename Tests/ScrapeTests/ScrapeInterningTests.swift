import MetricModel
import Storage
import Testing
@testable import Scrape

/// A new series' labels reach the storage interned, so a storage that interns them again keeps
/// the scrape cache's label array instead of copying it.
@Suite struct ScrapeInterningTests {
    /// Records the label sets of appends with an unknown reference.
    final class Recorder: Appendable, Appender, @unchecked Sendable {
        var received: [Labels] = []
        func appender() -> any Appender { self }
        func append(_ ref: SeriesRef, _ labels: Labels, _ timestamp: Timestamp, _ value: Double) throws(AppendError) -> SeriesRef {
            if ref == 0 { received.append(labels) }
            return SeriesRef(received.count)
        }
        func commit() throws(AppendError) {}
        func rollback() {}
    }

    static func address(_ labels: Labels) -> UnsafeRawPointer? {
        labels.pairs.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func newSeriesArriveInterned() throws {
        let recorder = Recorder()
        var appender = ScrapeAppender(target: makeTarget())
        let text = #"http_request_duration_seconds_bucket{method="GET",endpoint="/api/v1/completions/0",le="0.005"} 1"#
            + "\n" + #"http_request_duration_seconds_bucket{method="GET",endpoint="/api/v1/completions/0",le="0.01"} 1"# + "\n"
        _ = appender.append(body: Array(text.utf8), contentType: nil, timestamp: 1000, to: recorder)
        #expect(recorder.received.count == 2)
        let (one, two) = (recorder.received[0], recorder.received[1])
        #expect(LabelInterner.sameStorage(one.metricName!, two.metricName!))
        #expect(LabelInterner.sameStorage(one["endpoint"]!, two["endpoint"]!))
        var again = one
        again.intern()
        #expect(Self.address(again) == Self.address(one))
        let cached = try #require(appender.cache.entries.first?.labels)
        #expect(Self.address(cached) == Self.address(one))
    }
}
