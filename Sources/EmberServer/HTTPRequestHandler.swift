import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Scrape
import WebAPI

/// Answers one request through the router: what a connection's handler hands to a task.
///
/// Contract: `answer` returns the router's response with its body gathered into one buffer, a
/// `Content-Length` for it and the `Date` header; a router that throws something other than an HTTP
/// error gives a bare 500, as Hummingbird's `Application` answers.
struct RequestAnswerer: Sendable {
    let responder: any HTTPResponder<APIRequestContext>
    let logger: Logger
    /// Which requests are answered on the connection's event loop; nil: none.
    var policy: SmallRequestPolicy? = nil

    func answer(_ request: Request, channel: any Channel) async -> (head: HTTPResponse, body: ByteBuffer) {
        var response: Response
        do {
            let context = APIRequestContext(source: .init(channel: channel, logger: logger))
            response = try await responder.respond(to: request, context: context)
        } catch {
            logger.debug("unhandled error answering a request", metadata: ["err": "\(error)"])
            response = Response(status: .internalServerError, body: .init())
        }
        let collector = CollectingBodyWriter()
        do {
            try await response.body.write(collector.sink)
        } catch {
            logger.debug("response body failed", metadata: ["err": "\(error)"])
            return (HTTPResponse(status: .internalServerError, headerFields: [.contentLength: "0"]), ByteBuffer())
        }
        var head = response.head
        head.headerFields[.date] = HTTPDate.now()
        let noBody = head.status == .noContent || head.status == .notModified || head.status.kind == .informational
        let body = collector.buffer.value
        head.headerFields[.contentLength] = noBody ? nil : String(body.readableBytes)
        head.headerFields[.transferEncoding] = nil
        return (head, body)
    }
}

/// The last handler of a connection's pipeline: gathers each request, answers it in a task of its
/// own and writes the response from the connection's event loop.
///
/// Contract: one request at a time (NIO's pipelining handler before it holds the next request until
/// a response has ended); a request body is kept up to `bodyLimit + 1` bytes and the rest dropped,
/// so a route that collects at most `bodyLimit` bytes still sees that it was too large; a request
/// with `Expect: 100-continue` gets `100 Continue` as soon as its head is read; the connection
/// closes after the response to a request that does not keep it alive (HTTP/1.1 with
/// `Connection: close`, HTTP/1.0 without `Connection: keep-alive`) and when the client has closed
/// its side. A client that closes its side or the connection while its request is
/// being answered cancels the answering task, as Go's server cancels a request's context.
/// Per request this costs two thread hand-offs, into the task and back to the event loop, except
/// for the small requests `SmallRequestPolicy` lets the task run on the connection's loop.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private let answerer: RequestAnswerer
    private let bodyLimit: Int
    private let keepAlive: KeepAliveObserver
    private var head: HTTPRequest?
    private var body = ByteBuffer()
    private var running: Task<Void, Never>?
    /// The connection's event loop as a task executor, made for the first small request.
    private var loopExecutor: EventLoopExecutor?
    private var inputClosed = false

    init(answerer: RequestAnswerer, bodyLimit: Int, keepAlive: KeepAliveObserver) {
        self.answerer = answerer
        self.bodyLimit = bodyLimit
        self.keepAlive = keepAlive
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = ByteBuffer()
            // A client asking to be told before it sends its body (curl does for bodies over 1 MB)
            // is told at once, as Go's server does when the handler reads the body.
            if requestHead.headerFields[.expect]?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        case .body(var part):
            let room = bodyLimit + 1 - body.readableBytes
            if room > 0, let kept = part.readSlice(length: min(room, part.readableBytes)) {
                if body.readableBytes == 0 { body = kept } else { body.writeImmutableBuffer(kept) }
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            start(requestHead, body: body, context: context)
            body = ByteBuffer()
        }
    }

    private func start(_ requestHead: HTTPRequest, body: ByteBuffer, context: ChannelHandlerContext) {
        let request = Request(head: requestHead, body: RequestBody(buffer: body))
        let closeAfter = !keepAlive.current
        let isHead = requestHead.method == .head
        let channel = context.channel, answerer = self.answerer
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let answer: @Sendable () async -> Void = {
            let (head, body) = await answerer.answer(request, channel: channel)
            loop.execute {
                let (handler, context) = bound.value
                handler.write(head: head, body: isHead ? nil : body, closeAfter: closeAfter, context: context)
            }
        }
        if answerer.policy?.answersOnLoop(requestHead, body: body) == true {
            if loopExecutor == nil { loopExecutor = EventLoopExecutor(loop) }
            running = Task(executorPreference: loopExecutor, operation: answer)
        } else {
            running = Task(operation: answer)
        }
    }

    private func write(head: HTTPResponse, body: ByteBuffer?, closeAfter: Bool, context: ChannelHandlerContext) {
        running = nil
        let close = closeAfter || inputClosed
        var head = head
        if close { head.headerFields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if close {
            let channel = context.channel
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            if let running { running.cancel() } else { context.close(promise: nil) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        running?.cancel()
        running = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        running?.cancel()
        context.close(promise: nil)
    }

}

/// Notes whether the request being delivered keeps its connection open, from NIO's request head,
/// which still has the HTTP version that the HTTPTypes conversion after it drops: HTTP/1.1 unless
/// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`. Sits after NIO's pipelining
/// handler, which delivers one request at a time, so `current` belongs to the request in flight.
final class KeepAliveObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    private(set) var current = true

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { current = head.isKeepAlive }
        context.fireChannelRead(data)
    }
}
