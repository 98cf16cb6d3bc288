import Config
import Foundation
import MetricModel
import Testing
@testable import Scrape

@Suite(.serialized, .timeLimit(.minutes(1))) struct DiscoveryTests {
    @Test func fileDocumentsInYAMLAndJSON() throws {
        let dir = try TemporaryDirectory()
        let yaml = try dir.write("a.yml", """
            - targets: ['h1:9100', 'h2:9100']
              labels:
                env: prod
            - targets: [h3:9100]
            """)
        let json = try dir.write("b.json", #"[{"targets": ["h4:9100"], "labels": {"env": "dev", "rack": 7}}]"#)
        let groups = try FileDiscovery.read(yaml) + FileDiscovery.read(json)
        #expect(groups.map(\.source) == ["\(yaml):0", "\(yaml):1", "\(json):0"])
        #expect(groups[0].targets.map { $0["__address__"] } == ["h1:9100", "h2:9100"])
        #expect(groups[0].labels == Labels(["env": "prod", "__meta_filepath": yaml]))
        #expect(groups[2].labels == Labels(["env": "dev", "rack": "7", "__meta_filepath": json]))
    }

    @Test func badFileDocumentsSayWhatIsWrong() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: DiscoveryError("expected a list of target groups")) {
            try FileDiscovery.read(try dir.write("x.yml", "targets: [a]"))
        }
        #expect(throws: DiscoveryError("target group 0: unknown field \"target\"")) {
            try FileDiscovery.read(try dir.write("y.yml", "- target: [a]"))
        }
        #expect(throws: DiscoveryError("\"http://a/b\" is not a valid hostname")) {
            try FileDiscovery.read(try dir.write("z.json", #"[{"targets": ["http://a/b"]}]"#))
        }
    }

    @Test func globsExpandInTheLastElement() throws {
        let dir = try TemporaryDirectory()
        let a = try dir.write("a.yml", "[]")
        let b = try dir.write("b.yml", "[]")
        try dir.write("c.json", "[]")
        #expect(FileDiscovery.expand([dir.path + "/*.yml", a]) == [a, b])
    }

    @Test func fileTargetsAppearAndDisappearWithoutRestartingOthers() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        server.set("/other", body: "m 1\n")
        let dir = try TemporaryDirectory()
        let file = try dir.write("targets.yml", "- targets: ['\(server.address)']\n")
        var config = ScrapeConfig(jobName: "files", scrapeInterval: 300, scrapeTimeout: 200)
        config.fileSDConfigs = [FileSDConfig(files: [dir.path + "/*.yml"])]
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
        #expect(try await eventually { harness.manager.targetStatuses().first?.lastScrape != nil })
        #expect(harness.manager.targetStatuses().first?.target.discoveredLabels["__meta_filepath"] == file)

        // A second target (another path on the same server) appears; the first loop keeps its state.
        try dir.write("more.yml", """
            - targets: ['\(server.address)']
              labels: {__metrics_path__: /other, side: b}
            """)
        // Both scraped at least once (on a busy machine the new target's first scrape takes a moment).
        #expect(try await eventually {
            let statuses = harness.manager.targetStatuses()
            return statuses.count == 2 && statuses.allSatisfy { $0.lastScrape != nil }
        })
        let statuses = harness.manager.targetStatuses()
        #expect(statuses.first { $0.target.url.hasSuffix("/metrics") }?.lastScrape != nil)
        #expect(statuses.first { $0.target.url.hasSuffix("/other") }?.target.labels["side"] == "b")

        // The file goes away: its target goes, and its series get a staleness marker.
        try FileManager.default.removeItem(atPath: dir.path + "/more.yml")
        #expect(try await eventually { harness.manager.targetStatuses().count == 1 })
        #expect(try await eventually {
            let up = try samples(harness.storage.storage, #"up{instance="\#(server.address)", job="files", side="b"}"#)
            return up.last?.1.isStaleMarker == true
        })
        await harness.close()
    }

    @Test func httpDiscoveryReadsTheEndpoint() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        server.set("/sd", FakeServer.Reply(contentType: "application/json",
                                           body: Array(#"[{"targets": ["\#(server.address)"], "labels": {"team": "a"}}]"#.utf8)))
        var config = ScrapeConfig(jobName: "http", scrapeInterval: 300, scrapeTimeout: 200)
        config.httpSDConfigs = [HTTPSDConfig(url: "http://\(server.address)/sd", refreshInterval: 200)]
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
        #expect(try await eventually { harness.manager.targetStatuses().first?.health == .up })
        let target = harness.manager.targetStatuses().first?.target
        #expect(target?.labels == Labels(["instance": server.address, "job": "http", "team": "a"]))
        #expect(target?.discoveredLabels["__meta_url"] == "http://\(server.address)/sd")

        // The endpoint breaks: the targets stay. It answers an empty list: they go.
        server.set("/sd", FakeServer.Reply(status: .internalServerError))
        try await Task.sleep(for: .milliseconds(500))
        #expect(harness.manager.targetStatuses().count == 1)
        server.set("/sd", FakeServer.Reply(contentType: "application/json", body: Array("[]".utf8)))
        #expect(try await eventually { harness.manager.targetStatuses().isEmpty })
        await harness.close()
    }

    @Test func httpDiscoveryRefusesOtherContentTypes() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/sd", FakeServer.Reply(contentType: "text/plain", body: Array("[]".utf8)))
        let harness = ManagerHarness()
        let discovery = HTTPDiscovery(config: HTTPSDConfig(url: "http://\(server.address)/sd"), client: harness.client,
                                      settings: HTTPScrapeSettings())
        await #expect(throws: DiscoveryError("unsupported content type \"text/plain\"")) { try await discovery.fetch() }
        server.set("/sd", FakeServer.Reply(status: .notFound, contentType: "application/json"))
        await #expect(throws: DiscoveryError("server returned HTTP status 404 Not Found")) { try await discovery.fetch() }
        await harness.close()
    }

    @Test func dnsARecordsOfLocalhost() async throws {
        let records = try await SystemDNSResolver().lookup("localhost", type: "A")
        #expect(records.contains(.a("127.0.0.1")))
        let group = DNSDiscovery(config: DNSSDConfig(names: ["localhost"], type: "A", port: 9100), resolver: SystemDNSResolver())
            .group(name: "localhost", records: [.a("127.0.0.1"), .aaaa("::1")])
        #expect(group.targets == [
            Labels(["__address__": "127.0.0.1:9100", "__meta_dns_name": "localhost"]),
            Labels(["__address__": "[::1]:9100", "__meta_dns_name": "localhost"]),
        ])
        #expect(try await SystemDNSResolver().lookup("no-such-host.invalid", type: "A") == [])
    }

    @Test func dnsAAAARecords() async throws {
        // Whether "localhost" has ::1 depends on /etc/hosts (this machine's has no IPv6 line), so the
        // AAAA path is checked with the literal, which getaddrinfo answers the same way.
        #expect(try await SystemDNSResolver().lookup("::1", type: "AAAA") == [.aaaa("::1")])
        let localhost = try await SystemDNSResolver().lookup("localhost", type: "AAAA")
        #expect(localhost.allSatisfy { if case .aaaa = $0 { true } else { false } })
        #expect(try await SystemDNSResolver().lookup("127.0.0.1", type: "A") == [.a("127.0.0.1")])
    }

    @Test func dnsSRVFromAFakeServer() async throws {
        let dns = try FakeDNSServer(srv: [("_metrics._tcp.example.", [(9100, "a.example."), (9200, "b.example.")])])
        defer { dns.stop() }
        let resolver = SystemDNSResolver(nameserver: "127.0.0.1", port: dns.port, timeout: .seconds(2))
        let records = try await resolver.lookup("_metrics._tcp.example", type: "SRV")
        #expect(records == [.srv(target: "a.example.", port: 9100), .srv(target: "b.example.", port: 9200)])
        #expect(try await resolver.lookup("_missing._tcp.example", type: "SRV") == [])
        let group = DNSDiscovery(config: DNSSDConfig(names: ["_metrics._tcp.example"]), resolver: resolver)
            .group(name: "_metrics._tcp.example", records: records)
        #expect(group.targets[0] == Labels([
            "__address__": "a.example:9100", "__meta_dns_name": "_metrics._tcp.example",
            "__meta_dns_srv_record_target": "a.example.", "__meta_dns_srv_record_port": "9100",
        ]))
    }

    @Test func dnsTargetsThroughTheManager() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        var config = ScrapeConfig(jobName: "dns", scrapeInterval: 300, scrapeTimeout: 200)
        config.dnsSDConfigs = [DNSSDConfig(names: ["localhost"], refreshInterval: 1000, type: "A", port: server.port)]
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
        #expect(try await eventually { harness.manager.targetStatuses().first?.health == .up })
        #expect(harness.manager.targetStatuses().first?.target.discoveredLabels["__meta_dns_name"] == "localhost")
        await harness.close()
    }
}
