import EmberServer
import Foundation
import Logging
import Testing

/// The whole path in one process: a real exposition listener → scrape loop → parser → head →
/// PromQL → `/api/v1/query` over real HTTP.
@Suite struct EndToEndTests {
    static let exposition = """
        # HELP tokens_used_total Tokens used.
        # TYPE tokens_used_total counter
        tokens_used_total{model="small",user_id="u1"} 42
        tokens_used_total{model="large",user_id="u2"} 7
        # TYPE queue_depth gauge
        queue_depth 3.5

        """

    @Test func scrapedTargetIsUpAndItsSeriesAreQueryable() async throws {
        let target = try await FakeTarget.start(body: Self.exposition)
        defer { target.stop() }
        let directory = try TemporaryDirectory()
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 500ms
            scrape_configs:
              - job_name: gateway
                static_configs:
                  - targets: ["127.0.0.1:\(target.port)"]
                    labels: {env: test}
            """
        let (server, task, port) = try await startServer(config: config, in: directory)
        let base = "http://127.0.0.1:\(port)"

        // Ready once the (empty) WAL is replayed.
        let ready = try await eventually(seconds: 60) { try await httpGet(base + "/-/ready").0 == 200 }
        #expect(ready)
        let upSeen = try await eventually(seconds: 60) {
            let (_, body) = try await httpGet(base + "/api/v1/query?query=up")
            return try vectorResult(body).contains { $0.1 == "1" }
        }
        #expect(upSeen)
        let (_, upBody) = try await httpGet(base + "/api/v1/query?query=up")
        let up = try vectorResult(upBody)
        #expect(up.count == 1)
        #expect(up.first?.0 == ["__name__": "up", "job": "gateway", "instance": "127.0.0.1:\(target.port)", "env": "test"])

        let (_, tokensBody) = try await httpGet(base + "/api/v1/query?query=tokens_used_total%7Bmodel%3D~%22l.*%22%7D")
        let tokens = try vectorResult(tokensBody)
        #expect(tokens.count == 1)
        #expect(tokens.first?.0["user_id"] == "u2")
        #expect(tokens.first?.1 == "7")

        for name in ["scrape_duration_seconds", "scrape_samples_scraped"] {
            let (_, body) = try await httpGet(base + "/api/v1/query?query=\(name)")
            let result = try vectorResult(body)
            #expect(result.count == 1, "\(name)")
            #expect(result.first?.0["job"] == "gateway")
        }
        let (_, scraped) = try await httpGet(base + "/api/v1/query?query=scrape_samples_scraped")
        #expect(try vectorResult(scraped).first?.1 == "3")

        let (_, metrics) = try await httpGet(base + "/metrics")
        #expect(metrics.contains("prometheus_tsdb_head_series"))
        #expect(metrics.contains("process_resident_memory_bytes"))

        await server.shutdown()
        try await task.value
    }

    @Test func downTargetReportsUpZeroAndItsError() async throws {
        let directory = try TemporaryDirectory()
        // Port 1 on loopback refuses connections.
        let config = """
            global: {scrape_interval: 1s, scrape_timeout: 500ms}
            scrape_configs:
              - job_name: dead
                static_configs: [{targets: ["127.0.0.1:1"]}]
            """
        let (server, task, port) = try await startServer(config: config, in: directory)
        let base = "http://127.0.0.1:\(port)"
        let downSeen = try await eventually(seconds: 60) {
            let (_, body) = try await httpGet(base + "/api/v1/query?query=up")
            return try vectorResult(body).contains { $0.1 == "0" }
        }
        #expect(downSeen)
        let (_, targets) = try await httpGet(base + "/api/v1/targets")
        let data = try json(targets)["data"] as? [String: Any]
        let active = data?["activeTargets"] as? [[String: Any]]
        #expect(active?.count == 1)
        #expect(active?.first?["health"] as? String == "down")
        #expect((active?.first?["lastError"] as? String)?.contains("127.0.0.1:1") == true)
        await server.shutdown()
        try await task.value
    }

    @Test func hangingTargetTimesOutAndOthersKeepTheirSchedule() async throws {
        let target = try await FakeTarget.start(body: Self.exposition)
        defer { target.stop() }
        // A listener that accepts and never answers.
        let hanging = try HangingListener()
        defer { hanging.close() }
        let directory = try TemporaryDirectory()
        let config = """
            global: {scrape_interval: 1s, scrape_timeout: 300ms}
            scrape_configs:
              - job_name: slow
                static_configs: [{targets: ["127.0.0.1:\(hanging.port)"]}]
              - job_name: fine
                static_configs: [{targets: ["127.0.0.1:\(target.port)"]}]
            """
        let (server, task, port) = try await startServer(config: config, in: directory)
        let base = "http://127.0.0.1:\(port)"
        let both = try await eventually(seconds: 60) {
            let (_, body) = try await httpGet(base + "/api/v1/query?query=up")
            let result = try vectorResult(body)
            return result.contains { $0.0["job"] == "slow" && $0.1 == "0" } && result.contains { $0.0["job"] == "fine" && $0.1 == "1" }
        }
        #expect(both)
        let (_, targets) = try await httpGet(base + "/api/v1/targets")
        #expect(targets.contains("context deadline exceeded"))
        await server.shutdown()
        try await task.value
    }
}
