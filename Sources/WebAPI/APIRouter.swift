import Hummingbird
import MetricModel
import PromQL
import Scrape
import Synchronization

/// Prometheus's HTTP API and management endpoints as a Hummingbird router.
///
/// Contract: every route is served under `web.routePrefix`. Every `/api/v1` read endpoint takes
/// GET and POST (Prometheus takes POST only on some, but Grafana 13's plugin sends resource calls
/// with the configured method, and a 405 there breaks it); a known path asked with a method it
/// does not take answers 405 `Method Not Allowed` with an `Allow` header, as Go's router does;
/// `OPTIONS` on any API path answers 204; unknown paths 404 (see `PrometheusHTTPMiddleware`).
/// The handlers' JSON, parameters and messages follow Prometheus 3.x.
public enum APIRouter {
    public static func build(_ deps: APIDependencies) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let prefix = normalizedPrefix(deps.web.routePrefix)
        let cors = (try? CORSPolicy(pattern: deps.web.corsOrigin)) ?? (try! CORSPolicy(pattern: ".*"))
        let openPaths: Set = [prefix + "/-/healthy", prefix + "/-/ready"]
        if !deps.web.access.isEmpty { router.add(middleware: WebAccessMiddleware(deps.web.access, openPaths: openPaths)) }
        router.add(middleware: PrometheusHTTPMiddleware(apiPrefix: prefix + "/api/v1/", cors: cors,
                                                        compression: deps.web.compression))
        let routes = RouteTable(router: router, prefix: prefix)
        let limit = deps.maxRequestBody
        let queryable = deps.engine.queryable

        UIRoutes.register(on: router, routePrefix: prefix.isEmpty ? "/" : prefix)
        routes.add("/-/healthy", [.get, .head]) { request, _ in
            plain(.ok, request.method == .head ? "" : "Ember is Healthy.\n")
        }
        routes.add("/-/ready", [.get, .head]) { request, _ in
            guard deps.readiness.isReady else { return plain(.serviceUnavailable, "Service Unavailable") }
            return plain(.ok, request.method == .head ? "" : "Ember is Ready.\n")
        }
        routes.add("/metrics", [.get]) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: deps.selfMetrics())))
        }
        routes.add("/federate", [.get]) { request, _ in
            let params: APIParameters
            do { params = try await parameters(request, limit: limit) } catch {
                return plain(.badRequest, "error parsing form values: http: POST too large\n")
            }
            return FederationHandler.respond(params, queryable: queryable, lookbackDelta: deps.engine.options.lookbackDelta,
                                             externalLabels: deps.externalLabels())
        }
        LifecycleRoutes.add(to: routes, hooks: deps.lifecycle)
        RemoteWriteRoute.add(to: routes, receiver: deps.remoteWriteReceiver, readiness: deps.readiness)

        // A query stops when its client goes away: the server cancels the task answering a request
        // whose connection closes (EmberServer's HTTPRequestHandler).
        routes.api("/query", [.get, .post], limit: limit) { params, _ in
            await QueryHandlers.instantQuery(params, engine: deps.engine)
        }
        routes.api("/query_range", [.get, .post], limit: limit) { params, _ in
            await QueryHandlers.rangeQuery(params, engine: deps.engine)
        }
        routes.api("/query_exemplars", [.get, .post], limit: limit) { params, _ in QueryToolHandlers.exemplars(params) }
        routes.api("/format_query", [.get, .post], limit: limit) { params, _ in QueryToolHandlers.formatQuery(params) }
        routes.api("/parse_query", [.get, .post], limit: limit) { params, _ in QueryToolHandlers.parseQuery(params) }
        routes.api("/labels", [.get, .post], limit: limit) { params, _ in
            LabelHandlers.labelNames(params, queryable: queryable)
        }
        routes.api("/label/:name/values", [.get, .post], limit: limit) { params, context in
            LabelHandlers.labelValues(rawName: Substring(context.parameters.get("name") ?? ""), params, queryable: queryable)
        }
        routes.api("/series", [.get, .post], limit: limit) { params, _ in LabelHandlers.series(params, queryable: queryable) }
        routes.api("/targets", [.get, .post], limit: limit) { params, _ in TargetsHandler.respond(deps.targets(), state: params["state"], scrapePool: params["scrapePool"]) }
        routes.api("/targets/metadata", [.get, .post], limit: limit) { params, _ in
            MetadataHandlers.targetMetadata(params, store: deps.metadata)
        }
        routes.api("/metadata", [.get, .post], limit: limit) { params, _ in MetadataHandlers.metadata(params, store: deps.metadata) }
        routes.api("/alertmanagers", [.get, .post], limit: limit) { _, _ in StatusHandlers.alertmanagers() }
        routes.api("/rules", [.get, .post], limit: limit) { params, _ in StatusHandlers.rules(params) }
        routes.api("/alerts", [.get, .post], limit: limit) { _, _ in StatusHandlers.alerts() }
        routes.api("/status/buildinfo", [.get, .post], limit: limit) { _, _ in StatusHandlers.buildInfo(deps.buildInfo) }
        routes.api("/status/config", [.get, .post], limit: limit) { _, _ in StatusHandlers.config(deps.configYAML()) }
        routes.api("/status/flags", [.get, .post], limit: limit) { _, _ in StatusHandlers.flags(deps.flags) }
        routes.api("/status/runtimeinfo", [.get, .post], limit: limit) { _, _ in StatusHandlers.runtimeInfo(deps.runtimeInfo()) }
        routes.api("/status/tsdb", [.get, .post], limit: limit) { params, _ in
            TSDBStatusHandlers.tsdb(params, status: deps.tsdbStatus)
        }
        routes.api("/status/walreplay", [.get, .post], limit: limit) { _, _ in
            TSDBStatusHandlers.walReplay(deps.walReplayStatus())
        }
        routes.api("/admin/tsdb/delete_series", [.post, .put], limit: limit) { params, _ in
            AdminHandlers.deleteSeries(params, hooks: deps.admin)
        }
        routes.api("/admin/tsdb/clean_tombstones", [.post, .put], limit: limit) { _, _ in
            AdminHandlers.cleanTombstones(hooks: deps.admin)
        }
        // Prometheus answers OPTIONS on every API path, known or not.
        router.on(RouterPath(prefix + "/api/v1/**"), method: .options) { _, _ in Response(status: .noContent) }
        return router
    }

    /// "" for "/", else the prefix with one leading and no trailing slash ("/prom").
    static func normalizedPrefix(_ prefix: String) -> String {
        var trimmed = Substring(prefix)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        return trimmed.isEmpty ? "" : "/" + trimmed
    }

    /// The most body bytes any route reads (remote write's compressed limit or the form limit).
    public static func largestRequestBody(_ deps: APIDependencies) -> Int {
        max(RemoteWriteRoute.maxCompressedBytes, deps.maxRequestBody)
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// URL parameters merged with a form-encoded body. Throws `APIError` when the body is over
    /// `limit` bytes.
    static func parameters(_ request: Request, limit: Int) async throws(APIError) -> APIParameters {
        var body: String?
        if request.method == .post || request.method == .put || request.method == .patch,
           request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            do {
                let buffer = try await request.body.collect(upTo: limit)
                body = String(buffer: buffer)
            } catch {
                throw .badData("error parsing form values: http: POST too large")
            }
        }
        return APIParameters(query: request.uri.query, body: body)
    }
}

