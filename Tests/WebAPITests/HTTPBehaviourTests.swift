import CompressNIO
import Hummingbird
import HummingbirdTesting
import MetricModel
import Synchronization
import Testing
@testable import WebAPI

/// Transport and management behaviour: 404/405 bodies, OPTIONS, CORS, gzip, route prefix, body
/// limit, `/-/reload`, `/-/quit`, `/federate`.
@Suite struct HTTPBehaviourTests {
    @Test func unknownPathsAndWrongMethodsAnswerLikeGosRouter() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            for uri in ["/api/v1/nope", "/nope", "/api/v2/query"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                    #expect(bodyText(response) == "404 page not found\n")
                }
            }
            try await client.execute(uri: "/api/v1/label/job/values", method: .put) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, OPTIONS, POST")
                #expect(bodyText(response) == "Method Not Allowed\n")
            }
            try await client.execute(uri: "/metrics", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, OPTIONS")
            }
            // Grafana 13 sends resource calls with the configured method: POST works everywhere.
            for uri in ["/api/v1/label/job/values", "/api/v1/metadata", "/api/v1/status/buildinfo", "/api/v1/rules"] {
                try await client.execute(uri: uri, method: .post, headers: formHeaders, body: ByteBuffer(string: "")) { response in
                    #expect(response.status == .ok, "\(uri)")
                }
            }
            try await client.execute(uri: "/api/v1/query", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, OPTIONS, POST")
            }
            try await client.execute(uri: "/api/v1/query", method: .options) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/anything/at/all", method: .options) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/-/healthy", method: .head) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func corsFollowsTheOriginPattern() async throws {
        let open = try makeTestApp()
        try await open.test(.router) { client in
            try await client.execute(uri: "/api/v1/labels", method: .get, headers: [.origin: "https://grafana.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                #expect(response.headers[.accessControlAllowMethods] == "GET, POST, OPTIONS")
                #expect(response.headers[.accessControlAllowHeaders] == "Accept, Authorization, Content-Type, Origin")
                #expect(response.headers[.accessControlExposeHeaders] == "Date")
                #expect(response.headers[.vary]?.contains("Origin") == true)
            }
            try await client.execute(uri: "/api/v1/labels", method: .get) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
        let strict = try makeTestApp { $0.web.corsOrigin = #"https://good\.example"# }
        try await strict.test(.router) { client in
            try await client.execute(uri: "/api/v1/labels", method: .get, headers: [.origin: "https://good.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "https://good.example")
            }
            try await client.execute(uri: "/api/v1/labels", method: .get, headers: [.origin: "https://good.example.evil"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
                #expect(response.headers[.accessControlAllowMethods] == "GET, POST, OPTIONS")
            }
        }
        #expect(throws: CORSPolicy.InvalidPattern.self) { try CORSPolicy(pattern: "(") }
    }

    @Test func gzipWhenAskedAndIdentityOtherwise() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/label/__name__/values", method: .get, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(response.headers[.vary]?.contains("Accept-Encoding") == true)
                var body = response.body
                let plain = try body.decompress(with: .gzip())
                #expect(String(buffer: plain) == success(#"["http_requests_total","up"]"#))
            }
            try await client.execute(uri: "/api/v1/label/__name__/values", method: .get, headers: [.acceptEncoding: "gzip;q=0, identity"]) { response in
                #expect(response.headers[.contentEncoding] == nil)
                #expect(bodyText(response) == success(#"["http_requests_total","up"]"#))
            }
            try await client.execute(uri: "/api/v1/label/__name__/values", method: .get) { response in
                #expect(response.headers[.contentEncoding] == nil)
            }
        }
        #expect(PrometheusHTTPMiddleware.acceptsGzip(["deflate, gzip;q=0.5"]))
        #expect(!PrometheusHTTPMiddleware.acceptsGzip(["br", "deflate"]))
        #expect(PrometheusHTTPMiddleware.acceptsGzip(["GZIP"]) && PrometheusHTTPMiddleware.acceptsGzip(["br, *"]))
        #expect(!PrometheusHTTPMiddleware.acceptsGzip(["identity"]) && !PrometheusHTTPMiddleware.acceptsGzip(["gzip;q=0"]))
    }

    @Test func routePrefixMovesEveryRoute() async throws {
        let app = try makeTestApp { $0.web.routePrefix = "/prom/" }
        try await app.test(.router) { client in
            try await client.execute(uri: "/prom/api/v1/label/job/values", method: .get) { response in
                #expect(bodyText(response) == success(#"["api","web"]"#))
            }
            try await client.execute(uri: "/prom/-/healthy", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/label/job/values", method: .get) { #expect($0.status == .notFound) }
        }
        #expect(APIRouter.normalizedPrefix("/") == "")
        #expect(APIRouter.normalizedPrefix("a/b/") == "/a/b")
    }

    @Test func oversizedBodiesAreRejected() async throws {
        let app = try makeTestApp { $0.maxRequestBody = 64 }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/labels", method: .post, headers: formHeaders,
                                     body: ByteBuffer(string: "match%5B%5D=" + String(repeating: "x", count: 100))) { response in
                #expect(response.status == .badRequest)
                #expect(bodyText(response) == badData(#""error parsing form values: http: POST too large""#))
            }
        }
    }

    @Test func lifecycleIsForbiddenUnlessEnabled() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            for uri in ["/-/reload", "/-/quit"] {
                for method in [HTTPRequest.Method.post, .put] {
                    try await client.execute(uri: uri, method: method) { response in
                        #expect(response.status == .forbidden)
                        #expect(bodyText(response) == "Lifecycle API is not enabled.")
                    }
                }
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(bodyText(response) == "Only POST or PUT requests allowed")
                }
            }
        }
    }

    @Test func lifecycleReloadsAndQuitsOnce() async throws {
        let reloads = Atomic<Int>(0), quits = Atomic<Int>(0)
        let failNext = Atomic<Bool>(false)
        let app = try makeTestApp { deps in
            deps.lifecycle = LifecycleHooks(enabled: true, reload: {
                reloads.add(1, ordering: .relaxed)
                return failNext.load(ordering: .relaxed) ? "prometheus.yml:3: unknown field \"foo\"" : nil
            }, quit: { quits.add(1, ordering: .relaxed) })
        }
        try await app.test(.router) { client in
            try await client.execute(uri: "/-/reload", method: .post) { response in
                #expect(response.status == .ok)
                #expect(bodyText(response) == "")
            }
            failNext.store(true, ordering: .relaxed)
            try await client.execute(uri: "/-/reload", method: .put) { response in
                #expect(response.status == .internalServerError)
                #expect(bodyText(response) == "failed to reload config: prometheus.yml:3: unknown field \"foo\"\n")
            }
            try await client.execute(uri: "/-/quit", method: .post) { response in
                #expect(bodyText(response) == "Requesting termination... Goodbye!")
            }
            try await client.execute(uri: "/-/quit", method: .put) { response in
                #expect(bodyText(response) == "Termination already in progress.")
            }
        }
        #expect(reloads.load(ordering: .relaxed) == 2)
        for _ in 0..<100 where quits.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(quits.load(ordering: .relaxed) == 1)
    }
}
