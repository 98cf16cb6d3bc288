import AsyncHTTPClient
import Config
import Foundation
import MetricModel
import Testing
@testable import Scrape

/// `proxy_url`, `no_proxy`, `proxy_from_environment`, `proxy_connect_header` and `enable_http2`.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ProxyTests {
    /// Scrapes with `config` until `until` holds (or 15 s pass: on a loaded machine a scrape may
    /// time out before the one that shows what the test wants).
    func run(_ config: ScrapeConfig, until: @escaping (TargetStatus) -> Bool = { $0.health == .up }) async throws -> TargetStatus? {
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
        _ = try await eventually(seconds: 15) { harness.manager.targetStatuses().first.map(until) ?? false }
        let status = harness.manager.targetStatuses().first
        await harness.close()
        return status
    }

    func config(_ server: FakeServer, _ edit: (inout HTTPClientConfig) -> Void) -> ScrapeConfig {
        var config = ScrapeConfig(jobName: "j", scrapeInterval: 500, scrapeTimeout: 500)
        config.staticConfigs = [StaticConfig(targets: [server.address])]
        edit(&config.httpClientConfig)
        return config
    }

    @Test func proxyURLTunnelsTheScrapeWithCredentialsAndConnectHeaders() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        let status = try await run(config(server) { c in
            c.proxyURL = "http://user:pa%20ss@127.0.0.1:\(proxy.port)"
            c.proxyConnectHeader = ["X-Via": ["ember"]]
        })
        #expect(status?.health == .up, "\(status?.lastError ?? "no status")")
        let connect = proxy.connects.withLock { $0.first }
        #expect(connect?.target == server.address)
        #expect(connect?.headers["proxy-authorization"] == "Basic " + Data("user:pa ss".utf8).base64EncodedString())
        #expect(connect?.headers["x-via"] == "ember")
        #expect(server.hits.withLock { $0["/metrics"] ?? 0 } >= 1)
    }

    @Test func noProxyLetsLoopbackAndListedHostsGoDirect() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        // With no_proxy set, Go's rules apply: loopback addresses never use the proxy.
        let status = try await run(config(server) { c in
            c.proxyURL = "http://127.0.0.1:\(proxy.port)"
            c.noProxy = "example.com"
        })
        #expect(status?.health == .up)
        #expect(proxy.targets.isEmpty)
    }

    @Test func aProxyThatRefusesIsTheTargetsError() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        let status = try await run(config(server) { $0.proxyURL = "ftp://127.0.0.1:1" }, until: { $0.lastScrape != nil })
        #expect(status?.health == .down)
        #expect(status?.lastError == "proxy scheme ftp is not supported (use http or socks5)")
    }

    @Test func httpDiscoveryGoesThroughTheProxyToo() async throws {
        let server = try await FakeServer.start()
        defer { server.stop() }
        server.set("/metrics", body: "m 1\n")
        server.set("/sd", FakeServer.Reply(contentType: "application/json",
                                           body: Array("[{\"targets\": [\"\(server.address)\"]}]".utf8)))
        let proxy = try ConnectProxy()
        defer { proxy.stop() }
        var config = ScrapeConfig(jobName: "j", scrapeInterval: 500, scrapeTimeout: 500)
        var sd = HTTPSDConfig(url: "http://\(server.address)/sd", refreshInterval: 200)
        sd.httpClientConfig.proxyURL = "http://127.0.0.1:\(proxy.port)"
        config.httpSDConfigs = [sd]
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
        let found = try await eventually(seconds: 15) { harness.manager.targetStatuses().count == 1 }
        await harness.close()
        #expect(found)
        #expect(proxy.targets.contains(server.address))
        #expect(server.hits.withLock { $0["/sd"] ?? 0 } >= 1)
    }

    @Test func httpDiscoveryWithAnUnusableProxyReportsIt() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let clients = HTTPClients(client: client, filePollInterval: .seconds(1), dnsResolver: SystemDNSResolver())
        var sd = HTTPSDConfig(url: "http://127.0.0.1:1/sd")
        sd.httpClientConfig.proxyURL = "ftp://127.0.0.1:1"
        let discovery = HTTPDiscovery.make(config: sd, clients: clients)
        await #expect(throws: DiscoveryError("proxy scheme ftp is not supported (use http or socks5)")) { try await discovery.fetch() }
        await clients.shutdown()
        try await client.shutdown()
    }

    @Test func routesFollowGosRules() throws {
        var http = HTTPClientConfig()
        http.proxyURL = "http://proxy.internal:3128"
        let always = ProxySettings(http)
        #expect(try always.route(for: "http://127.0.0.1:9100/metrics")?.host == "proxy.internal")
        #expect(try always.route(for: "https://db:9100/metrics")?.port == 3128)

        http.noProxy = "10.0.0.0/8, .svc.local,example.com:8080,[::1],*.wild.org"
        let filtered = ProxySettings(http)
        for direct in ["http://10.1.2.3:9100/", "http://a.svc.local/", "http://example.com:8080/", "http://localhost/",
                       "http://127.0.0.5/", "http://[::1]:9/", "http://x.wild.org/",
                       "http://sub.example.com:8080/x"] {
            #expect(try filtered.route(for: direct) == nil, "\(direct)")
        }
        for proxied in ["http://11.0.0.1/", "http://svc.local/", "http://example.com:9090/", "http://wild.org/"] {
            #expect(try filtered.route(for: proxied) != nil, "\(proxied)")
        }

        var fromEnv = HTTPClientConfig()
        fromEnv.proxyFromEnvironment = true
        let environment = ProxySettings(fromEnv, environment: ["https_proxy": "socks5://s:1081", "HTTP_PROXY": "h:8080", "NO_PROXY": "*.skip.me"])
        #expect(try environment.route(for: "http://a/") == .init(host: "h", port: 8080, socks: false, username: nil, password: nil, connectHeaders: [:]))
        #expect(try environment.route(for: "https://a/")?.socks == true)
        #expect(try environment.route(for: "http://b.skip.me/") == nil)
        #expect(try ProxySettings(HTTPClientConfig()).route(for: "http://a/") == nil)
    }

    @Test func enableHTTP2FalseGetsAnHTTP1OnlyClient() throws {
        var http = HTTPClientConfig()
        http.enableHTTP2 = false
        let settings = try HTTPScrapeSettings(http)
        #expect(settings.http1Only)
        let key = HTTPClients.Key(followRedirects: true, proxy: nil, http1Only: true)
        #expect(HTTPClients.configuration(key, dnsOverride: [:]).httpVersion == .http1Only)
        #expect(HTTPClients.configuration(.init(followRedirects: true, proxy: nil, http1Only: false), dnsOverride: [:]).httpVersion == .automatic)
        #expect(try !HTTPScrapeSettings(HTTPClientConfig()).http1Only)
    }
}
