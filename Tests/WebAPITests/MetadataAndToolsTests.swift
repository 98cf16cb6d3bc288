import Hummingbird
import HummingbirdTesting
import MetricModel
import PromQL
import Scrape
import Testing
@testable import WebAPI

/// `/api/v1/metadata`, `/api/v1/targets/metadata`, `/api/v1/query_exemplars`,
/// `/api/v1/format_query`, `/api/v1/parse_query`.
@Suite struct MetadataAndToolsTests {
    static func filledStore() -> MetadataStore {
        let store = MetadataStore()
        let a = Labels(["job": "api", "instance": "a:1", "__meta_x": "hidden"])
        let b = Labels(["job": "web", "instance": "b:2"])
        store.replace(target: a, families: [
            "up_total": MetricMetadata(type: .counter, help: "Ups.", unit: ""),
            "temp": MetricMetadata(type: .gauge, help: "Temperature \"now\".", unit: "celsius"),
        ])
        store.set(target: b, family: "up_total", MetricMetadata(type: .counter, help: "Ups.", unit: ""))
        store.set(target: b, family: "temp", MetricMetadata(type: .unknown, help: "", unit: ""))
        return store
    }

    @Test func metadataIsEmptyUntilFilledThenGroupedByMetric() async throws {
        let store = MetadataStore()
        let app = try makeTestApp { $0.metadata = store }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/metadata", method: .get) { response in
                #expect(bodyText(response) == success("{}"))
            }
            try await client.execute(uri: "/api/v1/targets/metadata", method: .get) { response in
                #expect(bodyText(response) == success("[]"))
            }
            let filled = Self.filledStore()
            for target in filled.snapshot() {
                store.replace(target: target.target, families: Dictionary(uniqueKeysWithValues: target.families.map { ($0.name, $0.metadata) }))
            }
            try await client.execute(uri: "/api/v1/metadata", method: .get) { response in
                #expect(bodyText(response) == success(#"{"temp":[{"type":"gauge","help":"Temperature \"now\".","unit":"celsius"},{"type":"unknown","help":"","unit":""}],"up_total":[{"type":"counter","help":"Ups.","unit":""}]}"#))
            }
            try await client.execute(uri: "/api/v1/metadata?limit=1&limit_per_metric=1", method: .get) { response in
                #expect(bodyText(response) == success(#"{"temp":[{"type":"gauge","help":"Temperature \"now\".","unit":"celsius"}]}"#))
            }
            try await client.execute(uri: "/api/v1/metadata?metric=up_total", method: .get) { response in
                #expect(bodyText(response) == success(#"{"up_total":[{"type":"counter","help":"Ups.","unit":""}]}"#))
            }
            try await client.execute(uri: "/api/v1/metadata?limit=x", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(bodyText(response) == badData(#""limit must be a number""#))
            }
            try await client.execute(uri: "/api/v1/targets/metadata?match_target=%7Bjob%3D%22web%22%7D", method: .get) { response in
                #expect(bodyText(response) == success(#"[{"target":{"instance":"b:2","job":"web"},"metric":"temp","type":"unknown","help":"","unit":""},{"target":{"instance":"b:2","job":"web"},"metric":"up_total","type":"counter","help":"Ups.","unit":""}]"#))
            }
            try await client.execute(uri: "/api/v1/targets/metadata?metric=temp&match_target=%7Bjob%3D%22api%22%7D", method: .get) { response in
                #expect(bodyText(response) == success(#"[{"target":{"instance":"a:1","job":"api"},"type":"gauge","help":"Temperature \"now\".","unit":"celsius"}]"#))
            }
            try await client.execute(uri: "/api/v1/targets/metadata?match_target=up%7B", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(bodyText(response).hasPrefix(#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"match_target\": 1:4: parse error: "#))
            }
        }
    }

    @Test func exemplarsAnswerEmptyEvenForGrafanasMillisecondTimes() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/query_exemplars", method: .post, headers: formHeaders,
                                     body: ByteBuffer(string: "query=test&start=1700000000000&end=1700001800000")) { response in
                #expect(response.status == .ok)
                #expect(bodyText(response) == success("[]"))
            }
            try await client.execute(uri: "/api/v1/query_exemplars?query=rate(x%5B5m%5D)", method: .get) { response in
                #expect(bodyText(response) == success("[]"))
            }
            try await client.execute(uri: "/api/v1/query_exemplars?query=1%2B1", method: .get) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/query_exemplars?query=up&start=20&end=10", method: .get) { response in
                #expect(bodyText(response) == badData(#""end timestamp must not be before start timestamp""#))
            }
            try await client.execute(uri: "/api/v1/query_exemplars?query=up%7B", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(bodyText(response).hasPrefix(#"{"status":"error","errorType":"bad_data","error":"1:4: parse error: "#))
            }
        }
    }

