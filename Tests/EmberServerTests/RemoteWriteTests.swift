import AsyncHTTPClient
import EmberServer
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RemoteWrite
import SwiftProtobuf
import Testing

/// `POST /api/v1/write` on a real running server: what is written is what `/api/v1/query` answers,
/// and bad requests get Prometheus's statuses and messages.
@Suite(.serialized) struct RemoteWriteTests {
    static let config = "global: {scrape_interval: 1h}\nscrape_configs: []\n"

    func start(remoteWrite: Bool, config: String = Self.config, in directory: TemporaryDirectory) async throws
        -> (EmberServer, Task<Void, any Error>, String) {
        var options = ServerOptions()
        options.configFile = try directory.file("prometheus.yml", config)
        options.storagePath = directory.path + "/data"
        options.listenAddress = "127.0.0.1:0"
        options.enableRemoteWriteReceiver = remoteWrite
        var logger = Logger(label: "ember-test")
        logger.logLevel = .critical
        let server = try EmberServer(options: options, logger: logger)
        let task = Task { try await server.run() }
        // Generous: with 2 cores, CPU-bound tests running beside this one can starve the server's start.
        guard try await eventually(seconds: 120, { server.port != nil }), let port = server.port else {
            throw TestFailure("server did not start")
        }
        let base = "http://127.0.0.1:\(port)"
        guard try await eventually(seconds: 60, { try await httpGet(base + "/-/ready").0 == 200 }) else {
            throw TestFailure("server did not become ready")
        }
        return (server, task, base)
    }

    /// POSTs a body as a remote-write sender does; returns status, body and the response headers.
    func postWrite(_ base: String, _ body: [UInt8], method: HTTPMethod = .POST,
                   contentType: String = "application/x-protobuf") async throws -> (Int, String, HTTPHeaders) {
        var request = HTTPClientRequest(url: base + "/api/v1/write")
        request.method = method
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "Content-Encoding", value: "snappy")
        request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text, response.headers)
    }

    static func request(_ series: [([(String, String)], [(Int64, Double)])]) -> Prometheus_WriteRequest {
        var request = Prometheus_WriteRequest()
        for (labels, samples) in series {
            var timeSeries = Prometheus_TimeSeries()
            for (name, value) in labels {
                var label = Prometheus_Label()
                label.name = name
                label.value = value
                timeSeries.labels.append(label)
            }
            for (timestamp, value) in samples {
                var sample = Prometheus_Sample()
                sample.timestamp = timestamp
                sample.value = value
                timeSeries.samples.append(sample)
            }
            request.timeseries.append(timeSeries)
        }
        return request
    }

    static func wire(_ request: Prometheus_WriteRequest) throws -> [UInt8] {
        Snappy.compress(try request.serializedBytes())
    }

    static var nowMilliseconds: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    @Test func writtenSeriesAreQueryableAndBadRequestsAreRefused() async throws {
        let directory = try TemporaryDirectory()
        let (server, task, base) = try await start(remoteWrite: true, in: directory)
        let now = Self.nowMilliseconds
        let good = Self.request([
            ([("job", "api"), ("__name__", "rw_requests_total"), ("code", "200")], [(now - 20_000, 5), (now - 10_000, 9)]),
            ([("__name__", "rw_requests_total"), ("code", "500"), ("job", "api")], [(now - 10_000, 1)]),
        ])
        let (status, body, headers) = try await postWrite(base, try Self.wire(good))
        #expect(status == 204, "\(body)")
        #expect(body.isEmpty)
        #expect(headers["X-Prometheus-Remote-Write-Samples-Written"] == ["0"])

        let time = String(format: "%.3f", Double(now) / 1000)
        let (_, queried) = try await httpGet(base + "/api/v1/query?query=rw_requests_total&time=\(time)")
        let result = try vectorResult(queried).sorted { $0.0["code"] ?? "" < $1.0["code"] ?? "" }
        #expect(result.map(\.0) == [["__name__": "rw_requests_total", "code": "200", "job": "api"],
                                    ["__name__": "rw_requests_total", "code": "500", "job": "api"]])
        #expect(result.map(\.1) == ["9", "1"])

        // Corrupt snappy: the protobuf bytes themselves, uncompressed.
        let raw: [UInt8] = try good.serializedBytes()
        let corrupt = try await postWrite(base, raw)
        #expect(corrupt.0 == 400)
        #expect(corrupt.1 == "snappy: corrupt input\n")

        let badProtobuf = try await postWrite(base, Snappy.compress([0x0a, 50, 0x0a, 0x00]))
        #expect(badProtobuf.0 == 400)
        #expect(badProtobuf.1 == "decoding the remote write request: the protobuf message is truncated\n")

        // One new series and one sample older than what is stored: nothing of the request lands.
        let outOfOrder = Self.request([
            ([("__name__", "rw_new_series")], [(now - 5000, 1)]),
            ([("__name__", "rw_requests_total"), ("code", "500"), ("job", "api")], [(now - 15_000, 2)]),
        ])
        let refused = try await postWrite(base, try Self.wire(outOfOrder))
        #expect(refused.0 == 400)
        #expect(refused.1 == "out of order sample\n")
        let duplicate = Self.request([([("__name__", "rw_requests_total"), ("code", "500"), ("job", "api")], [(now - 10_000, 3)])])
        let duplicated = try await postWrite(base, try Self.wire(duplicate))
        #expect(duplicated.0 == 400)
        #expect(duplicated.1 == "duplicate sample for timestamp\n")
        let (_, newSeries) = try await httpGet(base + "/api/v1/query?query=rw_new_series&time=\(time)")
        #expect(try vectorResult(newSeries).isEmpty)
        let (_, unchanged) = try await httpGet(base + "/api/v1/query?query=rw_requests_total%7Bcode%3D%22500%22%7D&time=\(time)")
        #expect(try vectorResult(unchanged).map(\.1) == ["1"])

        // A series without a metric name is skipped and counted; the rest of its request lands.
        let nameless = Self.request([([("job", "api")], [(now - 1000, 1)]), ([("__name__", "rw_named")], [(now - 1000, 4)])])
        #expect(try await postWrite(base, try Self.wire(nameless)).0 == 204)
        let (_, named) = try await httpGet(base + "/api/v1/query?query=rw_named&time=\(time)")
        #expect(try vectorResult(named).map(\.1) == ["4"])
        let (_, metrics) = try await httpGet(base + "/metrics")
        #expect(metrics.contains("\nprometheus_api_remote_write_invalid_labels_samples_total 1\n"), "\(metrics)")

        let v2 = try await postWrite(base, try Self.wire(good), contentType: "application/x-protobuf;proto=io.prometheus.write.v2.Request")
        #expect(v2.0 == 415)
        let get = try await postWrite(base, [], method: .GET)
        #expect(get.0 == 405)
        #expect(get.2["Allow"] == ["OPTIONS, POST"])

        await server.shutdown()
        try await task.value
    }

    @Test func withoutTheFlagTheEndpointIs404WithPrometheusMessage() async throws {
        let directory = try TemporaryDirectory()
        let (server, task, base) = try await start(remoteWrite: false, in: directory)
        let body = try Self.wire(Self.request([([("__name__", "x")], [(Self.nowMilliseconds, 1)])]))
        let (status, text, _) = try await postWrite(base, body)
        #expect(status == 404)
        #expect(text == "remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n")
        await server.shutdown()
        try await task.value
    }
}
