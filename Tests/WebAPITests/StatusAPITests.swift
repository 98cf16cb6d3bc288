import Hummingbird
import HummingbirdTesting
import MetricModel
import Testing
@testable import WebAPI

/// `/api/v1/status/*`, `/api/v1/rules`, `/api/v1/alerts`, `/api/v1/alertmanagers`.
@Suite struct StatusAPITests {
    @Test func buildInfoIsPrometheusLikeWithoutFeatures() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/status/buildinfo", method: .get) { response in
                #expect(bodyText(response) == success(#"{"version":"3.14.0","revision":"","branch":"ember-\#(EmberVersion.string)","buildUser":"","buildDate":"","goVersion":""}"#))
            }
        }
    }

    @Test func configFlagsAndRuntimeInfo() async throws {
        let app = try makeTestApp { deps in
            deps.configYAML = { "global:\n  scrape_interval: 15s\n" }
            deps.flags = ["web.enable-lifecycle": "false", "config.file": "prometheus.yml"]
            var info = RuntimeInfo(startTime: 1_700_000_000_500, cwd: "/srv", hostname: "box", reloadConfigSuccess: true,
                                   lastConfigTime: 1_700_000_001_000, goroutineCount: 7, gomaxprocs: 2, storageRetention: "15d")
            info.corruptionCount = 0
            let fixed = info
            deps.runtimeInfo = { fixed }
        }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/status/config", method: .get) { response in
                #expect(bodyText(response) == success(#"{"yaml":"global:\n  scrape_interval: 15s\n"}"#))
            }
            try await client.execute(uri: "/api/v1/status/flags", method: .get) { response in
                #expect(bodyText(response) == success(#"{"config.file":"prometheus.yml","web.enable-lifecycle":"false"}"#))
            }
            try await client.execute(uri: "/api/v1/status/runtimeinfo", method: .get) { response in
                let text = bodyText(response)
                #expect(text.hasPrefix(#"{"status":"success","data":{"startTime":"2023-11-14T22:13:20.5Z","CWD":"/srv","hostname":"box","serverTime":""#))
                #expect(text.hasSuffix(#","reloadConfigSuccess":true,"lastConfigTime":"2023-11-14T22:13:21Z","corruptionCount":0,"goroutineCount":7,"GOMAXPROCS":2,"GOMEMLIMIT":9223372036854775807,"GOGC":"","GODEBUG":"","storageRetention":"15d"}}"#))
            }
        }
    }

    @Test func rulesAlertsAndAlertmanagersAreEmptyWithTheRightShapes() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            for uri in ["/api/v1/rules", "/api/v1/rules?type=alert&exclude_alerts=true&rule_group[]=x&group_limit=5"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.headers[.contentType] == "application/json")
                    #expect(bodyText(response) == success(#"{"groups":[]}"#), "\(uri)")
                }
            }
            try await client.execute(uri: "/api/v1/alerts", method: .get) { response in
                #expect(response.headers[.contentType] == "application/json")
                #expect(bodyText(response) == success(#"{"alerts":[]}"#))
            }
            try await client.execute(uri: "/api/v1/alertmanagers", method: .get) { response in
                #expect(bodyText(response) == success(#"{"activeAlertmanagers":[],"droppedAlertmanagers":[]}"#))
            }
        }
    }

    @Test func ruleParametersAreValidatedLikePrometheus() async throws {
        let app = try makeTestApp()
        let cases: [(String, String)] = [
            ("type=Bogus", #""invalid parameter \"type\": not supported value \"bogus\"""#),
            ("exclude_alerts=maybe", #""invalid parameter \"exclude_alerts\": error converting exclude_alerts: strconv.ParseBool: parsing \"maybe\": invalid syntax""#),
            ("group_next_token=abc", #""invalid parameter \"group_next_token\": group_limit needs to be present in order to paginate over the groups""#),
            ("group_limit=x", #""invalid parameter \"group_limit\": group_limit needs to be a valid number: strconv.ParseInt: parsing \"x\": invalid syntax""#),
            ("group_limit=0", #""invalid parameter \"group_limit\": group_limit needs to be greater than 0""#),
            ("group_limit=2&group_next_token=abc", #""invalid parameter \"group_next_token\": invalid group_next_token 'abc'. were rule groups changed?""#),
            ("match[]=%7Ba%3D%22%22%7D", #""match[] must contain at least one non-empty matcher""#),
        ]
        try await app.test(.router) { client in
            for (query, message) in cases {
                try await client.execute(uri: "/api/v1/rules?" + query, method: .get) { response in
                    #expect(response.status == .badRequest, "\(query)")
                    #expect(bodyText(response) == badData(message), "\(query)")
                }
            }
        }
    }

    @Test func goTimeDropsTrailingZeros() {
        #expect(goTime(1_700_000_000_000) == "2023-11-14T22:13:20Z")
        #expect(goTime(1_700_000_000_120) == "2023-11-14T22:13:20.12Z")
        #expect(goTime(-1) == "1969-12-31T23:59:59.999Z")
    }
}

@Suite struct TSDBStatusAPITests {
    static func status(limit: Int) -> TSDBStatus {
        var status = TSDBStatus()
        status.numSeries = 52
        status.numLabelPairs = 55
        status.chunkCount = 52
        status.minTime = 1000
        status.maxTime = 2000
        status.seriesCountByMetricName = Array([("req", 50), ("up", 2)].prefix(limit))
        status.labelValueCountByLabelName = Array([("user_id", 50), ("__name__", 2)].prefix(limit))
        status.memoryInBytesByLabelName = [("user_id", 590)]
        status.seriesCountByLabelValuePair = [("say=\"hi\"", 7)]
        return status
    }

    @Test func tsdbStatusHasPrometheusShapeAndPassesTheLimit() async throws {
        let app = try makeTestApp { $0.tsdbStatus = { Self.status(limit: $0) } }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/status/tsdb?limit=1", method: .get) { response in
                #expect(response.status == .ok)
                #expect(bodyText(response) == success(#"{"headStats":{"numSeries":52,"numLabelPairs":55,"chunkCount":52,"minTime":1000,"maxTime":2000},"seriesCountByMetricName":[{"name":"req","value":50}],"labelValueCountByLabelName":[{"name":"user_id","value":50}],"memoryInBytesByLabelName":[{"name":"user_id","value":590}],"seriesCountByLabelValuePair":[{"name":"say=\"hi\"","value":7}]}"#))
            }
            try await client.execute(uri: "/api/v1/status/tsdb", method: .get) { response in
                #expect(bodyText(response).contains(#""seriesCountByMetricName":[{"name":"req","value":50},{"name":"up","value":2}]"#))
            }
        }
    }

    @Test func tsdbStatusRejectsBadLimits() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            for (limit, message) in [("0", "limit must be a positive number"), ("-3", "limit must be a positive number"),
                                     ("x", "limit must be a positive number"), ("10001", "limit must not exceed 10000")] {
                try await client.execute(uri: "/api/v1/status/tsdb?limit=\(limit)", method: .get) { response in
                    #expect(response.status == .badRequest)
                    #expect(bodyText(response) == badData("\"\(message)\""))
                }
            }
            try await client.execute(uri: "/api/v1/status/tsdb?limit=10000", method: .get) { response in
                #expect(bodyText(response) == success(#"{"headStats":{"numSeries":0,"numLabelPairs":0,"chunkCount":0,"minTime":9223372036854775807,"maxTime":-9223372036854775808},"seriesCountByMetricName":[],"labelValueCountByLabelName":[],"memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}"#))
            }
        }
    }

    @Test func walReplayStatus() async throws {
        let app = try makeTestApp { $0.walReplayStatus = { (3, 9, 5) } }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/status/walreplay", method: .get) { response in
                #expect(bodyText(response) == success(#"{"min":3,"max":9,"current":5}"#))
            }
        }
    }
}
