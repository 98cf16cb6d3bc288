import EmberServer
import Foundation
import Testing

extension RemoteWriteTests {
    /// Debian's `prometheus` scrapes a FakeTarget and remote-writes to Ember: the same queries at
    /// the same instant answer the same on both.
    @Test(.enabled(if: debianPrometheusPath != nil, "prometheus is not installed (apt-get install -y prometheus)"))
    func prometheusRemoteWritingToEmberAnswersTheSameQueries() async throws {
        let target = try await FakeTarget.start(body: EndToEndTests.exposition)
        defer { target.stop() }
        let directory = try TemporaryDirectory()
        let (server, task, emberBase) = try await start(remoteWrite: true, in: directory)
        let port = try freeLoopbackPort()
        let prometheusBase = "http://127.0.0.1:\(port)"
        let config = try directory.file("prometheus-sender.yml", """
            global: {scrape_interval: 1s, scrape_timeout: 500ms}
            scrape_configs:
              - job_name: fake
                static_configs: [{targets: ["127.0.0.1:\(target.port)"]}]
            remote_write:
              - url: \(emberBase)/api/v1/write
                queue_config: {batch_send_deadline: 500ms, max_samples_per_send: 100}
            """)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(debianPrometheusPath))
        process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(directory.path)/prometheus-data",
                             "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }

        // A few scrapes on Prometheus, then an instant they both must have all samples before.
        let scraped = try await eventually(seconds: 30) {
            let body = try await httpGet(prometheusBase + "/api/v1/query?query=count_over_time(up%5B1m%5D)").1
            return try vectorResult(body).first.map { Int($0.1) ?? 0 >= 3 } ?? false
        }
        try #require(scraped, "prometheus did not scrape the target")
        let instant = Date().timeIntervalSince1970
        let time = String(format: "%.3f", instant)
        // Ember has everything up to `instant` once it holds a scrape from after it.
        let caughtUp = try await eventually(seconds: 30) {
            let body = try await httpGet(emberBase + "/api/v1/query?query=max(timestamp(up))").1
            return try vectorResult(body).first.map { (Double($0.1) ?? 0) > instant + 1 } ?? false
        }
        try #require(caughtUp, "ember did not receive samples newer than the comparison instant")

        let queries = ["up", "tokens_used_total", "queue_depth", "count_over_time(up[1m])",
                       "sum by (model) (sum_over_time(tokens_used_total[1m]))", "scrape_samples_scraped"]
        for query in queries {
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let path = "/api/v1/query?query=\(encoded)&time=\(time)"
            let prometheus = try vectorResult(try await httpGet(prometheusBase + path).1)
            let ember = try vectorResult(try await httpGet(emberBase + path).1)
            let sortKey: (([String: String], String)) -> String = { $0.0.sorted { $0.key < $1.key }.description }
            let prometheusSorted = prometheus.sorted { sortKey($0) < sortKey($1) }
            let emberSorted = ember.sorted { sortKey($0) < sortKey($1) }
            #expect(!prometheusSorted.isEmpty, "\(query)")
            #expect(emberSorted.map(\.0) == prometheusSorted.map(\.0), "\(query)")
            #expect(emberSorted.map(\.1) == prometheusSorted.map(\.1), "\(query)")
        }
        await server.shutdown()
        try await task.value
    }
}
