import Hummingbird
import HummingbirdTesting
import MetricModel
import PromQL
import Storage
import Testing
@testable import WebAPI

@Suite struct QueryAPITests {
    static func makeApp(readiness: Readiness = Readiness()) throws -> (some ApplicationProtocol, MemoryStorage) {
        let storage = MemoryStorage()
        try storage.add(Labels(["__name__": "up", "job": "api", "instance": "a:1"]), [(1_700_000_000_000, 1)])
        try storage.add(Labels(["__name__": "up", "job": "web", "instance": "b:2"]), [(1_700_000_000_000, 0)])
        try storage.add(Labels(["__name__": "weird", "v": "q\"\\\n"]), [(1_700_000_000_000, .nan), (1_700_000_001_000, .infinity)])
        let deps = APIDependencies(engine: Engine(queryable: storage), readiness: readiness,
                                   selfMetrics: { Array("# self\n".utf8) }, targets: { [] })
        return (Application(router: APIRouter.build(deps)), storage)
    }

    func body(_ response: TestResponse) -> String { String(buffer: response.body) }

    @Test func instantQueryGetReturnsPrometheusJSON() async throws {
        let (app, _) = try Self.makeApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/query?query=up%7Bjob%3D%22api%22%7D&time=1700000000.5", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(body(response) == #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"a:1","job":"api"},"value":[1700000000.5,"1"]}]}}"#)
            }
        }
    }

    @Test func postFormBodyIsMergedWithPlusAsSpace() async throws {
        let (app, _) = try Self.makeApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/query", method: .post,
                                     headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "query=up+%7Bjob%21%3D%22api%22%7D&time=2023-11-14T22:13:21Z")) { response in
                #expect(response.status == .ok)
                #expect(body(response) == #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"b:2","job":"web"},"value":[1700000001,"0"]}]}}"#)
            }
        }
    }

    @Test func emptyResultIsAnEmptyArraySpecialValuesAreStrings() async throws {
        let (app, _) = try Self.makeApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/query?query=nothing_here&time=1700000000", method: .get) { response in
                #expect(body(response) == #"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
            }
            try await client.execute(uri: "/api/v1/query?query=weird&time=1700000000", method: .get) { response in
                #expect(body(response).contains(#""value":[1700000000,"NaN"]"#))
                #expect(body(response).contains(#"{"__name__":"weird","v":"q\"\\\n"}"#))
            }
            try await client.execute(uri: "/api/v1/query?query=weird&time=1700000001", method: .get) { response in
                #expect(body(response).contains(#""value":[1700000001,"+Inf"]"#))
            }
            try await client.execute(uri: "/api/v1/query?query=42&time=1700000000", method: .get) { response in
                #expect(body(response) == #"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}"#)
            }
        }
    }

    @Test func badRequestsGetPrometheusErrors() async throws {
        let (app, _) = try Self.makeApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/query", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(body(response) == #"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": unknown position: parse error: no expression found in input"}"#)
            }
            try await client.execute(uri: "/api/v1/query?query=up&time=yesterday", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(body(response) == #"{"status":"error","errorType":"bad_data","error":"invalid parameter \"time\": invalid time value for 'time': cannot parse \"yesterday\" to a valid timestamp"}"#)
            }
            try await client.execute(uri: "/api/v1/query?query=up%7B", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(body(response).hasPrefix(#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:4: parse error: "#))
            }
        }
    }

    @Test func readinessIs503UntilMarked() async throws {
        let readiness = Readiness()
        let (app, _) = try Self.makeApp(readiness: readiness)
        try await app.test(.router) { client in
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
            readiness.markReady()
            try await client.execute(uri: "/-/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/-/healthy", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(body(response) == "# self\n")
            }
        }
    }
}

