import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOHTTPTypesHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization
import WebAPI

/// The HTTP listener: swift-nio's HTTP/1.1 server pipeline (over TLS when configured) answering
/// through Hummingbird's router.
///
/// Contract: listens on `host:port` (SO_REUSEADDR, backlog 256) and calls `onServerRunning` with the
/// listening channel once bound; a bind failure is thrown from `run`. Each connection runs NIO's
/// HTTP/1.1 codec with pipelining assistance and protocol-error handling (a request the parser
/// rejects gets `400` and its connection ends), then `HTTPRequestHandler`. Graceful shutdown stops
/// accepting, lets every request in flight finish its response, closes idle connections, and
/// returns when the last connection has closed; cancellation closes the listener at once.
///
/// Why not Hummingbird's server: it serves each connection from a Swift task reading an async
/// channel, which costs a dozen thread hand-offs per short request (accept, each read, each write,
/// the close) and a one-second `Date` timer that keeps an idle process awake; this pipeline hands
/// each request to a task once and its response back once (see
/// `docs/benchmarks/2026-11-30-request-path.md`).
struct HTTPService: Service {
    let responder: any HTTPResponder<APIRequestContext>
    let host: String
    let port: Int
    let tls: TLSConfiguration?
    /// The largest request body a route accepts; bodies are kept up to one byte more.
    let bodyLimit: Int
    let logger: Logger
    let onServerRunning: @Sendable (any Channel) async -> Void
    /// Which requests are answered on their connection's event loop (nil: none).
    var policy: SmallRequestPolicy? = nil

    func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let sslContext = try tls.map { try NIOSSLContext(configuration: $0) }
        let answerer = RequestAnswerer(responder: responder, logger: logger, policy: policy)
        let quiescing = ServerQuiescingHelper(group: group)
        let bodyLimit = self.bodyLimit
        // One loop accepts and serves every connection: a new connection starts on the thread
        // that accepted it instead of being handed to another (a wake-up per request on a busy box).
        let bootstrap = ServerBootstrap(group: group.next())
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext { try pipeline.addHandler(NIOSSLServerHandler(context: sslContext)) }
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    let keepAlive = KeepAliveObserver()
                    try pipeline.addHandler(keepAlive)
                    try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: sslContext != nil))
                    try pipeline.addHandler(HTTPRequestHandler(answerer: answerer, bodyLimit: bodyLimit, keepAlive: keepAlive))
                }
            }
        let listener: any Channel
        do {
            listener = try await bootstrap.bind(host: host, port: port).get()
        } catch let error as IOError {
            throw ListenError(host: host, port: port, errno: error.errnoCode)
        }
        await onServerRunning(listener)
        let drained = listener.eventLoop.makePromise(of: Void.self)
        let draining = FirstCall()
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await listener.closeFuture.get()
                if draining.happened { try await drained.futureResult.get() }
            } onGracefulShutdown: {
                if draining.claim() { quiescing.initiateShutdown(promise: drained) }
            }
        } onCancel: {
            listener.close(promise: nil)
            if draining.claim() { drained.succeed(()) }
        }
    }
}

/// True for the first caller of `claim` only: which of shutdown and cancellation ends the listener.
final class FirstCall: Sendable {
    private let claimed = Mutex(false)
    var happened: Bool { claimed.withLock { $0 } }
    func claim() -> Bool { claimed.withLock { was in defer { was = true }; return !was } }
}

/// The current time as an HTTP `Date` header value (RFC 9110 IMF-fixdate, e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`), formatted once per second and shared by every response in it.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let second = spec.tv_sec
        return cache.withLock { cached in
            if cached.second != second { cached = (second, format(epochSeconds: second)) }
            return cached.text
        }
    }

    /// Formats whole seconds since the Unix epoch in UTC.
    static func format(epochSeconds: Int) -> String {
        var time = time_t(epochSeconds), parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

/// The listener could not be opened; says so as Go's net.Listen does:
/// `listen tcp 127.0.0.1:9090: bind: address already in use`.
public struct ListenError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let errno: CInt

    public var description: String {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return "listen tcp \(address): bind: \(String(cString: strerror(errno)).lowercased())"
    }
}