    @Test func formatAndParseQuery() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/format_query?query=sum%20by(job)(rate(x%7Bb%3D%22c%22%2Ca%3D%22d%22%7D%5B5m%5D))",
                                     method: .get) { response in
                #expect(bodyText(response) == success(#""sum by (job) (rate(x{a=\"d\",b=\"c\"}[5m]))""#))
            }
            try await client.execute(uri: "/api/v1/format_query?query=up%2B", method: .get) { response in
                #expect(bodyText(response).hasPrefix(#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:4: parse error: "#))
            }
            try await client.execute(uri: "/api/v1/parse_query?query=up%7Bjob%3D%22a%22%7D%20offset%205m", method: .get) { response in
                #expect(bodyText(response) == success(#"{"anchored":false,"matchers":[{"name":"job","type":"=","value":"a"},{"name":"__name__","type":"=","value":"up"}],"name":"up","offset":300000,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"}"#))
            }
            try await client.execute(uri: "/api/v1/parse_query?query=-sum(rate(x%5B1m%5D%20%40%20end()))%20%2F%20on(a)%20group_left%20count(y)",
                                     method: .post) { response in
                #expect(bodyText(response) == success(#"{"bool":false,"lhs":{"expr":{"expr":{"args":[{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"x"}],"name":"x","offset":0,"offsetExpr":null,"range":60000,"rangeExpr":null,"smoothed":false,"startOrEnd":"end","timestamp":null,"type":"matrixSelector"}],"func":{"argTypes":["matrix"],"name":"rate","returnType":"vector","variadic":0},"type":"call"},"grouping":[],"op":"sum","param":null,"type":"aggregation","without":false},"op":"-","type":"unaryExpr"},"matching":{"card":"many-to-one","fillValues":{"lhs":null,"rhs":null},"include":[],"labels":["a"],"on":true},"op":"/","rhs":{"expr":{"anchored":false,"matchers":[{"name":"__name__","type":"=","value":"y"}],"name":"y","offset":0,"offsetExpr":null,"smoothed":false,"startOrEnd":null,"timestamp":null,"type":"vectorSelector"},"grouping":[],"op":"count","param":null,"type":"aggregation","without":false},"type":"binaryExpr"}"#))
            }
            try await client.execute(uri: "/api/v1/parse_query?query=%22s%22", method: .get) { response in
                #expect(bodyText(response) == success(#"{"type":"stringLiteral","val":"s"}"#))
            }
        }
    }
}

/// `format_query`'s line splitting, checked against cases from Prometheus's prettier tests
/// (run there with a 10-character line width).
@Suite struct PrettifierTests {
    func pretty(_ query: String) throws -> String {
        Prettifier.pretty(try parsePromQL(query), width: 10)
    }

    @Test func splitsLikePrometheus() throws {
        #expect(try pretty("sum(foo)") == "sum(foo)")
        #expect(try pretty(#"sum by() (task:errors:rate10s{job="s"})"#) == "sum(\n  task:errors:rate10s{job=\"s\"}\n)")
        #expect(try pretty(#"sum(task:errors:rate10s{job="s"}) without(job,foo)"#)
            == "sum without (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)")
        #expect(try pretty(#"topk(10, ask:errors:rate10s{job="s"})"#) == "topk(\n  10,\n  ask:errors:rate10s{job=\"s\"}\n)")
        #expect(try pretty(#"sum by(job,foo) (sum by(job,foo) (task:errors:rate10s{job="s"}))"#)
            == "sum by (job, foo) (\n  sum by (job, foo) (\n    task:errors:rate10s{job=\"s\"}\n  )\n)")
        #expect(try pretty("foo_1 + ignoring(foo) foo_2 + ignoring(job) group_left foo_3 + on(instance) group_right foo_4")
            == "      foo_1\n    + ignoring (foo)\n      foo_2\n  + ignoring (job) group_left ()\n    foo_3\n+ on (instance) group_right ()\n  foo_4")
        #expect(try pretty("-histogram_quantile(0.9,rate(foo[1m]))") == "-histogram_quantile(\n  0.9,\n  rate(\n    foo[1m]\n  )\n)")
        #expect(try pretty("(-vector_selector)") == "(\n  -vector_selector\n)")
        #expect(Prettifier.pretty(try parsePromQL("sum(rate(x[5m]))")) == "sum(rate(x[5m]))")
    }
}
