import CompressNIO
import Foundation
import Hummingbird
import Synchronization

/// Prometheus's HTTP behaviour around every route: the `404 page not found` body of Go's router,
/// CORS headers on the API, and gzip when the client asks for it.
///
/// Contract: an unknown path answers 404 `text/plain` "404 page not found\n"; responses under
/// the API prefix carry `Vary: Origin` and, for a request with an `Origin` header, the CORS
/// headers Prometheus sets (`Access-Control-Allow-Origin: *` when the pattern is `.*`, else the
/// origin itself when it matches); a non-empty body is gzipped, with `Content-Encoding: gzip`
/// and `Vary: Accept-Encoding`, when `Accept-Encoding` lists `gzip` (q > 0).
struct PrometheusHTTPMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let apiPrefix: String
    let cors: CORSPolicy
    let compression: Bool

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            response = APIRouter.plain(.notFound, "404 page not found\n")
            response.headers[.xContentTypeOptions] = "nosniff"
        }
        if request.uri.path.hasPrefix(apiPrefix) { cors.apply(to: &response, origin: request.headers[.origin]) }
        if compression, Self.acceptsGzip(request.headers[values: .acceptEncoding]) {
            response = try await Self.gzip(response)
        }
        return response
    }

    /// Whether any `Accept-Encoding` entry is `gzip` (or `*`) without `q=0`.
    static func acceptsGzip(_ values: [String]) -> Bool {
        // Most clients send one short value without either coding: answer those without splitting.
        for value in values where value.lowercased().contains("gzip") || value.contains("*") {
            for entry in value.split(separator: ",") {
                let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let coding = parts.first?.lowercased(), coding == "gzip" || coding == "*" else { continue }
                let zeroQ = parts.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "").hasPrefix("q=0")
                    && Double($0.split(separator: "=").last ?? "1") == 0 }
                if !zeroQ { return true }
            }
        }
        return false
    }

    static func gzip(_ response: Response) async throws -> Response {
        var response = response
        if response.status == .noContent || response.status == .notModified { return response }
        let collector = CollectingBodyWriter()
        try await response.body.write(collector.sink)
        var plain = collector.buffer.value
        guard plain.readableBytes > 0, response.headers[.contentEncoding] == nil else {
            response.body = ResponseBody(byteBuffer: plain)
            return response
        }
        let compressed = try plain.compress(with: .gzip())
        response.headers[.contentEncoding] = "gzip"
        addVary(&response, "Accept-Encoding")
        response.headers[.contentLength] = nil
        response.body = ResponseBody(byteBuffer: compressed)
        return response
    }
}

/// Collects a response body's buffers into one (the first buffer is kept as it is, not copied).
///
/// Contract: `sink` may be handed to `ResponseBody.write`; `buffer.value` is everything written so far.
public struct CollectingBodyWriter: Sendable {
    public final class Box: Sendable {
        private let stored = Mutex(ByteBuffer())
        func append(_ buffer: ByteBuffer) {
            stored.withLock { if $0.readableBytes == 0 { $0 = buffer } else { $0.writeImmutableBuffer(buffer) } }
        }
        public var value: ByteBuffer { stored.withLock { $0 } }
    }

    public struct Sink: ResponseBodyWriter {
        let box: Box
        public mutating func write(_ buffer: ByteBuffer) async throws { box.append(buffer) }
        public consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    public let buffer = Box()
    public var sink: Sink { Sink(box: buffer) }

    public init() {}
}

/// `--web.cors.origin`: which origins may call the API from a browser.
///
/// Contract: the pattern is anchored (`^(?:pattern)$`) as Prometheus compiles it; an invalid
/// pattern fails at construction with Prometheus's message.
public final class CORSPolicy: @unchecked Sendable {
    public struct InvalidPattern: Error, CustomStringConvertible {
        public let pattern: String
        public let reason: String
        public var description: String { "could not compile CORS regex string \(goQuoted(pattern)): \(reason)" }
    }

    public let pattern: String
    // NSRegularExpression is immutable and safe to match from several threads.
    private let regex: NSRegularExpression

    public init(pattern: String) throws(InvalidPattern) {
        self.pattern = pattern
        do {
            regex = try NSRegularExpression(pattern: "^(?:" + pattern + ")$")
        } catch {
            throw InvalidPattern(pattern: pattern, reason: "\(error.localizedDescription)")
        }
    }

    func apply(to response: inout Response, origin: String?) {
        addVary(&response, "Origin")
        guard let origin, !origin.isEmpty else { return }
        response.headers[.accessControlAllowHeaders] = "Accept, Authorization, Content-Type, Origin"
        response.headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
        response.headers[.accessControlExposeHeaders] = "Date"
        if pattern == ".*" {
            response.headers[.accessControlAllowOrigin] = "*"
            return
        }
        let range = NSRange(origin.startIndex..., in: origin)
        if regex.firstMatch(in: origin, range: range) != nil {
            response.headers[.accessControlAllowOrigin] = origin
        }
    }
}

/// Adds `value` to the response's `Vary` header.
func addVary(_ response: inout Response, _ value: String) {
    if let existing = response.headers[.vary], !existing.isEmpty {
        response.headers[.vary] = existing + ", " + value
    } else {
        response.headers[.vary] = value
    }
}
