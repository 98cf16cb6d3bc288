import Foundation
import Hummingbird
import HummingbirdTesting
import MetricModel
import PromQL
import Storage
import Testing
@testable import WebAPI

/// `/api/v1/query` and `/api/v1/query_range`: the `limit` and `stats` parameters.
@Suite struct QueryLimitAndStatsTests {
    static func makeApp() throws -> some ApplicationProtocol {
        let storage = MemoryStorage()
        try storage.add(Labels(["__name__": "up", "job": "api", "instance": "a:1"]), [(1_700_000_000_000, 1)])
        try storage.add(Labels(["__name__": "up", "job": "web", "instance": "b:2"]), [(1_700_000_000_000, 0)])
        try storage.add(Labels(["__name__": "up", "job": "db", "instance": "c:3"]), [(1_700_000_000_000, 1)])
        try storage.add(Labels(["__name__": "x"]), (0..<8).map { (1_700_000_000_000 + Int64($0) * 15_000, Double($0)) })
        let deps = APIDependencies(engine: Engine(queryable: storage), readiness: Readiness(),
                                   selfMetrics: { [] }, targets: { [] })
        return Application(router: APIRouter.build(deps))
    }

    static let timingNames = ["evalTotalTime", "resultSortTime", "queryPreparationTime", "innerEvalTime",
                              "execQueueTime", "execTotalTime"]

    /// The body with the `timings` object's values replaced by `T` after checking they are
    /// non-negative JSON numbers, in Prometheus's field order.
    func maskTimings(_ body: String) throws -> String {
        let pattern = try NSRegularExpression(pattern: #""timings":\{([^}]*)\}"#)
        guard let match = pattern.firstMatch(in: body, range: NSRange(body.startIndex..., in: body)),
              let inner = Range(match.range(at: 1), in: body), let whole = Range(match.range, in: body) else {
            throw StatsTestFailure(description: "no timings in \(body)")
        }
        let fields = body[inner].split(separator: ",")
        #expect(fields.map { String($0.split(separator: ":")[0]) } == Self.timingNames.map { "\"\($0)\"" })
        for field in fields {
            let value = Double(field.split(separator: ":")[1])
            #expect(value != nil && value! >= 0, "\(field)")
        }
        return body.replacingCharacters(in: whole, with: #""timings":T"#)
    }

    @Test func limitKeepsTheFirstSeriesAndWarns() async throws {
        let app = try Self.makeApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/query?query=sort(up)&time=1700000000&limit=2", method: .get) { response in
                #expect(bodyText(response) == success(#"{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"b:2","job":"web"},"value":[1700000000,"0"]},{"metric":{"__name__":"up","instance":"a:1","job":"api"},"value":[1700000000,"1"]}]}"#,
                                                      warnings: ["results truncated due to limit"]))
            }
            try await client.execute(uri: "/api/v1/query?query=sort(up)&time=1700000000&limit=3", method: .get) { response in
                #expect(!bodyText(response).contains("warnings"))
                #expect(bodyText(response).contains("c:3"))
            }
            try await client.execute(uri: "/api/v1/query?query=up&time=1700000000&limit=0", method: .get) { response in
                #expect(!bodyText(response).contains("warnings"))
            }
            try await client.execute(uri: "/api/v1/query_range?query=up&start=1700000000&end=1700000030&step=30&limit=1", method: .get) { response in
                #expect(bodyText(response) == success(#"{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"a:1","job":"api"},"values":[[1700000000,"1"],[1700000030,"1"]]}]}"#,
                                                      warnings: ["results truncated due to limit"]))
            }
            try await client.execute(uri: "/api/v1/query?query=1&time=1700000000&limit=1", method: .get) { response in
                #expect(bodyText(response) == success(#"{"resultType":"scalar","result":[1700000000,"1"]}"#))
            }
        }
    }

    @Test func badLimitsAreRefusedBeforeAnythingElse() async throws {
        let app = try Self.makeApp()
        try await app.test(.router) { client in
            let cases = [
                ("x", #""invalid parameter \"limit\": strconv.Atoi: parsing \"x\": invalid syntax""#),
                ("-1", #""invalid parameter \"limit\": limit must be non-negative""#),
                ("99999999999999999999", #""invalid parameter \"limit\": strconv.Atoi: parsing \"99999999999999999999\": value out of range""#),
            ]
            for (limit, message) in cases {
                for path in ["/api/v1/query?time=bad&", "/api/v1/query_range?"] {
                    try await client.execute(uri: "\(path)query=up&limit=\(limit)", method: .get) { response in
                        #expect(response.status == .badRequest)
                        #expect(bodyText(response) == badData(message))
                    }
                }
            }
        }
    }

    @Test func statsOfAnInstantQuery() async throws {
        let app = try Self.makeApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/query?query=up&time=1700000000&stats=all", method: .get) { response in
                let body = try maskTimings(bodyText(response))
                #expect(body.hasPrefix(#"{"status":"success","data":{"resultType":"vector","result":[{"#))
                #expect(body.hasSuffix(#"]}],"stats":{"timings":T,"samples":{"totalQueryableSamples":3,"samplesRead":3,"peakSamples":3}}}}"#))
            }
            try await client.execute(uri: "/api/v1/query?query=up&time=1700000000", method: .get) { response in
                #expect(!bodyText(response).contains("stats"))
            }
            try await client.execute(uri: "/api/v1/query?query=count(up)&time=1700000000&stats=1", method: .get) { response in
                let body = try maskTimings(bodyText(response))
                #expect(body == #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"3"]}],"stats":{"timings":T,"samples":{"totalQueryableSamples":3,"samplesRead":3,"peakSamples":3}}},"#
                    + #""warnings":["value \"1\" for parameter \"stats\" is deprecated and will be rejected in the next major release, use \"true\" or \"all\""]}"#)
            }
        }
    }

    @Test func statsOfARangeQueryCountWindowsAndNewReads() async throws {
        let app = try Self.makeApp()
        try await app.test(.router) { client in
            // Windows (t-1m, t] at t = 60s, 75s, 90s hold 4 points each; after the first step
            // only one point per step is new.
            try await client.execute(uri: "/api/v1/query_range?query=count_over_time(x%5B1m%5D)&start=1700000060&end=1700000090&step=15&stats=true", method: .get) { response in
                let body = try maskTimings(bodyText(response))
                #expect(body == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1700000060,"4"],[1700000075,"4"],[1700000090,"4"]]}],"#
                    + #""stats":{"timings":T,"samples":{"totalQueryableSamples":12,"samplesRead":6,"peakSamples":7}}}}"#)
            }
        }
    }

    @Test func goJSONNumbers() {
        var json = JSONWriter()
        for value in [0, 0.5, 0.000001, 1e-7, 1.25e-9, 123.456, 1.5e21] {
            json.number(value)
            json.raw(" ")
        }
        #expect(String(decoding: json.bytes, as: UTF8.self) == "0 0.5 0.000001 1e-7 1.25e-9 123.456 1.5e+21 ")
    }
}

struct StatsTestFailure: Error, CustomStringConvertible {
    let description: String
}
