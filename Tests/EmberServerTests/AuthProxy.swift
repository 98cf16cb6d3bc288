import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A reverse proxy on a free loopback port that mounts an upstream server under `/ember/` and
/// demands HTTP basic auth (`user`/`secret`), as a person might put Ember behind nginx. It
/// records every path it forwarded, so a test can see which requests carried the credentials.
final class AuthProxy: Sendable {
    static let prefix = "/ember"
    let port: Int
    private let log: ForwardLog
    private let task: Task<Void, any Error>

    private init(port: Int, log: ForwardLog, task: Task<Void, any Error>) {
        self.port = port
        self.log = log
        self.task = task
    }

    /// The upstream paths forwarded so far (only requests with the right credentials get here).
    var forwardedPaths: [String] { log.paths.withLock { $0 } }

    /// Proxies `/ember/<path>` to `<upstream>/<path>`; 401 without the credentials, 404 outside the prefix.
    static func start(upstream: String) async throws -> AuthProxy {
        let log = ForwardLog()
        let router = Router()
        router.add(middleware: Forwarder(upstream: upstream, log: log))
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress!.port!) })
        let task = Task { try await app.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("proxy did not start") }
        return AuthProxy(port: port, log: log, task: task)
    }

    func stop() { task.cancel() }

    final class ForwardLog: Sendable {
        let paths = Mutex<[String]>([])
    }

    struct Forwarder<Context: RequestContext>: RouterMiddleware {
        let upstream: String
        let log: ForwardLog
        let expected = "Basic " + Data("user:secret".utf8).base64EncodedString()

        func handle(_ request: Request, context: Context,
                    next: (Request, Context) async throws -> Response) async throws -> Response {
            guard request.headers[.authorization] == expected else {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Basic realm="ember""#])
            }
            let path = request.uri.path
            guard path.hasPrefix(AuthProxy.prefix + "/") else { return Response(status: .notFound) }
            let rest = String(path.dropFirst(AuthProxy.prefix.count))
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
