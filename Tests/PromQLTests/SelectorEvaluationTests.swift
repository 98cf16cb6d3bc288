import MetricModel
import Storage
import Testing
@testable import PromQL

/// Instant evaluation of vector selectors over MemoryStorage: lookback, staleness, offset, @.
@Suite struct SelectorEvaluationTests {
    static let minute: Int64 = 60_000

    func engine() throws -> Engine {
        let storage = MemoryStorage()
        let a = Labels(["__name__": "http_requests_total", "job": "api", "code": "200"])
        let b = Labels(["__name__": "http_requests_total", "job": "api", "code": "500"])
        let c = Labels(["__name__": "http_requests_total", "job": "web", "code": "200"])
        try storage.add(a, (0...10).map { (Timestamp($0) * Self.minute, Double($0)) })
        try storage.add(b, [(0, 100), (5 * Self.minute, .staleMarker), (8 * Self.minute, 7)])
        try storage.add(c, [(0, 1)])
        return Engine(queryable: storage)
    }

    func vector(_ query: String, at t: Timestamp, lookback: Int64? = nil) async throws -> [String: Double] {
        let value = try await engine().instantQuery(query, at: t, options: QueryOptions(lookbackDelta: lookback))
        guard case let .vector(elements) = value else { throw QueryError.execution("not a vector: \(value)") }
        #expect(elements.allSatisfy { $0.timestamp == t }, "instant vectors carry the evaluation time")
        return Dictionary(uniqueKeysWithValues: elements.map { ($0.labels["code"]! + "/" + $0.labels["job"]!, $0.value) })
    }

    @Test func latestSampleWithinLookback() async throws {
        #expect(try await vector("http_requests_total", at: 3 * Self.minute + 30_000) == ["200/api": 3, "500/api": 100, "200/web": 1])
        // 6 minutes later the web series (last sample at 0) is beyond the 5m lookback.
        #expect(try await vector("http_requests_total{job=\"web\"}", at: 6 * Self.minute) == [:])
        // The lookback window is left-open: a sample exactly 5m old is out.
        #expect(try await vector("http_requests_total{job=\"web\"}", at: 5 * Self.minute) == [:])
        #expect(try await vector("http_requests_total{job=\"web\"}", at: 5 * Self.minute - 1) == ["200/web": 1])
        #expect(try await vector("http_requests_total{job=\"web\"}", at: 90_000, lookback: 60_000) == [:])
    }

    @Test func stalenessMarkerEndsASeriesAtOnce() async throws {
        #expect(try await vector("http_requests_total{code=\"500\"}", at: 5 * Self.minute) == [:])
        #expect(try await vector("http_requests_total{code=\"500\"}", at: 7 * Self.minute) == [:])
        #expect(try await vector("http_requests_total{code=\"500\"}", at: 8 * Self.minute) == ["500/api": 7])
    }

    @Test func allFourMatchers() async throws {
        let t = 4 * Self.minute
        #expect(try await vector(#"http_requests_total{job="api"}"#, at: t).keys.sorted() == ["200/api", "500/api"])
        #expect(try await vector(#"http_requests_total{job!="api"}"#, at: t).keys.sorted() == ["200/web"])
        #expect(try await vector(#"http_requests_total{code=~"5.."}"#, at: t).keys.sorted() == ["500/api"])
        #expect(try await vector(#"{__name__=~"http_.*", code!~"5.."}"#, at: t).keys.sorted() == ["200/api", "200/web"])
    }

    @Test func offsetAndAtModifiers() async throws {
        #expect(try await vector(#"http_requests_total{job="api",code="200"} offset 2m"#, at: 6 * Self.minute) == ["200/api": 4])
        #expect(try await vector(#"http_requests_total{job="api",code="200"} @ 120"#, at: 9 * Self.minute) == ["200/api": 2])
        #expect(try await vector(#"http_requests_total{job="api",code="200"} @ 300 offset 1m"#, at: 0) == ["200/api": 4])
        #expect(try await vector(#"http_requests_total{job="api",code="200"} offset -1m"#, at: 2 * Self.minute) == ["200/api": 3])
    }

    @Test func parseErrorsAreBadDataWithPosition() async throws {
        await #expect(throws: QueryError.badData("1:24: parse error: unexpected end of input inside braces")) {
            _ = try await engine().instantQuery("http_requests_total{job", at: 0)
        }
        do {
            _ = try await engine().instantQuery("topk(10, increase(credits_used_total[24h]) by (user_id))", at: 0)
            Issue.record("should not parse")
        } catch let error as QueryError {
            #expect(error.errorType == "bad_data")
            #expect(error.description == "1:44: parse error: unexpected <by> in aggregation")
        }
    }

    @Test func scalarsAndStrings() async throws {
        #expect(try await engine().instantQuery("1.5", at: 1000) == .scalar(1000, 1.5))
        #expect(try await engine().instantQuery("\"hi\"", at: 1000) == .string(1000, "hi"))
        #expect(try await engine().instantQuery("-http_requests_total{job=\"web\"}", at: 1000)
                == .vector([VectorElement(labels: Labels(["job": "web", "code": "200"]), timestamp: 1000, value: -1)]))
    }
}
