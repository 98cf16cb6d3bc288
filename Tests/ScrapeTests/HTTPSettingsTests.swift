import Config
import Foundation
import MetricModel
import Testing
@testable import Scrape

/// Credentials, params, protocols and redirects reach the target as Prometheus sends them.
@Suite(.serialized, .timeLimit(.minutes(1))) struct HTTPSettingsTests {
    /// Scrapes with `config` until `until` holds for the target (or 15 s pass: the machine may be
    /// loaded, so a scrape may time out before the one that shows what the test wants).
    func run(_ server: FakeServer, _ config: ScrapeConfig, path: String = "/metrics",
             until: @escaping (TargetStatus) -> Bool = { $0.health == .up }) async throws -> (TargetStatus?, [String: String]) {
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
        _ = try await eventually(seconds: 15) { harness.manager.targetStatuses().first.map(until) ?? false }
        let status = harness.manager.targetStatuses().first
        await harness.close()
        return (status, server.lastHeaders.withLock { $0[path] } ?? [:])
    }

    func config(_ server: FakeServer, _ edit: (inout ScrapeConfig) -> Void) -> ScrapeConfig {
        var config = ScrapeConfig(jobName: "j", scrapeInterval: 500, scrapeTimeout: 500)
        config.staticConfigs = [StaticConfig(targets: [server.address])]
        edit(&config)
        return config
    }

    @Test func basicAuthFromPasswordFile() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let dir = try TemporaryDirectory()
        let file = try dir.write("pw", "s3cret\n")
        let (status, headers) = try await run(server, config(server) { c in
            var auth = BasicAuth()
            auth.username = "user"
            auth.passwordFile = file
            c.httpClientConfig.basicAuth = auth
        })
        #expect(status?.health == .up)
        #expect(headers["authorization"] == "Basic " + Data("user:s3cret".utf8).base64EncodedString())
    }

    @Test func missingPasswordFileIsTheTargetsError() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let (status, _) = try await run(server, config(server) { c in
            var auth = BasicAuth()
            auth.username = "user"
            auth.passwordFile = "/nonexistent/pw"
            c.httpClientConfig.basicAuth = auth
        }, until: { $0.lastScrape != nil })
        #expect(status?.health == .down)
        #expect(status?.lastError == "unable to read basic auth password file /nonexistent/pw: no such file or not readable")
    }

    @Test func bearerTokenFileAndAuthorization() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let dir = try TemporaryDirectory()
        let file = try dir.write("token", "abc\n")
        let (_, bearer) = try await run(server, config(server) { $0.httpClientConfig.bearerTokenFile = file })
        #expect(bearer["authorization"] == "Bearer abc")
        let (_, custom) = try await run(server, config(server) {
            $0.httpClientConfig.authorization = Authorization(type: "Token", credentials: "xyz")
        })
        #expect(custom["authorization"] == "Token xyz")
    }

    @Test func paramsProtocolsAndCompression() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let (status, headers) = try await run(server, config(server) { c in
            c.params = ["module": ["http_2xx"]]
            c.scrapeProtocols = [.prometheusText0_0_4]
            c.enableCompression = false
        })
        #expect(status?.target.url == "http://\(server.address)/metrics?module=http_2xx")
        #expect(status?.health == .up)
        #expect(headers["accept"] == "text/plain;version=0.0.4;q=0.6,*/*;q=0.5")
        #expect(headers["accept-encoding"] == "identity")
        #expect(headers["x-prometheus-scrape-timeout-seconds"] == "0.5")
    }

    @Test func redirectsFollowedOrNot() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", FakeServer.Reply(status: .found, location: "/real"))
        server.set("/real", body: "m 1\n")
        let (followed, _) = try await run(server, config(server) { _ in })
        #expect(followed?.health == .up)
        let (stopped, _) = try await run(server, config(server) { $0.httpClientConfig.followRedirects = false },
                                         until: { $0.lastError.contains("302") })
        #expect(stopped?.health == .down)
        #expect(stopped?.lastError == "server returned HTTP status 302 Found")
    }

    @Test func unreadableCAFileIsTheTargetsError() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        let (status, _) = try await run(server, config(server) { c in
            c.scheme = "https"
            c.httpClientConfig.tlsConfig.caFile = "/nonexistent/ca.pem"
        }, until: { $0.lastScrape != nil })
        #expect(status?.health == .down)
        #expect(status?.lastError.isEmpty == false)
    }
}
