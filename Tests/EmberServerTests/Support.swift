import AsyncHTTPClient
@testable import EmberServer
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

/// A real HTTP listener on a free loopback port serving a mutable exposition body at /metrics.
final class FakeTarget: Sendable {
    final class State: Sendable {
        let body: Mutex<String>
        let status = Mutex<HTTPResponse.Status>(.ok)
        let contentType = Mutex("text/plain; version=0.0.4")
        init(body: String) { self.body = Mutex(body) }
    }

    let state: State
    let port: Int
    private let task: Task<Void, any Error>

    private init(state: State, port: Int, task: Task<Void, any Error>) {
        self.state = state
        self.port = port
        self.task = task
    }

    static func start(body initial: String) async throws -> FakeTarget {
        let state = State(body: initial)
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(status: state.status.withLock { $0 }, headers: [.contentType: state.contentType.withLock { $0 }],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: state.body.withLock { $0 })))
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router,
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress!.port!) })
        let task = Task { try await app.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("target did not start") }
        let target = FakeTarget(state: state, port: port, task: task)
        return target
    }

    func stop() { task.cancel() }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A temporary directory removed at deinit.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "ember-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Starts a server with `config` as its configuration file and its data in `directory`, listening
/// on a free loopback port (`adjust` may change the options first); returns it, the task running
/// it and the port.
func startServer(config: String, in directory: TemporaryDirectory, logLevel: Logger.Level = .warning,
                 adjust: (inout ServerOptions) -> Void = { _ in }) async throws -> (EmberServer, Task<Void, any Error>, Int) {
    var options = ServerOptions()
    options.configFile = try directory.file("prometheus.yml", config)
    options.storagePath = directory.path + "/data"
    options.listenAddress = "127.0.0.1:0"
    adjust(&options)
    var logger = Logger(label: "ember-test")
    logger.logLevel = logLevel
    let server = try EmberServer(options: options, logger: logger)
    let task = Task { try await server.run() }
    // Generous: on 2 cores the CPU-bound suites running alongside can starve the start for seconds.
    guard try await eventually(seconds: 120, { server.port != nil }), let port = server.port else {
        throw TestFailure("server did not start")
    }
    return (server, task, port)
}

/// GETs a URL and returns status and body.
func httpGet(_ url: String) async throws -> (Int, String) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
    let body = try await response.body.collect(upTo: 1 << 24)
    return (Int(response.status.code), String(buffer: body))
}

/// Polls `check` until it returns true or `seconds` pass.
func eventually(seconds: Double, _ check: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? await check()) == true { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await check()
}

/// JSON object from a response body.
func json(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw TestFailure("not a JSON object: \(text)")
    }
    return object
}

/// `data.result` of a vector query as (labels, value) pairs.
func vectorResult(_ body: String) throws -> [([String: String], String)] {
    let object = try json(body)
    guard object["status"] as? String == "success", let data = object["data"] as? [String: Any],
          let result = data["result"] as? [[String: Any]] else { throw TestFailure("unexpected: \(body)") }
    return result.map { element in
        let metric = element["metric"] as? [String: String] ?? [:]
        let value = (element["value"] as? [Any])?.last as? String ?? ""
        return (metric, value)
    }
}

/// A plain TCP connection to loopback that writes raw HTTP and reads with non-blocking polls, so a
/// test sees exactly the bytes the server sends and when it closes.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("cannot connect to \(port)") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else { throw TestFailure("short write") }
    }

    /// Ends the sending side only (the server sees end of input).
    func closeSending() { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// Reads until the server closes or `seconds` pass; `closed` says which.
    func readToEnd(seconds: Double = 20) async throws -> (text: String, closed: Bool) {
        var received = [UInt8](), buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 { received += buffer[0..<count] } else if count == 0 {
                return (String(decoding: received, as: UTF8.self), true)
            } else if errno == ECONNRESET {
                return (String(decoding: received, as: UTF8.self), true)
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    deinit { close(fd) }
}
