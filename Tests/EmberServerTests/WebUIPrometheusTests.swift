import Foundation
import Testing

/// Debian's `prometheus` binary, when installed.
let debianPrometheusPath: String? = FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")
    ? "/usr/bin/prometheus" : nil

extension WebPages {
    /// Ember's pages over a real Prometheus's API (Debian's `prometheus`): the endpoints Ember does not
    /// serve yet (range queries, TSDB status, config, flags, runtime info) must render from
    /// Prometheus's own JSON, which is the shape Ember's will have. Pages come from Ember's
    /// `UIRoutes` in a `TestProxy` that forwards `/api/` to Prometheus.
    @Suite(.serialized, .enabled(if: Chromium.path != nil && debianPrometheusPath != nil,
                                 "chromium or prometheus is not installed (apt-get install -y chromium prometheus)"))
    struct WebUIPrometheusTests {
        @Test func graphCardinalityConfigFlagsAndStatusRenderPrometheusJSON() async throws {
            let directory = try TemporaryDirectory()
            let port = try freeLoopbackPort()
            let prometheusBase = "http://127.0.0.1:\(port)"
            let config = try directory.file("prometheus.yml", """
                global: {scrape_interval: 1s}
                scrape_configs:
                  - job_name: prometheus
                    static_configs: [{targets: ["127.0.0.1:\(port)"]}]
                """)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(debianPrometheusPath))
            process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(directory.path)/data",
                                 "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { process.terminate(); process.waitUntilExit() }
            // A few seconds of samples, so the graph has lines to draw.
            let scraped = try await eventually(seconds: 20) {
                let body = try await httpGet(prometheusBase + "/api/v1/query?query=count_over_time(up%5B1m%5D)").1
                return try vectorResult(body).first.map { Int($0.1) ?? 0 >= 4 } ?? false
            }
            #expect(scraped)
            let proxy = try await TestProxy.pagesOver(upstream: prometheusBase)
            defer { proxy.stop() }
            let base = "http://127.0.0.1:\(proxy.port)"

            let graphURL = base + "/query?expr=up&mode=range&range=1m&step=1"
            let graph = try await Chromium.dumpDOM(graphURL)
            #expect(graph.contains(#"<path class="series""#), "\(graph)")
            #expect(graph.contains(#"up{instance="127.0.0.1:\#(port)", job="prometheus"}"#))
            #expect(graph.contains(#"<div id="error" class="error" role="alert" hidden="">"#))
            try await Chromium.screenshot(graphURL, name: "prometheus-query-graph")

            let expectations = [
                ("tsdb-status", ["Head block", "Top metric names by series", #"<a href="query?expr=prometheus_"#]),
                ("config", ["scrape_configs:", "job_name: prometheus"]),
                ("flags", ["--config.file", "--storage.tsdb.retention.time"]),
                ("status", ["Runtime information", "storageRetention", "goVersion"]),
            ]
            for (page, texts) in expectations {
                let dom = try await Chromium.dumpDOM(base + "/" + page)
                let content = WebUITests.section(dom, from: #"<div id="content""#, to: "</main>")
                for text in texts { #expect(content.contains(text), "\(page) lacks \(text): \(content)") }
                #expect(!content.contains("not available"), "\(page): \(content)")
                try await Chromium.screenshot(base + "/" + page, name: "prometheus-" + page)
            }
            #expect(proxy.forwardedPaths.contains { $0.hasPrefix("/api/v1/query_range") })
        }
    }
}
