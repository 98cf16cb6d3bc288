import AsyncHTTPClient
import Config
import Logging
import Metrics
import MetricModel
import Storage
import SwiftProtobuf
import Testing
@testable import Exposition
@testable import Scrape

/// `scrape_protocols: [PrometheusProto, ...]`: Prometheus's Accept header, and a protobuf body
/// scraped into samples and metadata.
@Suite struct ProtobufScrapeTests {
    @Test func acceptHeaderListsProtobufFirstWhenConfigured() {
        #expect(ScrapeTarget.acceptHeader(ScrapeProtocol.protoFirst, escaping: "allow-utf-8") ==
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
            + "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
            + "application/openmetrics-text;version=0.0.1;q=0.4,"
            + "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,"
            + "text/plain;version=0.0.4;q=0.2,*/*;q=0.1")
    }

    @Test func protobufBodyIsScrapedIntoSamplesAndMetadata() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        var family = Io_Prometheus_Client_MetricFamily()
        family.name = "disk_bytes"
        family.help = "Disk used."
        family.type = .gauge
        family.unit = "bytes"
        var metric = Io_Prometheus_Client_Metric()
        var pair = Io_Prometheus_Client_LabelPair()
        pair.name = "dev"
        pair.value = "sda"
        metric.label = [pair]
        metric.gauge.value = 42
        family.metric = [metric]
        let message: [UInt8] = try family.serializedBytes()
        server.set("/metrics", FakeServer.Reply(
            contentType: "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
            body: [UInt8(message.count)] + message))

        var config = ScrapeConfig(jobName: "j", scrapeInterval: 15_000, scrapeTimeout: 10_000)
        config.scrapeProtocols = [.prometheusProto, .prometheusText0_0_4]
        config.staticConfigs = [StaticConfig(targets: [server.address])]
        let target = try #require(ScrapeTarget.targets(of: config).first)
        let storage = MemoryStorage()
        let store = MetadataStore()
        let loop = ScrapeLoop(target: target, scraper: HTTPScraper(client: .shared), storage: storage,
                              logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                              metrics: ScrapeMetrics(factory: NOOPMetricsHandler.instance), metadataStore: store)
        await loop.scrapeOnce(timestamp: 1000)
        defer { loop.release() }
        #expect(loop.status.withLock { $0.health } == .up)
        #expect(server.lastHeaders.withLock { $0["/metrics"]?["accept"] } ==
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.4")
        let series = try samples(storage, #"disk_bytes{dev="sda", instance="\#(server.address)", job="j"}"#)
        #expect(series.map(\.1) == [42])
        #expect(store.snapshot().first?.families.first?.metadata == MetricMetadata(type: .gauge, help: "Disk used.", unit: "bytes"))
    }

    @Test func aBrokenProtobufBodyFailsTheScrapeNamingTheMessage() async throws {
        var config = ScrapeConfig(jobName: "j", scrapeInterval: 15_000, scrapeTimeout: 10_000)
        config.staticConfigs = [StaticConfig(targets: ["h:1"])]
        var appender = ScrapeAppender(target: try #require(ScrapeTarget.targets(of: config).first))
        let outcome = appender.append(body: [9, 1], contentType: "application/vnd.google.protobuf", timestamp: 1000,
                                      to: MemoryStorage())
        #expect(outcome.failure == .parse("line 1: protobuf: message of 9 bytes but 1 left"))
    }
}
