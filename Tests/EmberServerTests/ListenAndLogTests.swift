import AsyncHTTPClient
@testable import EmberServer
import Foundation
import Logging
import Testing

@Suite struct ListenAddressTests {
    @Test func parsesPrometheusForms() throws {
        #expect(try ListenAddress(parsing: "0.0.0.0:9090") == ListenAddress(host: "0.0.0.0", port: 9090))
        #expect(try ListenAddress(parsing: "[::]:9090") == ListenAddress(host: "::", port: 9090))
        #expect(try ListenAddress(parsing: ":9091") == ListenAddress(host: "0.0.0.0", port: 9091))
        #expect(try ListenAddress(parsing: "localhost:80") == ListenAddress(host: "localhost", port: 80))
        for bad in ["9090", "::1:9090", "[::1:9090", "host:99999", "host:"] {
            #expect(throws: ListenAddress.ParseError.self, "\(bad)") { try ListenAddress(parsing: bad) }
        }
    }

    @Test func servesOnIPv6Loopback() async throws {
        let directory = try TemporaryDirectory()
        let (server, task, port) = try await startServer(config: "scrape_configs: []\n", in: directory) {
            $0.listenAddress = "[::1]:0"
        }
        let (status, body) = try await httpGet("http://[::1]:\(port)/-/healthy")
        #expect(status == 200)
        #expect(body.contains("Healthy"))
        await server.shutdown()
        try await task.value
    }
}

@Suite struct HTTPDateTests {
    @Test func formatsIMFFixdate() {
        #expect(HTTPDate.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(epochSeconds: 1_798_761_599) == "Thu, 31 Dec 2026 23:59:59 GMT")
    }

    @Test func everyAnswerCarriesTheCurrentDate() async throws {
        let directory = try TemporaryDirectory()
        let (server, task, port) = try await startServer(config: "scrape_configs: []\n", in: directory)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        for path in ["/-/healthy", "/api/v1/query?query=1", "/no/such/page"] {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(5))
            _ = try await response.body.collect(upTo: 1 << 20)
            let header = response.headers.first(name: "Date") ?? ""
            let date = try #require(formatter.date(from: header), "\(path): Date header \"\(header)\"")
            #expect(abs(date.timeIntervalSinceNow) < 5, "\(path): \(header)")
        }
        await server.shutdown()
        try await task.value
    }
}

@Suite struct LogFormatTests {
    let fields: [(String, String)] = [("time", "2026-01-01T00:00:00.000Z"), ("level", "INFO"),
                                      ("msg", "Server is ready"), ("path", "a=b"), ("empty", "")]

    @Test func logfmtQuotesOnlyWhenNeeded() {
        #expect(EmberLogHandler.logfmt(fields) ==
            #"time=2026-01-01T00:00:00.000Z level=INFO msg="Server is ready" path="a=b" empty="""#)
    }

    @Test func jsonIsOneObjectPerLine() throws {
        let line = EmberLogHandler.json(fields + [("err", "line1\nline2 \"quoted\"")])
        #expect(!line.contains("\n"))
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(object?["msg"] == "Server is ready")
        #expect(object?["err"] == "line1\nline2 \"quoted\"")
    }

    @Test func levelsUsePrometheusNames() {
        #expect(EmberLogHandler.levelName(.warning) == "WARN")
        #expect(EmberLogHandler.levelName(.debug) == "DEBUG")
        #expect(EmberLogHandler.levelName(.critical) == "ERROR")
    }
}
