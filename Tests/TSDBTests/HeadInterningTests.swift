import MetricModel
import Storage
import Testing
@testable import TSDB

/// The head keeps one copy of each label string for all its series, including series restored
/// from the write-ahead log, and forgets the strings of the series it removes.
@Suite struct HeadInterningTests {
    static func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }

    static func labels(_ name: String, _ series: Int) -> Labels {
        Labels(["__name__": fresh(name), "endpoint": fresh("/api/v1/completions/0"), "series": "\(series)"])
    }

    @Test func seriesShareLabelStrings() throws {
        var options = Head.Options()
        options.labelInterner = LabelInterner()
        let head = Head(options: options)
        let app = head.appender()
        let one = try app.append(0, Self.labels("http_requests_total", 1), 1000, 1)
        let two = try app.append(0, Self.labels("http_requests_total", 2), 1000, 1)
        try app.commit()
        let series = head.series(for: [one, two])
        #expect(series.count == 2)
        #expect(LabelInterner.sameStorage(series[0].labels["__name__"]!, series[1].labels["__name__"]!))
        #expect(LabelInterner.sameStorage(series[0].labels["endpoint"]!, series[1].labels["endpoint"]!))
        #expect(options.labelInterner.count == 2)
    }

    @Test func truncationForgetsRemovedSeriesStrings() throws {
        var options = Head.Options()
        options.labelInterner = LabelInterner()
        let head = Head(options: options)
        let app = head.appender()
        try app.append(0, Self.labels("old_metric_with_long_name", 1), 1000, 1)
        try app.append(0, Self.labels("new_metric_with_long_name", 2), 9000, 1)
        try app.commit()
        #expect(options.labelInterner.count == 3)
        #expect(head.truncate(before: 5000) == 1)
        #expect(head.stats.series == 1)
        // The endpoint string is still used by the remaining series.
        #expect(options.labelInterner.count == 2)
    }

    @Test func replayedSeriesShareLabelStrings() throws {
        let directory = try DataDirectory()
        do {
            let head = try Head.open(directory: directory.path)
            let app = head.appender()
            try app.append(0, Self.labels("replayed_metric_total", 1), 1000, 1)
            try app.append(0, Self.labels("replayed_metric_total", 2), 1000, 2)
            try app.commit()
            try head.close()
        }
        var options = Head.Options()
        options.labelInterner = LabelInterner()
        let head = try Head.open(directory: directory.path, options: options)
        let series = head.index.withLock { Array($0.series.values) }
        #expect(series.count == 2)
        #expect(LabelInterner.sameStorage(series[0].labels["__name__"]!, series[1].labels["__name__"]!))
        #expect(series.map { $0.labels["series"]! }.sorted() == ["1", "2"])
        try head.close()
    }
}

extension HeadInterningTests {
    /// A label set the scraper interned already is stored as it is: the head and the scrape
    /// cache share one label array.
    @Test func internedLabelSetsKeepTheirStorage() throws {
        let head = Head()
        var labels = Self.labels("shared_storage_metric_total", 1)
        labels.intern()
        let address = labels.pairs.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        let app = head.appender()
        let ref = try app.append(0, labels, 1000, 1)
        try app.commit()
        let stored = try #require(head.series(for: [ref]).first).labels
        #expect(stored.pairs.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } == address)
    }
}