/// Registers routes with Go-router method semantics: the listed methods call the handler, the
/// other common methods answer 405 with `Allow`.
struct RouteTable {
    typealias Handler = @Sendable (Request, APIRequestContext) async throws -> Response
    let router: Router<APIRequestContext>
    let prefix: String

    static let commonMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch]

    func add(_ path: String, _ methods: [HTTPRequest.Method], notAllowed: [HTTPRequest.Method: Handler] = [:],
             _ handler: @escaping Handler) {
        let full = RouterPath(prefix + path)
        for method in methods { router.on(full, method: method, use: handler) }
        let allow = (methods.map(\.rawValue) + ["OPTIONS"]).sorted().joined(separator: ", ")
        for method in Self.commonMethods where !methods.contains(method) {
            router.on(full, method: method, use: notAllowed[method] ?? { _, _ in
                var response = APIRouter.plain(.methodNotAllowed, "Method Not Allowed\n")
                response.headers[.allow] = allow
                response.headers[.xContentTypeOptions] = "nosniff"
                return response
            })
        }
    }

    /// An `/api/v1` route: parameters decoded (URL and form body), body-size errors answered as
    /// API errors, and `OPTIONS` answered 204.
    func api(_ path: String, _ methods: [HTTPRequest.Method], limit: Int,
             _ handler: @escaping @Sendable (APIParameters, APIRequestContext) async -> Response) {
        add("/api/v1" + path, methods) { request, context in
            do throws(APIError) {
                return await handler(try await APIRouter.parameters(request, limit: limit), context)
            } catch {
                return APIResponse.error(error)
            }
        }
        router.on(RouterPath(prefix + "/api/v1" + path), method: .options) { _, _ in Response(status: .noContent) }
    }
}

/// `/-/reload` and `/-/quit` as Prometheus serves them.
enum LifecycleRoutes {
    static func add(to routes: RouteTable, hooks: LifecycleHooks) {
        let onlyPostOrPut: RouteTable.Handler = { _, _ in
            APIRouter.plain(.methodNotAllowed, "Only POST or PUT requests allowed")
        }
        let quitOnce = QuitOnce()
        let reload: RouteTable.Handler = { _, _ in
            guard hooks.enabled else { return APIRouter.plain(.forbidden, "Lifecycle API is not enabled.") }
            if let error = await hooks.reload() {
                var response = APIRouter.plain(.internalServerError, "failed to reload config: \(error)\n")
                response.headers[.xContentTypeOptions] = "nosniff"
                return response
            }
            return Response(status: .ok)
        }
        let quit: RouteTable.Handler = { _, _ in
            guard hooks.enabled else { return APIRouter.plain(.forbidden, "Lifecycle API is not enabled.") }
            guard quitOnce.claim() else { return APIRouter.plain(.ok, "Termination already in progress.") }
            Task { await hooks.quit() }
            return APIRouter.plain(.ok, "Requesting termination... Goodbye!")
        }
        for (path, handler) in [("/-/reload", reload), ("/-/quit", quit)] {
            routes.add(path, [.post, .put], notAllowed: [.get: onlyPostOrPut], handler)
        }
    }
}

/// True for exactly one caller.
final class QuitOnce: Sendable {
    private let claimed = Atomic<Bool>(false)
    func claim() -> Bool { !claimed.exchange(true, ordering: .acquiringAndReleasing) }
}
