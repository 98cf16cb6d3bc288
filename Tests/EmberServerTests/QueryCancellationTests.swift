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
        var connection: RawConnection? = try RawConnection(port: port)
        try connection?.send("GET /api/v1/query_range?query=\(query)&start=0&end=10000&step=1 HTTP/1.1\r\nHost: test\r\n\r\n")
        let started = try await eventually(seconds: 60) { server.engine.runningQueries == 1 }
        #expect(started)
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.engine.runningQueries == 1)
        connection = nil  // closes the socket
        let stopped = try await eventually(seconds: 30) { server.engine.runningQueries == 0 }
        #expect(stopped, "the query kept running after its client disconnected")
        await server.shutdown()
        try await task.value
    }

    @Test func aKeptAliveConnectionServesQueryAfterQuery() async throws {
        let directory = try TemporaryDirectory()
        let (server, task, port) = try await startServer(in: directory)
        let request = "GET /api/v1/query?query=1%2B1&time=10 HTTP/1.1\r\nHost: test\r\n\r\n"
        let connection = try RawConnection(port: port)
        try connection.send(request + request + request)
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && received.components(separatedBy: #""result":[10,"2"]"#).count < 4 {
            let count = read(connection.fd, &buffer, buffer.count)
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
