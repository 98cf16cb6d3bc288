import Hummingbird
import HummingbirdTesting
import Testing
@testable import WebAPI

/// `/api/v1/labels`, `/api/v1/label/<name>/values`, `/api/v1/series`: Prometheus's JSON,
/// parameters and messages.
@Suite struct LabelAPITests {
    @Test func labelNamesAllMatchedUnionAndPost() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/labels", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(bodyText(response) == success(#"["__name__","code","instance","job"]"#))
            }
            try await client.execute(uri: "/api/v1/labels?match[]=up", method: .get) { response in
                #expect(bodyText(response) == success(#"["__name__","instance","job"]"#))
            }
            try await client.execute(uri: "/api/v1/labels?match%5B%5D=up&match%5B%5D=http_requests_total%7Bcode%3D%22500%22%7D",
                                     method: .get) { response in
                #expect(bodyText(response) == success(#"["__name__","code","instance","job"]"#))
            }
            try await client.execute(uri: "/api/v1/labels", method: .post, headers: formHeaders,
                                     body: ByteBuffer(string: "match%5B%5D=up&start=1699999990&end=1700000010")) { response in
                #expect(bodyText(response) == success(#"["__name__","instance","job"]"#))
            }
            try await client.execute(uri: "/api/v1/labels?match[]=nothing_here", method: .get) { response in
                #expect(bodyText(response) == success("[]"))
            }
        }
    }

    @Test func limitTruncatesWithAWarningOnlyWhenSomethingWasDropped() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/labels?limit=2", method: .get) { response in
                #expect(bodyText(response) == success(#"["__name__","code"]"#, warnings: ["results truncated due to limit"]))
            }
            try await client.execute(uri: "/api/v1/labels?limit=4", method: .get) { response in
                #expect(bodyText(response) == success(#"["__name__","code","instance","job"]"#))
            }
            try await client.execute(uri: "/api/v1/labels?limit=0", method: .get) { response in
                #expect(bodyText(response) == success(#"["__name__","code","instance","job"]"#))
            }
            try await client.execute(uri: "/api/v1/label/__name__/values?limit=1", method: .get) { response in
                #expect(bodyText(response) == success(#"["http_requests_total"]"#, warnings: ["results truncated due to limit"]))
            }
            try await client.execute(uri: "/api/v1/series?match[]=up&limit=1", method: .get) { response in
                #expect(bodyText(response) == success(#"[{"__name__":"up","instance":"a:1","job":"api"}]"#,
                                                      warnings: ["results truncated due to limit"]))
            }
        }
    }

    @Test func labelValuesNamesMatchersTimesAndEscapedNames() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/label/__name__/values", method: .get) { response in
                #expect(bodyText(response) == success(#"["http_requests_total","up"]"#))
            }
            try await client.execute(uri: "/api/v1/label/job/values?match[]=up", method: .get) { response in
                #expect(bodyText(response) == success(#"["api","web"]"#))
            }
            try await client.execute(uri: "/api/v1/label/code/values?end=1700000030", method: .get) { response in
                #expect(bodyText(response) == success(#"["200"]"#))
            }
            try await client.execute(uri: "/api/v1/label/code/values?start=1700000030", method: .get) { response in
                #expect(bodyText(response) == success(#"["500"]"#))
            }
            // Grafana ≥ 11.5 escapes non-legacy names: U__j_6f_b is "job".
            try await client.execute(uri: "/api/v1/label/U__j_6f_b/values", method: .get) { response in
                #expect(bodyText(response) == success(#"["api","web"]"#))
            }
            try await client.execute(uri: "/api/v1/label/job/values", method: .post, headers: formHeaders,
                                     body: ByteBuffer(string: "match%5B%5D=up%7Bjob%3D%22web%22%7D")) { response in
                #expect(bodyText(response) == success(#"["web"]"#))
            }
            try await client.execute(uri: "/api/v1/label/nope/values", method: .get) { response in
                #expect(bodyText(response) == success("[]"))
            }
        }
    }

    @Test func seriesListsLabelSetsSortedAndUnique() async throws {
        let app = try makeTestApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/series?match[]=up&match[]=%7Bjob%3D%22web%22%7D", method: .get) { response in
                #expect(response.status == .ok)
                #expect(bodyText(response) == success(#"[{"__name__":"up","instance":"a:1","job":"api"},{"__name__":"up","instance":"b:2","job":"web"}]"#))
            }
            try await client.execute(uri: "/api/v1/series", method: .post, headers: formHeaders,
                                     body: ByteBuffer(string: "match%5B%5D=http_requests_total&start=1700000030")) { response in
                #expect(bodyText(response) == success(#"[{"__name__":"http_requests_total","code":"500","job":"api"}]"#))
            }
            try await client.execute(uri: "/api/v1/series?match[]=nothing_here", method: .get) { response in
                #expect(bodyText(response) == success("[]"))
            }
        }
    }

    @Test func badParametersGetPrometheusMessages() async throws {
        let app = try makeTestApp()
        let cases: [(String, String)] = [
            ("/api/v1/series", #""no match[] parameter provided""#),
            ("/api/v1/series?match[]=up%2B1", #""invalid parameter \"match[]\": 1:3: parse error: unexpected <op:+>""#),
            ("/api/v1/series?match[]=%7Bjob%3D%22%22%7D", #""invalid parameter \"match[]\": match[] must contain at least one non-empty matcher""#),
            ("/api/v1/labels?match[]=rate(up%5B5m%5D)", #""1:5: parse error: unexpected \"(\"""#),
            ("/api/v1/labels?match[]=%7Bjob%3D~%22.*%22%7D", #""match[] must contain at least one non-empty matcher""#),
            ("/api/v1/labels?limit=abc", #""invalid parameter \"limit\": strconv.Atoi: parsing \"abc\": invalid syntax""#),
            ("/api/v1/labels?limit=99999999999999999999", #""invalid parameter \"limit\": strconv.Atoi: parsing \"99999999999999999999\": value out of range""#),
            ("/api/v1/label/job/values?limit=-1", #""invalid parameter \"limit\": limit must be non-negative""#),
            ("/api/v1/labels?start=yesterday", #""invalid parameter \"start\": invalid time value for 'start': cannot parse \"yesterday\" to a valid timestamp""#),
            ("/api/v1/series?match[]=up&end=x", #""invalid parameter \"end\": invalid time value for 'end': cannot parse \"x\" to a valid timestamp""#),
            ("/api/v1/label/%FF/values", #""invalid label name: \"\\xff\"""#),
        ]
        try await app.test(.router) { client in
            for (uri, message) in cases {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(bodyText(response) == badData(message), "\(uri)")
                }
            }
        }
    }

    @Test func escapedLabelNamesDecode() throws {
        #expect(LabelHandlers.unescapeLabelName("U__a_2e_b") == "a.b")
        #expect(LabelHandlers.unescapeLabelName("U__a__b") == "a_b")
        #expect(LabelHandlers.unescapeLabelName("U__a_1F600_") == "a😀")
        #expect(LabelHandlers.unescapeLabelName("U__a_2e") == "U__a_2e")  // no closing underscore
        #expect(LabelHandlers.unescapeLabelName("U__a_zz_") == "U__a_zz_")  // not hex
        #expect(LabelHandlers.unescapeLabelName("U__a_10FFFF_") == "U__a_10FFFF_")  // six digits: upstream refuses
        #expect(LabelHandlers.unescapeLabelName("U__a_d800_") == "U__a_d800_")  // surrogate
    }
}