@Suite struct JSONWriterTests {
    @Test func timestampsAreSecondsWithMillisecondFractions() {
        for (ms, text) in [(Timestamp(1_700_000_000_000), "1700000000"), (1_700_000_000_500, "1700000000.5"),
                           (1_700_000_000_123, "1700000000.123"), (1_700_000_000_010, "1700000000.01"),
                           (-1500, "-1.5"), (-500, "-0.5"), (0, "0"), (1_700_000_000_005, "1700000000.005"),
                           (9, "0.009"), (10_000, "10"), (Timestamp.min, "-9223372036854775.808"),
                           (Timestamp.max, "9223372036854775.807")] {
            var writer = JSONWriter()
            writer.timestamp(ms)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == text, "\(ms)")
        }
    }

    @Test func samplePairsWriteTheValueAsPrometheusNumberText() {
        for (t, v, text) in [(Timestamp(1_700_000_000_005), 0.1 + 0.2, #"[1700000000.005,"0.30000000000000004"]"#),
                             (0, Double.nan, #"[0,"NaN"]"#), (1000, -Double.infinity, #"[1,"-Inf"]"#),
                             (1500, 1e-7, #"[1.5,"0.0000001"]"#), (2000, -0.0, #"[2,"-0"]"#)] {
            var writer = JSONWriter()
            writer.samplePair(t, v)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == text)
        }
    }

    @Test func plainStringsAreCopiedWhole() {
        var writer = JSONWriter()
        writer.string("eu-west-1")
        writer.string("")
        writer.string("é ~")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""eu-west-1""""é ~""#)
    }

    /// A matrix is exactly its series' texts in order, comma-separated, however uneven the series
    /// (and past the room reserved up front).
    @Test(arguments: [[3, 5000], [5000, 3], [20, 20, 20], Array(repeating: 17, count: 400), [4096, 1], [1, 4095]])
    func largeMatricesAreTheirSeriesInOrder(pointsPerSeries: [Int]) {
        var state: UInt64 = 3
        let series = pointsPerSeries.enumerated().map { index, count in
            var one = MatrixSeries(labels: Labels(["__name__": "m", "i": "\(index)", "q": "a\"b"]))
            for point in 0..<count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                one.timestamps.append(1_700_000_000_000 + Timestamp(point) * 15_000)
                one.values.append(Double(state >> 40) / 1000)
            }
            return one
        }
        let expected = series.map { one -> String in
            var writer = JSONWriter()
            writer.queryData(.matrix([one]))
            let text = String(decoding: writer.bytes, as: UTF8.self)
            return String(text.dropFirst(#"{"resultType":"matrix","result":["#.count).dropLast(2))
        }.joined(separator: ",")
        var writer = JSONWriter()
        writer.queryData(.matrix(series))
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"resultType":"matrix","result":["# + expected + "]}")
    }

    /// Writers are values: a copy that writes does not change the original, and the bytes survive
    /// every growth of the buffer.
    @Test func writersAreValuesAndGrow() {
        var first = JSONWriter(capacity: 0)
        first.string("a")
        var second = first
        second.string("b")
        first.timestamp(1_500)
        #expect(String(decoding: first.bytes, as: UTF8.self) == #""a"1.5"#)
        #expect(String(decoding: second.bytes, as: UTF8.self) == #""a""b""#)
        var long = JSONWriter(capacity: 1)
        var expected = ""
        for index in 0..<2_000 {
            long.samplePair(Timestamp(index) * 1_001, Double(index) / 8)
            long.string(String(repeating: "x", count: index % 50))
            let milliseconds = index * 1_001
            var fraction = String(1_000 + milliseconds % 1_000).dropFirst()
            while fraction.last == "0" { fraction.removeLast() }
            let seconds = "\(milliseconds / 1_000)" + (fraction.isEmpty ? "" : "." + fraction)
            expected += "[\(seconds),\"\(PrometheusNumber.format(Double(index) / 8))\"]"
            expected += "\"" + String(repeating: "x", count: index % 50) + "\""
        }
        #expect(String(decoding: long.bytes, as: UTF8.self) == expected)
        #expect(long.count == expected.utf8.count)
    }

    @Test func longValuesAndEscapesGoThroughTheSlowPaths() {
        var writer = JSONWriter(capacity: 0)
        writer.samplePair(1_000, 5e-324)
        writer.samplePair(-1, 0.1 + 0.2)
        writer.string("\u{1f}\r\n")
        #expect(String(decoding: writer.bytes, as: UTF8.self)
            == "[1,\"0." + String(repeating: "0", count: 323) + "5\"][-0.001,\"0.30000000000000004\"]\"\\u001f\\r\\n\"")
    }

    @Test func stringsEscapeControlCharacters() {
        var writer = JSONWriter()
        writer.string("a\u{01}\t\"\\é")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\u0001\t\"\\é""#)
    }
}

@Suite struct TimeTextTests {
    @Test func rfc3339AndGoTimeInUTC() {
        #expect(rfc3339(1_700_000_000_123) == "2023-11-14T22:13:20.123Z")
        #expect(rfc3339(1_700_000_000_000) == "2023-11-14T22:13:20.000Z")
        #expect(rfc3339(0) == "1970-01-01T00:00:00.000Z")
        #expect(rfc3339(-1) == "1969-12-31T23:59:59.999Z")
        #expect(goTime(1_700_000_000_500) == "2023-11-14T22:13:20.5Z")
        #expect(goTime(1_700_000_000_000) == "2023-11-14T22:13:20Z")
        #expect(goTime(-62_135_596_800_000) == "0001-01-01T00:00:00Z")
    }
}
