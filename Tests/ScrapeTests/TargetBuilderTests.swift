import Config
import MetricModel
import Testing
@testable import Scrape

@Suite struct TargetBuilderTests {
    func config(_ rules: [RelabelConfig] = []) -> ScrapeConfig {
        var config = ScrapeConfig(jobName: "node", scrapeInterval: 15_000, scrapeTimeout: 5_000)
        config.relabelConfigs = rules
        config.params = ["module": ["a", "b"]]
        return config
    }

    func build(_ config: ScrapeConfig, _ target: [String: String], group: [String: String] = [:]) throws -> TargetBuilder.Outcome {
        try TargetBuilder(config: config).build(TargetGroup(source: "s", targets: [Labels(target)], labels: Labels(group))).first!
    }

    @Test func discoveredLabelsGetTheConfigDefaults() throws {
        guard case let .active(target) = try build(config(), ["__address__": "h:9100", "__meta_x": "m"], group: ["env": "p"]) else {
            Issue.record("not active"); return
        }
        #expect(target.discoveredLabels == Labels([
            "__address__": "h:9100", "__meta_x": "m", "env": "p", "job": "node", "__scheme__": "http",
            "__metrics_path__": "/metrics", "__scrape_interval__": "15s", "__scrape_timeout__": "5s", "__param_module": "a",
        ]))
        #expect(target.labels == Labels(["env": "p", "instance": "h:9100", "job": "node"]))
        #expect(target.url == "http://h:9100/metrics?module=a&module=b")
        #expect(target.interval == 15_000 && target.timeout == 5_000)
    }

    @Test func targetLabelsWinOverGroupLabels() throws {
        guard case let .active(target) = try build(config(), ["__address__": "h:1", "env": "own"], group: ["env": "group"]) else {
            Issue.record("not active"); return
        }
        #expect(target.labels["env"] == "own")
    }

    @Test func relabelingSetsAddressSchemePathParamsAndInterval() throws {
        let rules = [
            RelabelConfig(sourceLabels: ["__address__"], targetLabel: "__param_target"),
            RelabelConfig(targetLabel: "__address__", replacement: "exporter:9115"),
            RelabelConfig(targetLabel: "__scheme__", replacement: "https"),
            RelabelConfig(targetLabel: "__metrics_path__", replacement: "/probe"),
            RelabelConfig(targetLabel: "__scrape_interval__", replacement: "30s"),
            RelabelConfig(sourceLabels: ["__meta_zone"], targetLabel: "zone"),
            RelabelConfig(sourceLabels: ["__param_target"], targetLabel: "instance"),
            RelabelConfig(sourceLabels: ["__meta_zone"], targetLabel: "__tmp_zone"),
        ]
        guard case let .active(target) = try build(config(rules), ["__address__": "site.example", "__meta_zone": "eu"]) else {
            Issue.record("not active"); return
        }
        #expect(target.url == "https://exporter:9115/probe?module=a&module=b&target=site.example")
        #expect(target.address == "exporter:9115")
        #expect(target.interval == 30_000)
        #expect(target.labels == Labels(["instance": "site.example", "job": "node", "zone": "eu"]))
    }

    @Test func paramLabelOverridesTheFirstConfigValue() throws {
        let rules = [RelabelConfig(targetLabel: "__param_module", replacement: "z")]
        guard case let .active(target) = try build(config(rules), ["__address__": "h:1"]) else { Issue.record("not active"); return }
        #expect(target.url == "http://h:1/metrics?module=z&module=b")
    }

    @Test func droppedTargetsKeepTheirDiscoveredLabels() throws {
        let rules = [RelabelConfig(sourceLabels: ["__meta_role"], regex: "db", action: .drop)]
        let outcome = try build(config(rules), ["__address__": "h:1", "__meta_role": "db"])
        guard case let .dropped(dropped) = outcome else { Issue.record("not dropped: \(outcome)"); return }
        #expect(dropped.scrapePool == "node")
        #expect(dropped.discoveredLabels["__meta_role"] == "db")
        #expect(dropped.discoveredLabels["job"] == "node")
    }

    @Test func invalidTargetsFailWithPrometheusMessages() throws {
        let noAddress = [RelabelConfig(sourceLabels: ["x"], targetLabel: "__address__", regex: "(.*)", replacement: "$1")]
        #expect(try build(config(noAddress), ["__address__": "h:1"]) == .failed("instance 0 in group s: no address"))
        #expect(try build(config(), ["__address__": "http://h:1/x"])
            == .failed("instance 0 in group s: \"http://h:1/x\" is not a valid hostname"))
        let slowTimeout = [RelabelConfig(targetLabel: "__scrape_timeout__", replacement: "1m")]
        #expect(try build(config(slowTimeout), ["__address__": "h:1"])
            == .failed("instance 0 in group s: scrape timeout cannot be greater than scrape interval (\"1m\" > \"15s\")"))
        let badInterval = [RelabelConfig(targetLabel: "__scrape_interval__", replacement: "soon")]
        #expect(try build(config(badInterval), ["__address__": "h:1"])
            == .failed("instance 0 in group s: error parsing scrape interval: not a valid duration string: \"soon\""))
        let zero = [RelabelConfig(targetLabel: "__scrape_interval__", replacement: "0s")]
        #expect(try build(config(zero), ["__address__": "h:1"]) == .failed("instance 0 in group s: scrape interval cannot be 0"))
    }

    @Test func instanceKeptWhenRelabelingSetsIt() throws {
        let rules = [RelabelConfig(targetLabel: "instance", replacement: "nice-name")]
        guard case let .active(target) = try build(config(rules), ["__address__": "10.0.0.1:9100"]) else {
            Issue.record("not active"); return
        }
        #expect(target.labels["instance"] == "nice-name")
    }

    @Test func acceptHeaderFollowsScrapeProtocols() {
        #expect(ScrapeTarget.acceptHeader(ScrapeProtocol.defaults, escaping: "allow-utf-8") ==
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
            + "application/openmetrics-text;version=0.0.1;q=0.5,"
            + "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
            + "text/plain;version=0.0.4;q=0.3,*/*;q=0.2")
        #expect(ScrapeTarget.acceptHeader([.prometheusText0_0_4], escaping: "underscores") == "text/plain;version=0.0.4;q=0.6,*/*;q=0.5")
    }
}
