import EmberServer
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Testing

/// A long query stops when its HTTP client goes away, as Prometheus's does (Go cancels the
/// request context on disconnect).
@Suite(.timeLimit(.minutes(4))) struct QueryCancellationTests {
    /// Opens a connection to `port`, sends `request`, and returns the socket (left open).
    func send(_ request: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("cannot connect to \(port)") }
        let written = request.withCString { write(fd, $0, strlen($0)) }
        guard written == request.utf8.count else { throw TestFailure("short write") }
        return fd
    }

    func startServer(in directory: TemporaryDirectory) async throws -> (EmberServer, Task<Void, any Error>, Int) {
        // The timeout bounds the query even if cancellation failed; well past the 30 s this test waits
        // for it to stop, so a query that merely timed out cannot pass for a cancelled one.
        try await EmberServerTests.startServer(config: "global: {scrape_interval: 1h}\nscrape_configs: []\n", in: directory,
                                               logLevel: .critical) { $0.queryTimeout = 110_000 }
    }

    @Test func aQueryWhoseClientDisconnectsStops() async throws {
        let directory = try TemporaryDirectory()
        let (server, task, port) = try await startServer(in: directory)
        // 10001 steps, each a 60000-point subquery: far longer than this test waits.
        let query = "count_over_time(vector(1)%5B1m%3A1ms%5D)"
        let fd = try send("GET /api/v1/query_range?query=\(query)&start=0&end=10000&step=1 HTTP/1.1\r\nHost: test\r\n\r\n",
                          port: port)
        let started = try await eventually(seconds: 60) { server.engine.runningQueries == 1 }
        #expect(started)
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.engine.runningQueries == 1)
        close(fd)
        let stopped = try await eventually(seconds: 30) { server.engine.runningQueries == 0 }
        #expect(stopped, "the query kept running after its client disconnected")
        await server.shutdown()
        try await task.value
    }

    @Test func aKeptAliveConnectionServesQueryAfterQuery() async throws {
        let directory = try TemporaryDirectory()
        let (server, task, port) = try await startServer(in: directory)
        let request = "GET /api/v1/query?query=1%2B1&time=10 HTTP/1.1\r\nHost: test\r\n\r\n"
        let fd = try send(request + request + request, port: port)
        defer { close(fd) }
        // Non-blocking reads polled from here, so the test never blocks a cooperative thread.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && received.components(separatedBy: #""result":[10,"2"]"#).count < 4 {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 {
                received += String(decoding: buffer[0..<count], as: UTF8.self)
            } else if count == 0 {
                break
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(received.components(separatedBy: "HTTP/1.1 200 OK").count == 4, "\(received)")
        #expect(server.engine.runningQueries == 0)
        await server.shutdown()
        try await task.value
    }
}
