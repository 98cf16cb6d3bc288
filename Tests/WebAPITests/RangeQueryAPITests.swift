import Hummingbird
import HummingbirdTesting
import MetricModel
import PromQL
import Storage
import Testing
@testable import WebAPI

/// `/api/v1/query_range`: Prometheus's matrix JSON and its parameter errors, word for word.
@Suite struct RangeQueryAPITests {
    static func makeApp() throws -> some ApplicationProtocol {
        let storage = MemoryStorage()
        let base: Timestamp = 1_700_000_000_000
        try storage.add(Labels(["__name__": "requests_total", "job": "api"]),
                        (0...20).map { (base + Timestamp($0) * 15_000, Double($0 * 10)) })
        let deps = APIDependencies(engine: Engine(queryable: storage), readiness: Readiness(),
                                   selfMetrics: { [] }, targets: { [] })
        return Application(router: APIRouter.build(deps))
    }

    func get(_ uri: String, _ check: @escaping @Sendable (Int, String) -> Void) async throws {
        try await Self.makeApp().test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                check(Int(response.status.code), String(buffer: response.body))
            }
        }
    }

    @Test func matrixOfARateOverTheRange() async throws {
        try await get("/api/v1/query_range?query=rate(requests_total%5B1m%5D)&start=1700000120&end=1700000180&step=30") { status, body in
            #expect(status == 200)
            #expect(body == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"api"},"values":[[1700000120,"0.6666666666666666"],[1700000150,"0.6666666666666666"],[1700000180,"0.6666666666666666"]]}]}}"#)
        }
    }

    @Test func scalarRangeIsAMatrixWithoutLabels() async throws {
        try await get("/api/v1/query_range?query=1%2B1&start=1700000000&end=1700000030&step=15s") { status, body in
            #expect(status == 200)
            #expect(body == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1700000000,"2"],[1700000015,"2"],[1700000030,"2"]]}]}}"#)
        }
    }

    @Test(arguments: [
        ("start=10&end=5&step=1", #"invalid parameter \"end\": end timestamp must not be before start time"#),
        ("start=1&end=5&step=0", #"invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer"#),
        ("start=1&end=500000&step=1", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"),
        ("start=x&end=5&step=1", #"invalid parameter \"start\": cannot parse \"x\" to a valid timestamp"#),
        ("end=5&step=1", #"invalid parameter \"start\": cannot parse \"\" to a valid timestamp"#),
        ("start=1&end=y&step=1", #"invalid parameter \"end\": cannot parse \"y\" to a valid timestamp"#),
        ("start=1&end=5", #"invalid parameter \"step\": cannot parse \"\" to a valid duration"#),
        ("start=1&end=5&step=x", #"invalid parameter \"step\": cannot parse \"x\" to a valid duration"#),
    ])
    func parameterErrors(query: String, message: String) async throws {
        try await get("/api/v1/query_range?query=up&" + query) { status, body in
            #expect(status == 400)
            #expect(body == #"{"status":"error","errorType":"bad_data","error":""# + message + #""}"#)
        }
    }

    @Test func wrongExpressionTypeAndParseErrorsNameTheQueryParameter() async throws {
        try await get("/api/v1/query_range?query=up%5B5m%5D&start=1&end=5&step=1") { status, body in
            #expect(status == 400)
            #expect(body.contains(#"invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar or instant Vector"#))
        }
        try await get("/api/v1/query_range?query=sum(&start=1&end=5&step=1") { status, body in
            #expect(status == 400)
            #expect(body.contains(#"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"#))
        }
    }
}
