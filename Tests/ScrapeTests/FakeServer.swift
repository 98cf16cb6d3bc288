import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Synchronization
import Testing
@testable import Scrape

/// A real HTTP listener on a free loopback port; every path answers what `respond` says, and the
/// request headers of the last request to each path are kept.
final class FakeServer: Sendable {
    struct Reply: Sendable {
        var status: HTTPResponse.Status = .ok
        var contentType = "text/plain; version=0.0.4"
        var body: [UInt8] = []
        var location: String?
    }

    let replies = Mutex<[String: Reply]>([:])
    let lastHeaders = Mutex<[String: [String: String]]>([:])
    let hits = Mutex<[String: Int]>([:])
    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    var address: String { "127.0.0.1:\(port)" }

    func set(_ path: String, _ reply: Reply) { replies.withLock { $0[path] = reply } }
    func set(_ path: String, body: String) { set(path, Reply(body: Array(body.utf8))) }

    static func start() async throws -> FakeServer {
        let box = Box()
        let router = Router()
        router.get("**") { request, _ in
            guard let server = box.server.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            let path = request.uri.path
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            server.lastHeaders.withLock { $0[path] = headers }
            server.hits.withLock { $0[path, default: 0] += 1 }
            guard let reply = server.replies.withLock({ $0[path] }) else { return Response(status: .notFound) }
            var fields = HTTPFields()
            fields[.contentType] = reply.contentType
            if let location = reply.location { fields[.location] = location }
            return Response(status: reply.status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress!.port!) },
                              logger: Logger(label: "fake-server", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("server did not start") }
        let server = FakeServer(port: port, task: task)
        box.server.withLock { $0 = server }
        return server
    }

    func stop() { task.cancel() }

    final class Box: Sendable { let server = Mutex<FakeServer?>(nil) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `check` every 50 ms until it is true or `seconds` pass; returns the last result.
func eventually(seconds: Double = 10, _ check: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await check()) == true { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await check()
}

/// A temporary directory removed at deinit.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "ember-scrape-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A scrape manager over `storage` with a fresh HTTP client; `close()` shuts both down.
final class ManagerHarness: Sendable {
    let manager: ScrapeManager
    let client: HTTPClient
    let storage = MemoryStorageBox()

    init(dnsResolver: (any DNSResolver)? = nil) {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .follow(max: 10, allowCycles: false),
                                                     decompression: .enabled(limit: .ratio(100)))
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        manager = ScrapeManager(storage: storage.storage, httpClient: client,
                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                                metricsFactory: NOOPMetricsHandler.instance, filePollInterval: .milliseconds(100),
                                dnsResolver: dnsResolver)
    }

    func close() async {
        await manager.shutdown()
        try? await client.shutdown()
    }

    /// The active target whose scrape URL contains `fragment`.
    func status(_ fragment: String) -> TargetStatus? {
        manager.targetStatuses().first { $0.target.url.contains(fragment) }
    }
}

import Storage
final class MemoryStorageBox: Sendable { let storage = MemoryStorage() }
