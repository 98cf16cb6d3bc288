import AsyncHTTPClient
import Logging
import Metrics
import MetricModel
import Storage
import Testing
@testable import Scrape

/// HELP/TYPE/UNIT seen by `ScrapeAppender`, and what `ScrapeLoop` publishes to a `MetadataStore`.
@Suite struct ScrapeMetadataTests {
    let storage = MemoryStorage()

    func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func declarationsAreRecordedPerFamilyAndChangesBumpTheVersion() {
        var appender = ScrapeAppender(target: makeTarget())
        #expect(appender.metadataVersion == 0)
        let text = "# HELP a_total A's help.\n# TYPE a_total counter\na_total 1\n# TYPE b untyped\nb 2\n# plain comment\n"
        _ = appender.append(body: body(text), contentType: nil, timestamp: 1000, to: storage)
        #expect(appender.families == ["a_total": MetricMetadata(type: .counter, help: "A's help."),
                                      "b": MetricMetadata(type: .unknown)])
        let version = appender.metadataVersion
        _ = appender.append(body: body(text), contentType: nil, timestamp: 2000, to: storage)
        #expect(appender.metadataVersion == version)
        _ = appender.append(body: body(text.replacingOccurrences(of: "A's help.", with: "New help.")),
                            contentType: nil, timestamp: 3000, to: storage)
        #expect(appender.metadataVersion != version)
        #expect(appender.families["a_total"] == MetricMetadata(type: .counter, help: "New help."))
    }

    @Test func openMetricsUnitIsRecorded() {
        var appender = ScrapeAppender(target: makeTarget())
        let text = "# TYPE size_bytes gauge\n# UNIT size_bytes bytes\n# HELP size_bytes Size.\nsize_bytes 3\n# EOF\n"
        let outcome = appender.append(body: body(text), contentType: "application/openmetrics-text; version=1.0.0",
                                      timestamp: 1000, to: storage)
        #expect(outcome.failure == nil)
        #expect(appender.families == ["size_bytes": MetricMetadata(type: .gauge, help: "Size.", unit: "bytes")])
    }

    @Test func aFailedScrapeStillRecordsWhatItDeclaredBeforeTheError() {
        var appender = ScrapeAppender(target: makeTarget())
        let outcome = appender.append(body: body("# TYPE a gauge\na 1\nb} 2\n"), contentType: nil, timestamp: 1000, to: storage)
        #expect(outcome.failure == .parse("line 3: invalid value \"}\""))
        #expect(appender.families == ["a": MetricMetadata(type: .gauge)])
    }

    @Test func aFamilyUndeclaredForMoreThanTenScrapesIsForgotten() {
        var appender = ScrapeAppender(target: makeTarget())
        _ = appender.append(body: body("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n"), contentType: nil, timestamp: 1000, to: storage)
        for scrape in 1...10 {
            _ = appender.append(body: body("# TYPE b gauge\nb 1\n"), contentType: nil, timestamp: 1000 + Int64(scrape) * 1000, to: storage)
        }
        #expect(appender.families.keys.sorted() == ["a", "b"])
        _ = appender.append(body: body("# TYPE b gauge\nb 1\n"), contentType: nil, timestamp: 12000, to: storage)
        #expect(appender.families.keys.sorted() == ["b"])
    }

    @Test func loopPublishesUnderItsKeyAndReleaseRemovesIt() async throws {
        let store = MetadataStore()
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "# HELP up_x Ups.\n# TYPE up_x gauge\nup_x 1\n")
        let target = makeTarget(address: "127.0.0.1:\(server.port)")
        let loop = ScrapeLoop(target: target, scraper: HTTPScraper(client: .shared), storage: storage,
                              logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), metrics: ScrapeMetrics(factory: NOOPMetricsHandler.instance),
                              metadataStore: store)
        await loop.scrapeOnce(timestamp: 1000)
        #expect(store.snapshot() == [.init(target: target.labels, families: [(name: "up_x", metadata: MetricMetadata(type: .gauge, help: "Ups."))])])
        loop.release()
        #expect(store.snapshot().isEmpty)
        await loop.scrapeOnce(timestamp: 2000)
        #expect(store.snapshot().isEmpty)
    }

    @Test func storeKeepsTwoOwnersWithEqualLabelsApart() {
        let store = MetadataStore()
        let labels = Labels(["job": "j", "instance": "i"])
        store.replace(key: "old", target: labels, families: ["a": MetricMetadata(type: .gauge)])
        store.replace(key: "new", target: labels, families: ["a": MetricMetadata(type: .counter)])
        store.remove(key: "old")
        #expect(store.snapshot() == [.init(target: labels, families: [(name: "a", metadata: MetricMetadata(type: .counter))])])
        store.remove(target: labels)
        #expect(store.count == 0)
    }
}
