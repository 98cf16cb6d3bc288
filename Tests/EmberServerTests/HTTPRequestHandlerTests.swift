@testable import EmberServer
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing
import WebAPI

@Suite(.timeLimit(.minutes(2))) struct HTTPRequestHandlerTests {
    final class Probe: Sendable {
        let started = Atomic<Int>(0)
        let cancelled = Atomic<Int>(0)
    }

    /// A router with a body-size route (collects at most 16 bytes), a slow route and a HEAD route.
    func router(_ probe: Probe) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.post("/size") { request, _ -> Response in
            do {
                let body = try await request.body.collect(upTo: 16)
                return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "\(body.readableBytes) bytes")))
            } catch {
                return Response(status: .contentTooLarge, body: ResponseBody(byteBuffer: ByteBuffer(string: "too large")))
            }
        }
        router.get("/slow") { request, _ -> String in
            probe.started.add(1, ordering: .relaxed)
            let seconds = Int(request.uri.queryParameters.get("s") ?? "60") ?? 60
            do { try await Task.sleep(for: .seconds(seconds)) } catch {
                probe.cancelled.add(1, ordering: .relaxed)
                throw error
            }
            return "done"
        }
        router.on("/hello", method: .head) { _, _ in "hello" }
        router.get("/hello") { _, _ in "hello" }
        return router
    }

    /// Runs an `HTTPService` on a free loopback port in a service group; returns the group, its task
    /// and the port.
    func start(_ probe: Probe) async throws -> (ServiceGroup, Task<Void, any Error>, Int) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let service = HTTPService(responder: router(probe).buildResponder(), host: "127.0.0.1", port: 0, tls: nil,
                                  bodyLimit: 16, logger: Logger(label: "test"),
                                  onServerRunning: { continuation.yield($0.localAddress!.port!) })
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: Logger(label: "test")))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("server did not start") }
        return (group, task, port)
    }

    @Test func aPortInUseIsReportedAsGoWouldSayIt() async throws {
        let probe = Probe()
        let (group, task, port) = try await start(probe)
        let second = HTTPService(responder: router(probe).buildResponder(), host: "127.0.0.1", port: port, tls: nil,
                                 bodyLimit: 16, logger: Logger(label: "test"), onServerRunning: { _ in })
        await #expect(throws: ListenError.self) { try await second.run() }
        do {
            try await second.run()
        } catch {
            #expect("\(error)" == "listen tcp 127.0.0.1:\(port): bind: address already in use")
        }
        #expect(ListenError(host: "::1", port: 9090, errno: 13).description == "listen tcp [::1]:9090: bind: permission denied")
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func bodiesUpToTheLimitReachTheRouteAndLargerOnesAreSeenAsTooLarge() async throws {
        let probe = Probe()
        let (group, task, port) = try await start(probe)
        let small = try RawConnection(port: port)
        try small.send("POST /size HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789")
        let (smallAnswer, smallClosed) = try await small.readToEnd()
        #expect(smallAnswer.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(smallAnswer)")
        #expect(smallAnswer.hasSuffix("\r\n\r\n10 bytes"), "\(smallAnswer)")
        #expect(smallAnswer.lowercased().contains("connection: close\r\n"))
        #expect(smallClosed, "the server kept a Connection: close connection open")

        let large = try RawConnection(port: port)
        let body = String(repeating: "x", count: 100_000)
        try large.send("POST /size HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            + "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let (largeAnswer, largeClosed) = try await large.readToEnd()
        #expect(largeAnswer.hasPrefix("HTTP/1.1 413 "), "\(largeAnswer.prefix(200))")
        // The rest of the large body was read and dropped: the next request on the connection is answered.
        #expect(largeAnswer.hasSuffix("\r\n\r\nhello"), "\(largeAnswer.suffix(200))")
        #expect(largeClosed)
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func aClientExpectingContinueIsToldBeforeItSendsItsBody() async throws {
        let (group, task, port) = try await start(Probe())
        let connection = try RawConnection(port: port)
        try connection.send("POST /size HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
        var interim = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !interim.contains("\r\n\r\n") {
            let count = read(connection.fd, &buffer, buffer.count)
            if count > 0 { interim += String(decoding: buffer[0..<count], as: UTF8.self) } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n", "\(interim)")
        try connection.send("abcd")
        let (answer, closed) = try await connection.readToEnd()
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n") && answer.hasSuffix("\r\n\r\n4 bytes"), "\(answer)")
        #expect(closed)
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func aHeadAnswerHasTheLengthAndNoBody() async throws {
        let (group, task, port) = try await start(Probe())
        let connection = try RawConnection(port: port)
        try connection.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let (answer, closed) = try await connection.readToEnd()
        let responses = answer.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst()
        #expect(responses.count == 2, "\(answer)")
        #expect(responses.first?.lowercased().contains("content-length: 5\r\n") == true, "\(answer)")
        #expect(responses.first?.hasSuffix("\r\n\r\n") == true, "the HEAD answer carried a body: \(answer)")
        #expect(responses.last?.hasSuffix("\r\n\r\nhello") == true, "\(answer)")
        #expect(closed)
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func anHTTP10ConnectionStaysOpenOnlyWhenAskedToKeepAlive() async throws {
        let (group, task, port) = try await start(Probe())
        let plain = try RawConnection(port: port)
        try plain.send("GET /hello HTTP/1.0\r\n\r\n")
        let (plainAnswer, plainClosed) = try await plain.readToEnd()
        #expect(plainAnswer.hasSuffix("\r\n\r\nhello") && plainClosed, "\(plainAnswer) closed: \(plainClosed)")

        let kept = try RawConnection(port: port)
        try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /hello HTTP/1.0\r\n\r\n")
        let (keptAnswer, keptClosed) = try await kept.readToEnd()
        #expect(keptAnswer.components(separatedBy: "\r\n\r\nhello").count == 3, "\(keptAnswer)")
        #expect(keptClosed)
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func aMalformedRequestGets400AndItsConnectionEnds() async throws {
        let (group, task, port) = try await start(Probe())
        let connection = try RawConnection(port: port)
        try connection.send("GET /hello HTTP/1.1\r\nHost t\r\n\r\n")
        let (answer, closed) = try await connection.readToEnd()
        #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(answer)")
        #expect(closed)
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func aClientThatStopsSendingCancelsItsRequest() async throws {
        let probe = Probe()
        let (group, task, port) = try await start(probe)
        let connection = try RawConnection(port: port)
        try connection.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await eventually(seconds: 20) { probe.started.load(ordering: .relaxed) == 1 })
        connection.closeSending()
        #expect(try await eventually(seconds: 20) { probe.cancelled.load(ordering: .relaxed) == 1 },
                "the request kept running after its client closed its side")
        let (_, closed) = try await connection.readToEnd()
        #expect(closed)
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func gracefulShutdownLetsTheRequestInFlightFinish() async throws {
        let probe = Probe()
        let (group, task, port) = try await start(probe)
        let busy = try RawConnection(port: port)
        let idle = try RawConnection(port: port)
        try busy.send("GET /slow?s=1 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await eventually(seconds: 20) { probe.started.load(ordering: .relaxed) == 1 })
        await group.triggerGracefulShutdown()
        let (answer, closed) = try await busy.readToEnd()
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n") && answer.hasSuffix("\r\n\r\ndone"), "\(answer)")
        #expect(closed, "the connection stayed open after shutdown")
        let (idleAnswer, idleClosed) = try await idle.readToEnd()
        #expect(idleAnswer.isEmpty && idleClosed, "an idle connection was not closed at shutdown")
        try await task.value
        #expect(probe.cancelled.load(ordering: .relaxed) == 0)
        #expect(throws: (any Error).self) { try RawConnection(port: port) }
    }
}
