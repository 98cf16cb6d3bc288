import Hummingbird
import MetricModel
import PromQL
import Scrape

/// What the HTTP layer needs from the rest of the server.
public struct APIDependencies: Sendable {
    public var engine: Engine
    public var readiness: Readiness
    /// Renders Ember's own metrics in the text exposition format.
    public var selfMetrics: @Sendable () -> [UInt8]
    /// The current targets' states.
    public var targets: @Sendable () -> [TargetStatus]
    /// Largest accepted request body (form-encoded POSTs).
    public var maxRequestBody = 1 << 22

    public init(engine: Engine, readiness: Readiness, selfMetrics: @escaping @Sendable () -> [UInt8],
                targets: @escaping @Sendable () -> [TargetStatus]) {
        self.engine = engine
        self.readiness = readiness
        self.selfMetrics = selfMetrics
        self.targets = targets
    }
}

/// Prometheus's HTTP API and management endpoints as a Hummingbird router.
public enum APIRouter {
    public static func build(_ deps: APIDependencies) -> Router<BasicRequestContext> {
        let router = Router()
        UIRoutes.register(on: router, routePrefix: "/")
        router.get("/-/healthy") { _, _ in plain(.ok, "Ember is Healthy.\n") }
        router.head("/-/healthy") { _, _ in plain(.ok, "") }
        router.get("/-/ready") { _, _ in
            deps.readiness.isReady ? plain(.ok, "Ember is Ready.\n")
                : plain(.serviceUnavailable, "Service Unavailable")
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: deps.selfMetrics())))
        }
        let query: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let params = try await parameters(request, limit: deps.maxRequestBody)
            return await QueryHandlers.instantQuery(params, engine: deps.engine)
        }
        router.get("/api/v1/query", use: query)
        router.post("/api/v1/query", use: query)
        router.get("/api/v1/targets") { request, _ in
            TargetsHandler.respond(deps.targets(), state: try await parameters(request, limit: deps.maxRequestBody)["state"])
        }
        router.get("/api/v1/status/buildinfo") { _, _ in
            APIResponse.success { json in
                json.raw("{\"version\":"); json.string(EmberVersion.string)
                json.raw(",\"revision\":\"\",\"branch\":\"\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\"}")
            }
        }
        return router
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// URL parameters merged with a form-encoded body.
    static func parameters(_ request: Request, limit: Int) async throws -> APIParameters {
        var body: String?
        if request.method == .post,
           request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            let buffer = try await request.body.collect(upTo: limit)
            body = String(buffer: buffer)
        }
        return APIParameters(query: request.uri.query, body: body)
    }
}
