import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import WebAPI

/// A reverse proxy on a free loopback port in front of an upstream HTTP server, for the page tests.
///
/// Two set-ups: `behindAuth` mounts the whole upstream under `/ember/` and demands basic auth
/// (`user`/`secret`), as nginx in front of Ember might; `pagesOver` serves Ember's own pages
/// itself and forwards only `/api/` to the upstream (e.g. a real Prometheus), to check the pages
/// against another server's JSON. It records every path it forwarded.
final class TestProxy: Sendable {
    static let prefix = "/ember"
    static let authorization = "Basic " + Data("user:secret".utf8).base64EncodedString()

    let port: Int
    private let log: ForwardLog
    private let task: Task<Void, any Error>

    private init(port: Int, log: ForwardLog, task: Task<Void, any Error>) {
        self.port = port
        self.log = log
        self.task = task
    }

    /// The upstream paths forwarded so far.
    var forwardedPaths: [String] { log.paths.withLock { $0 } }

    /// `/ember/<path>` → `<upstream>/<path>`; 401 without the credentials, 404 outside the prefix.
    static func behindAuth(upstream: String) async throws -> TestProxy {
        try await start(Forwarder(upstream: upstream, mount: prefix, authorization: authorization, log: ForwardLog()),
                        pages: false)
    }

    /// Ember's pages at `/`, `/api/...` forwarded to `upstream`.
    static func pagesOver(upstream: String) async throws -> TestProxy {
        try await start(Forwarder(upstream: upstream, mount: "", authorization: nil, log: ForwardLog()), pages: true)
    }

    private static func start(_ forwarder: Forwarder<BasicRequestContext>, pages: Bool) async throws -> TestProxy {
        let router = Router()
        router.add(middleware: forwarder)
        if pages { UIRoutes.register(on: router) }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress!.port!) })
        let task = Task { try await app.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("proxy did not start") }
        return TestProxy(port: port, log: forwarder.log, task: task)
    }

    func stop() { task.cancel() }

    final class ForwardLog: Sendable {
        let paths = Mutex<[String]>([])
    }

    struct Forwarder<Context: RequestContext>: RouterMiddleware {
        let upstream: String
        /// Requests outside `mount + "/"` are 404 when mounted; with no mount only `/api/` is forwarded.
        let mount: String
        let authorization: String?
        let log: ForwardLog

        func handle(_ request: Request, context: Context,
                    next: (Request, Context) async throws -> Response) async throws -> Response {
            if let authorization, request.headers[.authorization] != authorization {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Basic realm="ember""#])
            }
            let path = request.uri.path
            if mount.isEmpty {
                guard path.hasPrefix("/api/") else { return try await next(request, context) }
            } else {
                guard path.hasPrefix(mount + "/") else { return Response(status: .notFound) }
            }
            let rest = String(path.dropFirst(mount.count))
            log.paths.withLock { $0.append(rest) }
            let query = request.uri.query.map { "?" + $0 } ?? ""
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: upstream + rest + query),
                                                               timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 24)
            var headers = HTTPFields()
            if let type = response.headers.first(name: "Content-Type") { headers[.contentType] = type }
            return Response(status: .init(code: Int(response.status.code)), headers: headers,
                            body: ResponseBody(byteBuffer: body))
        }
    }
}
