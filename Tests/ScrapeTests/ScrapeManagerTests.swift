import Config
import MetricModel
import Testing
@testable import Scrape

@Suite(.serialized, .timeLimit(.minutes(1))) struct ScrapeManagerTests {
    func config(_ server: FakeServer, targets: [String]? = nil, _ edit: (inout ScrapeConfig) -> Void = { _ in }) -> ScrapeConfig {
        var config = ScrapeConfig(jobName: "j", scrapeInterval: 300, scrapeTimeout: 300)
        config.staticConfigs = [StaticConfig(targets: targets ?? [server.address])]
        edit(&config)
        return config
    }

    @Test func droppedTargetsAreExposedWithTheirDiscoveredLabels() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config(server, targets: [server.address, "skip:1"]) {
            $0.relabelConfigs = [RelabelConfig(sourceLabels: ["__address__"], regex: "skip:.*", action: .drop)]
        }]))
        #expect(harness.manager.targetStatuses().map(\.target.address) == [server.address])
        #expect(harness.manager.droppedTargets() == [DroppedTarget(scrapePool: "j", discoveredLabels: Labels([
            "__address__": "skip:1", "__metrics_path__": "/metrics", "__scheme__": "http", "__scrape_interval__": "300ms",
            "__scrape_timeout__": "300ms", "job": "j",
        ]))])
        let all = harness.manager.targetStatuses(includingDropped: true)
        #expect(all.map(\.state) == [.active, .dropped])
        await harness.close()
    }

    @Test func reapplyingKeepsLoopsAndSettingsChangesRestartThem() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config(server)]))
        #expect(try await eventually { harness.manager.targetStatuses().first?.lastScrape != nil })
        // Same config again, plus a second target: the first keeps its loop (and so its last scrape).
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config(server, targets: [server.address, "127.0.0.1:1"])]))
        #expect(harness.manager.targetStatuses().first { $0.target.address == server.address }?.lastScrape != nil)
        // A changed scrape setting re-creates the pool's loops.
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config(server) { $0.sampleLimit = 100 }]))
        #expect(harness.manager.targetStatuses().count == 1)
        #expect(harness.manager.targetStatuses().first?.lastScrape == nil)
        await harness.close()
    }

    @Test func targetLimitFailsEveryTargetOfThePool() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        server.set("/b", body: "m 1\n")
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config(server, targets: [server.address, "localhost:\(server.port)"]) {
            $0.targetLimit = 1
        }]))
        #expect(try await eventually(seconds: 15) {
            let statuses = harness.manager.targetStatuses()
            return statuses.count == 2 && statuses.allSatisfy { $0.lastError.hasPrefix("target_limit") }
        })
        for status in harness.manager.targetStatuses() {
            #expect(status.health == .down)
            #expect(status.lastError == "target_limit exceeded (number of targets: 2, limit: 1)")
        }
        #expect(server.hits.withLock { $0["/metrics"] } == nil)
        await harness.close()
    }

    @Test func removedJobsMarkTheirSeriesStale() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config(server)]))
        #expect(try await eventually { harness.manager.targetStatuses().first?.health == .up })
        harness.manager.apply(PrometheusConfig(scrapeConfigs: []))
        #expect(harness.manager.targetStatuses().isEmpty)
        let m = try samples(harness.storage.storage, #"m{instance="\#(server.address)", job="j"}"#)
        #expect(m.last?.1.isStaleMarker == true)
        let up = try samples(harness.storage.storage, #"up{instance="\#(server.address)", job="j"}"#)
        #expect(up.last?.1.isStaleMarker == true)
        await harness.close()
    }

    @Test func metricRelabelingThroughTheManager() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "keep_me 1\ngo_gc 2\n")
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config(server) {
            $0.metricRelabelConfigs = [RelabelConfig(sourceLabels: ["__name__"], regex: "go_.*", action: .drop)]
        }]))
        #expect(try await eventually { harness.manager.targetStatuses().first?.health == .up })
        let names = try seriesNames(harness.storage.storage)
        #expect(names.contains(#"keep_me{instance="\#(server.address)", job="j"}"#))
        #expect(!names.contains { $0.hasPrefix("go_gc") })
        let post = try samples(harness.storage.storage, #"scrape_samples_post_metric_relabeling{instance="\#(server.address)", job="j"}"#)
        let scraped = try samples(harness.storage.storage, #"scrape_samples_scraped{instance="\#(server.address)", job="j"}"#)
        // The last report is of a successful scrape (the target was up when the loop was checked).
        #expect(post.last?.1 == 1)
        #expect(scraped.last?.1 == 2)
        await harness.close()
    }

    @Test func changingOneProviderKeepsTheOthersTargets() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let dir = try TemporaryDirectory()
        try dir.write("t.yml", "- targets: ['\(server.address)']\n")
        var config = ScrapeConfig(jobName: "mixed", scrapeInterval: 300, scrapeTimeout: 300)
        config.fileSDConfigs = [FileSDConfig(files: [dir.path + "/t.yml"])]
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
        #expect(try await eventually(seconds: 15) { harness.manager.targetStatuses().first?.lastScrape != nil })
        // A static target joins the job: the file target's loop (and its last scrape) stays.
        config.staticConfigs = [StaticConfig(targets: ["127.0.0.1:1"])]
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
        let statuses = harness.manager.targetStatuses()
        #expect(statuses.count == 2)
        #expect(statuses.first { $0.target.address == server.address }?.lastScrape != nil)
        await harness.close()
    }
}
