import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RemoteWrite
import Storage
import Testing
@testable import WebAPI

/// `POST /api/v1/write`'s HTTP framing: readiness, the disabled receiver, Go-style error bodies
/// and the remote-write statistics headers.
@Suite struct RemoteWriteRouteTests {
    static let statsHeaders = ["X-Prometheus-Remote-Write-Samples-Written", "X-Prometheus-Remote-Write-Histograms-Written",
                               "X-Prometheus-Remote-Write-Exemplars-Written"]
    static let snappyHeaders: HTTPFields = [.contentType: "application/x-protobuf", .contentEncoding: "snappy"]

    func header(_ response: TestResponse, _ name: String) -> String? {
        response.headers[HTTPField.Name(name)!]
    }

    @Test func notReadyIs503EvenWhenDisabled() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.snappyHeaders,
                                     body: ByteBuffer(bytes: Snappy.compress([]))) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(bodyText(response) == "Service Unavailable")
                #expect(header(response, "X-Prometheus-Stopping") == "false")
            }
        }
    }

    @Test func disabledReceiverIs404WithPrometheusMessage() async throws {
        let readiness = Readiness()
        readiness.markReady()
        let app = try makeTestApp(readiness: readiness)
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.snappyHeaders,
                                     body: ByteBuffer(bytes: Snappy.compress([]))) { response in
                #expect(response.status == .notFound)
                #expect(bodyText(response) == "remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n")
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
            }
        }
    }

    @Test func emptyRequestIs204WithStatisticsAndErrorsAreGoStyle() async throws {
        let readiness = Readiness()
        readiness.markReady()
        let app = try makeTestApp(readiness: readiness) { $0.remoteWriteReceiver = RemoteWriteReceiver(storage: MemoryStorage()) }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.snappyHeaders,
                                     body: ByteBuffer(bytes: Snappy.compress([]))) { response in
                #expect(response.status == .noContent)
                for name in Self.statsHeaders { #expect(header(response, name) == "0", "\(name)") }
            }
            try await client.execute(uri: "/api/v1/write", method: .post, headers: Self.snappyHeaders,
                                     body: ByteBuffer(bytes: [1, 2, 3])) { response in
                #expect(response.status == .badRequest)
                #expect(bodyText(response) == "snappy: corrupt input\n")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                for name in Self.statsHeaders { #expect(header(response, name) == nil, "\(name)") }
            }
            try await client.execute(uri: "/api/v1/write", method: .post,
                                     headers: [.contentType: "application/x-protobuf", .contentEncoding: "zstd"],
                                     body: ByteBuffer(bytes: Snappy.compress([]))) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(bodyText(response) == "zstd encoding (compression) is not accepted by this server; only snappy is acceptable\n")
            }
            try await client.execute(uri: "/api/v1/write", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "OPTIONS, POST")
            }
        }
    }
}
