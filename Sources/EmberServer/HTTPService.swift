import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
import WebAPI

/// The HTTP listener: Hummingbird's server answering through the API router.
///
/// Contract: behaves as Hummingbird's `Application.run()` — the router's response, or a bare 500
/// when the router throws something that is not an HTTP error; a request the parser rejects ends
/// its connection — with one difference: the `Date` header is formatted by the first response in
/// each second (`HTTPDate`) instead of by a service that wakes the process every second to do it,
/// so an idle server does not spend CPU. `onServerRunning` receives the listening channel.
struct HTTPService: Service {
    let responder: any HTTPResponder<APIRequestContext>
    let serverBuilder: HTTPServerBuilder
    let configuration: ServerConfiguration
    let logger: Logger
    let onServerRunning: @Sendable (any Channel) async -> Void

    func run() async throws {
        let responder = self.responder, logger = self.logger
        let server = try serverBuilder.buildServer(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger
        ) { (request, responseWriter: consuming ResponseWriter, channel) in
            var response: Response
            do {
                let context = APIRequestContext(source: .init(channel: channel, logger: logger))
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                logger.debug("unhandled error answering a request", metadata: ["err": "\(error)"])
                response = Response(status: .internalServerError, body: .init())
            }
            response.headers[.date] = HTTPDate.now()
            do {
                try await responseWriter.write(response: response.head, body: response.body)
            } catch is HTTPParserError {
                // A parse error thrown from here would make the server write a second response.
                throw ResponseWriteFailed()
            }
        } onServerRunning: { channel in
            await onServerRunning(channel)
        }
        try await server.run()
    }

    /// Ends a connection whose request turned out malformed while its response was being written.
    struct ResponseWriteFailed: Error {}
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
