import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Collects one scrape's response on the request's event loop: refuses a non-2xx status at the
/// head, gathers the (decompressed) body into one array, and fails the request once the body
/// passes `limit` bytes.
///
/// Contract: AsyncHTTPClient calls a delegate on the task's event loop, one call at a time, which
/// is what makes the unsynchronised state safe; one collector serves one request.
final class ScrapeResponseCollector: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = (body: [UInt8], contentType: String?)

    private let limit: Int
    private var body: [UInt8] = []
    private var contentType: String?

    init(limit: Int) {
        self.limit = limit
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        guard (200..<300).contains(head.status.code) else {
            return task.eventLoop.makeFailedFuture(ScrapeError.badStatus(Int(head.status.code), head.status.reasonPhrase))
        }
        contentType = head.headers.first(name: "Content-Type")
        if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > 0 {
            body.reserveCapacity(min(length, limit))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard body.count + buffer.readableBytes <= limit else {
            return task.eventLoop.makeFailedFuture(ScrapeError.bodyTooLarge(limit: limit))
        }
        body.append(contentsOf: buffer.readableBytesView)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        (body, contentType)
    }
}
