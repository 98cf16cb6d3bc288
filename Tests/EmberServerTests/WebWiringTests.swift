import AsyncHTTPClient
import EmberServer
import Foundation
import Logging
import NIOCore
import Testing

/// The API's server-side wiring over real HTTP: lifecycle endpoints, status endpoints fed from
/// the server's own state, the route prefix.
@Suite(.serialized) struct WebWiringTests {
    func start(_ configure: (inout ServerOptions) -> Void, config: String, in directory: TemporaryDirectory)
        async throws -> (EmberServer, Task<Void, any Error>, String) {
        let (server, task, port) = try await startServer(config: config, in: directory, logLevel: .critical,
                                                         adjust: configure)
        return (server, task, "http://127.0.0.1:\(port)")
    }

    func post(_ url: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static let config = "global: {scrape_interval: 1h}\nscrape_configs: []\n"

    @Test func lifecycleReloadsTheFileAndQuitStopsTheServer() async throws {
        let directory = try TemporaryDirectory()
        let (_, task, base) = try await start({ $0.enableLifecycle = true }, config: Self.config, in: directory)
        #expect(try await httpGet(base + "/api/v1/status/config") == (200, #"{"status":"success","data":{"yaml":"global: {scrape_interval: 1h}\nscrape_configs: []\n"}}"#))

        _ = try directory.file("prometheus.yml", "global: {scrape_interval: 2h}\nscrape_configs: []\n")
        #expect(try await post(base + "/-/reload") == (200, ""))
        #expect(try await httpGet(base + "/api/v1/status/config").1.contains("2h"))

        _ = try directory.file("prometheus.yml", "global: {scrape_intervl: 2h}\n")
        let (status, body) = try await post(base + "/-/reload")
        #expect(status == 500)
        #expect(body.hasPrefix("failed to reload config: "))
        #expect(body.contains("scrape_intervl"))
        let runtime = try json(try await httpGet(base + "/api/v1/status/runtimeinfo").1)["data"] as? [String: Any]
        #expect(runtime?["reloadConfigSuccess"] as? Bool == false)
        #expect(runtime?["storageRetention"] as? String == "15d")
        #expect(runtime?["CWD"] as? String == FileManager.default.currentDirectoryPath)

        #expect(try await post(base + "/-/quit") == (200, "Requesting termination... Goodbye!"))
        let stopped = try await eventually(seconds: 30) { (try? await httpGet(base + "/-/healthy")) == nil }
        #expect(stopped)
        try await task.value
    }

    @Test func flagsPrefixAndDisabledLifecycle() async throws {
        let directory = try TemporaryDirectory()
        let (server, task, base) = try await start({ options in
            options.routePrefix = "/ember/"
            options.retentionSize = 512 << 20
        }, config: Self.config, in: directory)
        #expect(try await post(base + "/ember/-/reload") == (403, "Lifecycle API is not enabled."))
        #expect(try await httpGet(base + "/-/healthy").0 == 404)
        let flags = try json(try await httpGet(base + "/ember/api/v1/status/flags").1)["data"] as? [String: String]
        #expect(flags?["web.enable-lifecycle"] == "false")
        #expect(flags?["query.lookback-delta"] == "5m")
        #expect(flags?["storage.tsdb.retention.size"] == "512MiB")
        #expect(flags?["web.route-prefix"] == "/ember/")
        let runtime = try json(try await httpGet(base + "/ember/api/v1/status/runtimeinfo").1)["data"] as? [String: Any]
        #expect(runtime?["storageRetention"] as? String == "512MiB")
        await server.shutdown()
        try await task.value
    }

    @Test func webOptionsResolveLikePrometheus() throws {
        var options = ServerOptions()
        options.listenAddress = "0.0.0.0:9090"
        #expect(try options.resolvedRoutePrefix(hostname: "box") == "/")
        options.externalURL = "https://example.com/prom/"
        #expect(try options.resolvedExternalURL(hostname: "box").path == "/prom")
        #expect(try options.resolvedRoutePrefix(hostname: "box") == "/prom")
        options.routePrefix = "other"
        #expect(try options.resolvedRoutePrefix(hostname: "box") == "/other")
        options.externalURL = "'http://x'"
        #expect(throws: WebURLError.self) { try options.resolvedRoutePrefix(hostname: "box") }
        options.corsOrigin = "("
        #expect(throws: (any Error).self) { try options.validateCORSOrigin() }
    }
}
