import Hummingbird
import HummingbirdTesting
import MetricModel
import PromQL
import Storage
import Testing
@testable import WebAPI

/// `/federate`: latest sample per series within the lookback delta, grouped by name, external
/// labels appended.
@Suite struct FederationTests {
    static func storage() throws -> MemoryStorage {
        let storage = MemoryStorage()
        try storage.add(Labels(["__name__": "up", "job": "api", "instance": "a:1"]), [(1_000, 1), (61_000, 0)])
        try storage.add(Labels(["__name__": "up", "job": "web"]), [(50_000, 1)])
        try storage.add(Labels(["__name__": "Zeta", "job": "api"]), [(55_000, 1e6)])
        try storage.add(Labels(["__name__": "old", "job": "api"]), [(1_000, 5)])
        try storage.add(Labels(["__name__": "gone", "job": "api"]), [(40_000, 5), (50_000, .staleMarker)])
        try storage.add(Labels(["__name__": "later", "job": "api"]), [(90_000, 5)])
        return storage
    }

    static func text(_ response: Response) async throws -> String {
        let collector = CollectingBodyWriter()
        try await response.body.write(collector.sink)
        return String(buffer: collector.buffer.value)
    }

    @Test func latestSamplesInTextFormat() async throws {
        let params = APIParameters(query: "match[]=up&match[]=%7Bjob%3D%22api%22%7D", body: nil)
        let response = FederationHandler.respond(params, queryable: try Self.storage(), lookbackDelta: 30_000,
                                                 externalLabels: Labels(["cluster": "eu", "job": "ignored"]), now: 70_000)
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(try await Self.text(response) == """
            # TYPE Zeta untyped
            Zeta{job="api",cluster="eu",instance=""} 1000000 55000
            # TYPE up untyped
            up{instance="a:1",job="api",cluster="eu"} 0 61000
            up{job="web",cluster="eu",instance=""} 1 50000

            """)
    }

    @Test func noMatchIsEmptyAndABadSelectorIs400() async throws {
        let none = FederationHandler.respond(APIParameters(query: nil, body: nil), queryable: try Self.storage(),
                                             lookbackDelta: 30_000, externalLabels: .empty, now: 70_000)
        #expect(try await Self.text(none) == "")
        let bad = FederationHandler.respond(APIParameters(query: "match[]=up%2B1", body: nil), queryable: try Self.storage(),
                                            lookbackDelta: 30_000, externalLabels: .empty, now: 70_000)
        #expect(bad.status == .badRequest)
        #expect(try await Self.text(bad) == "1:3: parse error: unexpected <op:+>\n")
    }

    @Test func servedOnTheRouter() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/federate?match[]=up", method: .get) { response in
                #expect(response.status == .ok)
                #expect(bodyText(response) == "")  // the test data is from 2023, outside the lookback
            }
            try await client.execute(uri: "/federate", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
            }
        }
    }
}
