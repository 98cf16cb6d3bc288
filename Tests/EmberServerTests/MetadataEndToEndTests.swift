import AsyncHTTPClient
import EmberServer
import Foundation
import Logging
import NIOCore
import Testing

/// `/api/v1/metadata` and `/api/v1/targets/metadata` fed by real scrapes: HELP/TYPE/UNIT from a
/// text and an OpenMetrics target, and a target's entries gone once a reload removes it.
@Suite struct MetadataEndToEndTests {
    static let text = """
        # HELP requests_total Requests served.
        # TYPE requests_total counter
        requests_total 5
        # HELP temperature Temperature "now" \\\\ here.
        # TYPE temperature gauge
        temperature 21
        # TYPE loose untyped
        loose 1

        """
    static let openMetrics = """
        # TYPE requests counter
        # HELP requests Requests served.
        requests_total 9
        # TYPE temperature gauge
        # HELP temperature Room temperature.
        temperature 19.5
        # TYPE room_temperature_celsius gauge
        # UNIT room_temperature_celsius celsius
        room_temperature_celsius 19.5
        # EOF

        """

    func config(_ ports: [Int]) -> String {
        """
        global: {scrape_interval: 200ms, scrape_timeout: 150ms}
        scrape_configs:
          - job_name: app
            static_configs:
              - targets: [\(ports.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ","))]
        """
    }

    /// Status and body of a GET, as one value for `#expect`.
    func status(_ url: String) async throws -> Answer {
        let (code, body) = try await httpGet(url)
        return Answer(code: code, body: body)
    }

    struct Answer: Equatable, CustomStringConvertible {
        var code: Int
        var body: String
        init(code: Int, body: String) {
            self.code = code
            self.body = body
        }
        init(_ code: Int, _ body: String) { self.init(code: code, body: body) }
        var description: String { "\(code) \(body)" }
    }

    @Test func scrapedHelpTypeAndUnitAreServedAndDroppedWithTheirTarget() async throws {
        let plain = try await FakeTarget.start(body: Self.text)
        defer { plain.stop() }
        let open = try await FakeTarget.start(body: Self.openMetrics)
        defer { open.stop() }
        open.state.contentType.withLock { $0 = "application/openmetrics-text; version=1.0.0; charset=utf-8" }
        let directory = try TemporaryDirectory()
        var options = ServerOptions()
        options.configFile = try directory.file("prometheus.yml", config([plain.port, open.port]))
        options.storagePath = directory.path + "/data"
        options.listenAddress = "127.0.0.1:0"
        options.enableLifecycle = true
        var logger = Logger(label: "ember-test")
        logger.logLevel = .critical
        let server = try EmberServer(options: options, logger: logger)
        let task = Task { try await server.run() }
        defer { task.cancel() }
        guard try await eventually(seconds: 120, { server.port != nil }), let port = server.port else {
            throw TestFailure("server did not start")
        }
        let base = "http://127.0.0.1:\(port)/api/v1"

        // Each metric's entries come in target order (by labels: here the instance text).
        var temperatures = [#"{"type":"gauge","help":"Temperature \"now\" \\ here.","unit":""}"#,
                            #"{"type":"gauge","help":"Room temperature.","unit":""}"#]
        if "127.0.0.1:\(open.port)" < "127.0.0.1:\(plain.port)" { temperatures.reverse() }
        let full = #"{"status":"success","data":{"#
            + #""loose":[{"type":"unknown","help":"","unit":""}],"#
            + #""requests":[{"type":"counter","help":"Requests served.","unit":""}],"#
            + #""requests_total":[{"type":"counter","help":"Requests served.","unit":""}],"#
            + #""room_temperature_celsius":[{"type":"gauge","help":"","unit":"celsius"}],"#
            + #""temperature":["# + temperatures.joined(separator: ",") + "]}}"
        let bothScraped = try await eventually(seconds: 60) { try await httpGet(base + "/metadata").1 == full }
        let seen = try await httpGet(base + "/metadata").1
        #expect(bothScraped, "got \(seen)")

        #expect(try await status(base + "/metadata?metric=requests_total") == Answer(200,
            #"{"status":"success","data":{"requests_total":[{"type":"counter","help":"Requests served.","unit":""}]}}"#))
        #expect(try await status(base + "/metadata?limit=1&metric=loose") == Answer(200,
            #"{"status":"success","data":{"loose":[{"type":"unknown","help":"","unit":""}]}}"#))
        #expect(try await status(base + "/metadata?metric=temperature&limit_per_metric=1").body.hasPrefix(
            #"{"status":"success","data":{"temperature":[{"type":"gauge","help":"#))
        #expect(try await status(base + "/metadata?metric=nothing") == Answer(200, #"{"status":"success","data":{}}"#))
        #expect(try await status(base + "/metadata?limit_per_metric=one") == Answer(400,
            #"{"status":"error","errorType":"bad_data","error":"limit_per_metric must be a number"}"#))

        let openTarget = #"{"target":{"instance":"127.0.0.1:\#(open.port)","job":"app"},"#
        #expect(try await status(base + "/targets/metadata?metric=room_temperature_celsius&match_target=%7Binstance%3D%22127.0.0.1%3A\(open.port)%22%7D") == Answer(200,
            #"{"status":"success","data":["# + openTarget + #""type":"gauge","help":"","unit":"celsius"}]}"#))
        #expect(try await status(base + "/targets/metadata?match_target=%7Binstance%3D%22127.0.0.1%3A\(open.port)%22%7D&limit=0")
            == Answer(200, #"{"status":"success","data":[]}"#))

        // A reload without the OpenMetrics target takes its metadata away.
        _ = try directory.file("prometheus.yml", config([plain.port]))
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/-/reload")
        request.method = .POST
        let reload = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        #expect(reload.status == .ok)
        let (_, after) = try await httpGet(base + "/metadata")
        #expect(after == #"{"status":"success","data":{"#
            + #""loose":[{"type":"unknown","help":"","unit":""}],"#
            + #""requests_total":[{"type":"counter","help":"Requests served.","unit":""}],"#
            + #""temperature":[{"type":"gauge","help":"Temperature \"now\" \\ here.","unit":""}]}}"#)
        #expect(try await status(base + "/targets/metadata?match_target=%7Binstance%3D%22127.0.0.1%3A\(open.port)%22%7D")
            == Answer(200, #"{"status":"success","data":[]}"#))
        await server.shutdown()
        try await task.value
    }
}
