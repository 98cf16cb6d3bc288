import Config
import MetricModel
import Storage
import Testing
@testable import Scrape

@Suite struct ScrapeAppenderTests {
    let storage = MemoryStorage()

    func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func cacheHitAppendsTheSameLabels() throws {
        var appender = ScrapeAppender(target: makeTarget())
        let first = appender.append(body: body("a 1\nb{x=\"y\"} 2\n"), contentType: nil, timestamp: 1000, to: storage)
        #expect(first == .init(samplesScraped: 2, samplesPostRelabeling: 2, seriesAdded: 2))
        let second = appender.append(body: body("a 3\nb{x=\"y\"} 4\n"), contentType: nil, timestamp: 2000, to: storage)
        #expect(second == .init(samplesScraped: 2, samplesPostRelabeling: 2, seriesAdded: 0))
        #expect(appender.cache.count == 2)
        #expect(try seriesNames(storage) == [#"a{instance="h:1", job="j"}"#, #"b{instance="h:1", job="j", x="y"}"#])
        let a = try samples(storage, #"a{instance="h:1", job="j"}"#)
        #expect(a.map(\.0) == [1000, 2000])
        #expect(a.map(\.1) == [1, 3])
    }

    @Test func clashingLabelsAreExportedWithoutHonorLabels() throws {
        var appender = ScrapeAppender(target: makeTarget(extraLabels: ["env": "prod"]))
        _ = appender.append(body: body(#"m{job="other",env="dev",exported_env="x"} 1"# + "\n"),
                                contentType: nil, timestamp: 1000, to: storage)
        #expect(try seriesNames(storage) ==
            [#"m{env="prod", exported_env="x", exported_exported_env="dev", exported_job="other", instance="h:1", job="j"}"#])
    }

    @Test func honorLabelsKeepsScrapedValues() throws {
        var appender = ScrapeAppender(target: makeTarget(honorLabels: true))
        _ = appender.append(body: body(#"m{job="other"} 1"# + "\n"), contentType: nil, timestamp: 1000, to: storage)
        #expect(try seriesNames(storage) == [#"m{instance="h:1", job="other"}"#])
    }

    @Test func malformedBodyAppendsNothingAndNamesTheLine() throws {
        var appender = ScrapeAppender(target: makeTarget())
        let outcome = appender.append(body: body("a 1\nb} 2\n"), contentType: nil, timestamp: 1000, to: storage)
        #expect(outcome.failure == .parse("line 2: invalid value \"}\""))
        #expect(try dump(storage).isEmpty)
    }

    @Test func disappearedSeriesGetAStalenessMarker() throws {
        var appender = ScrapeAppender(target: makeTarget())
        _ = appender.append(body: body("a 1\nb 2\n"), contentType: nil, timestamp: 1000, to: storage)
        _ = appender.append(body: body("a 1\n"), contentType: nil, timestamp: 2000, to: storage)
        _ = appender.append(body: body("a 1\n"), contentType: nil, timestamp: 3000, to: storage)
        #expect(try staleTimes(storage, #"b{instance="h:1", job="j"}"#) == [2000])
        #expect(try staleTimes(storage, #"a{instance="h:1", job="j"}"#) == [])
    }

    @Test func failedScrapeMarksEverythingStale() throws {
        var appender = ScrapeAppender(target: makeTarget())
        _ = appender.append(body: body("a 1\nb 2\n"), contentType: nil, timestamp: 1000, to: storage)
        appender.markAllStale(timestamp: 2000, to: storage)
        #expect(try staleTimes(storage, #"a{instance="h:1", job="j"}"#) == [2000])
        #expect(try staleTimes(storage, #"b{instance="h:1", job="j"}"#) == [2000])
        // A second failure in a row writes no second marker.
        appender.markAllStale(timestamp: 3000, to: storage)
        #expect(try staleTimes(storage, #"a{instance="h:1", job="j"}"#) == [2000])
    }

    @Test func malformedScrapeAfterAGoodOneMarksItsSeriesStale() throws {
        var appender = ScrapeAppender(target: makeTarget())
        _ = appender.append(body: body("a 1\n"), contentType: nil, timestamp: 1000, to: storage)
        let failed = appender.append(body: body("b 1\na 1\n{"), contentType: nil, timestamp: 2000, to: storage)
        #expect(failed.failure != nil)
        #expect(try staleTimes(storage, #"a{instance="h:1", job="j"}"#) == [2000])
        #expect(try seriesNames(storage) == [#"a{instance="h:1", job="j"}"#])
        // The next good scrape starts afresh: no second marker, samples resume.
        _ = appender.append(body: body("a 2\n"), contentType: nil, timestamp: 3000, to: storage)
        #expect(try samples(storage, #"a{instance="h:1", job="j"}"#).map(\.0) == [1000, 2000, 3000])
    }

    @Test func honorTimestampsUsesTheExposedTimestamp() throws {
        var honoring = ScrapeAppender(target: makeTarget())
        _ = honoring.append(body: body("a 1 500\nb 2\n"), contentType: nil, timestamp: 1000, to: storage)
        #expect(try samples(storage, #"a{instance="h:1", job="j"}"#).map(\.0) == [500])
        #expect(try samples(storage, #"b{instance="h:1", job="j"}"#).map(\.0) == [1000])

        let other = MemoryStorage()
        var ignoring = ScrapeAppender(target: makeTarget(honorTimestamps: false))
        _ = ignoring.append(body: body("a 1 500\n"), contentType: nil, timestamp: 1000, to: other)
        #expect(try samples(other, #"a{instance="h:1", job="j"}"#).map(\.0) == [1000])
    }

    @Test func outOfOrderSamplesAreCountedNotFatal() throws {
        var appender = ScrapeAppender(target: makeTarget())
        _ = appender.append(body: body("a 1 5000\n"), contentType: nil, timestamp: 1000, to: storage)
        let outcome = appender.append(body: body("a 2 4000\nb 1\n"), contentType: nil, timestamp: 2000, to: storage)
        #expect(outcome.outOfOrder == 1)
        #expect(try samples(storage, #"b{instance="h:1", job="j"}"#).count == 1)
    }
}

@Suite struct MetricRelabelingTests {
    let storage = MemoryStorage()

    func appender(_ rules: [RelabelConfig], limits: (inout SeriesLimits) -> Void = { _ in }) throws -> ScrapeAppender {
        var target = makeTarget()
        limits(&target.limits)
        return ScrapeAppender(target: target, metricRelabeler: try Relabeler(rules))
    }

    @Test func droppedSeriesAreCachedAndNeverAppended() throws {
        var appender = try appender([RelabelConfig(sourceLabels: ["__name__"], regex: "go_.*", action: .drop)])
        for t in [1000, 2000] as [Int64] {
            let outcome = appender.append(body: Array("go_x 1\nkeep 2\n".utf8), contentType: nil, timestamp: t, to: storage)
            #expect(outcome.samplesScraped == 2)
            #expect(outcome.samplesPostRelabeling == 1)
        }
        #expect(appender.cache.count == 2)
        #expect(try seriesNames(storage) == [#"keep{instance="h:1", job="j"}"#])
        // A dropped series that disappears gets no staleness marker.
        _ = appender.append(body: Array("keep 2\n".utf8), contentType: nil, timestamp: 3000, to: storage)
        #expect(try seriesNames(storage) == [#"keep{instance="h:1", job="j"}"#])
    }

    @Test func relabelingSeesTheTargetLabels() throws {
        var appender = try appender([
            RelabelConfig(sourceLabels: ["job", "code"], targetLabel: "route", regex: "j;(.*)", replacement: "code_$1"),
            RelabelConfig(regex: "code", action: .labeldrop),
        ])
        _ = appender.append(body: Array("http_requests{code=\"200\"} 5\n".utf8), contentType: nil, timestamp: 1000, to: storage)
        #expect(try seriesNames(storage) == [#"http_requests{instance="h:1", job="j", route="code_200"}"#])
    }

    @Test func droppingTheNameFailsTheScrape() throws {
        var appender = try appender([RelabelConfig(regex: "__name__", action: .labeldrop)])
        let outcome = appender.append(body: Array("m 1\n".utf8), contentType: nil, timestamp: 1000, to: storage)
        #expect(outcome.failure == .parse("missing metric name (__name__ label)"))
    }

    @Test func labelLimitsFailTheWholeScrape() throws {
        // `__name__` counts too: 8 bytes fit a limit of 8, `long_name` (9) does not.
        var names = try appender([]) { $0.labelNameLengthLimit = 8 }
        let long = names.append(body: Array("m 1\nm{long_name=\"v\"} 1\n".utf8), contentType: nil, timestamp: 1000, to: storage)
        #expect(long.failure == .limit("label_name_length_limit exceeded (metric: m, label name: long_name, length: 9, limit: 8)"))
        #expect(try dump(storage).isEmpty)

        var values = try appender([]) { $0.labelValueLengthLimit = 3 }
        let value = values.append(body: Array("m{a=\"abcd\"} 1\n".utf8), contentType: nil, timestamp: 1000, to: storage)
        #expect(value.failure == .limit(
            "label_value_length_limit exceeded (metric: m, label name: a, value: \"abcd\", length: 4, limit: 3)"))
    }

    @Test func limitMessagesClipNamesAndValuesAtFiftyScalars() {
        // Prometheus shows at most 50 runes of each; a combining accent is a rune of its own.
        let name = "m" + String(repeating: "n", count: 59)
        let value = String(repeating: "e\u{301}", count: 30)
        let labels = Labels([Labels.metricName: name, "a": value])
        var limits = SeriesLimits()
        limits.labelValueLengthLimit = 70  // the 60-byte name fits, the 90-byte value does not
        let clippedName = String(name.prefix(50))
        let clippedValue = String(repeating: "e\u{301}", count: 25)
        #expect(ScrapeAppender.limitProblem(labels, limits) == "label_value_length_limit exceeded (metric: \(clippedName), "
            + "label name: a, value: \"\(clippedValue)\", length: 90, limit: 70)")
        limits.labelValueLengthLimit = 0
        #expect(ScrapeAppender.limitProblem(labels, limits) == nil)
        limits.labelLimit = 1
        #expect(ScrapeAppender.limitProblem(labels, limits)
            == "label_limit exceeded (metric: \(clippedName), number of labels: 2, limit: 1)")
    }

    @Test func sampleLimitCountsAfterRelabelingAndFailsTheScrape() throws {
        var appender = try appender([RelabelConfig(sourceLabels: ["__name__"], regex: "drop_.*", action: .drop)]) {
            $0.sampleLimit = 2
        }
        let fits = appender.append(body: Array("a 1\nb 1\ndrop_c 1\n".utf8), contentType: nil, timestamp: 1000, to: storage)
        #expect(fits.failure == nil)
        let over = appender.append(body: Array("a 1\nb 1\nc 1\n".utf8), contentType: nil, timestamp: 2000, to: storage)
        #expect(over.failure == .limit("sample limit exceeded"))
        #expect(over.samplesPostRelabeling == 3)
        // Nothing of the failed scrape is stored; the previous scrape's series are marked stale.
        #expect(try staleTimes(storage, #"a{instance="h:1", job="j"}"#) == [2000])
        #expect(try samples(storage, #"c{instance="h:1", job="j"}"#).isEmpty)
    }
}
