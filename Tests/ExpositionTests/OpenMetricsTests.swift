import Exposition
import MetricModel
import Testing

@Suite struct OpenMetricsTests {
    static let body = """
    # TYPE acme_http_router_request_seconds summary
    # UNIT acme_http_router_request_seconds seconds
    # HELP acme_http_router_request_seconds Latency though all of ACME's \\"HTTP\\" router.\\nSecond line \\\\ end
    acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
    acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
    acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
    # TYPE foo counter
    foo_total 17.0 1520879607.789 # {id="counter-test"} 5
    foo_created 1520872607.123
    # TYPE hist histogram
    hist_bucket{le="0.5"} 1 # {trace_id="abc",span="x"} 0.3 1520879607.5
    hist_bucket{le="+Inf"} 2 1520879607 # {} 7
    # TYPE gh gaugehistogram
    gh_gbucket{le="+Inf"} 3
    # TYPE build info
    build_info{version="1.0"} 1
    # TYPE state stateset
    state{state="a"} 1
    # TYPE u unknown
    u -0.5e-3
    {"my.utf8.metric","a.b"="c"} 1
    # EOF

    """

    @Test func parsesAFullExposition() throws {
        let parsed = try parseAll(Self.body, .openMetrics)
        #expect(parsed.map(\.entry) == [.type, .unit, .help, .sample, .sample, .sample, .type, .sample, .sample,
                                        .type, .sample, .sample, .type, .sample, .type, .sample, .type, .sample,
                                        .type, .sample, .sample])
        #expect(parsed[1].name == "acme_http_router_request_seconds" && parsed[1].text == "seconds")
        #expect(parsed[2].text == "Latency though all of ACME's \"HTTP\" router.\nSecond line \\ end")
        #expect(parsed.filter { $0.entry == .type }.map(\.text)
            == ["summary", "counter", "histogram", "gaugehistogram", "info", "stateset", "unknown"])
        let s = parsed.filter { $0.entry == .sample }
        #expect(s[0].labels == Labels(["__name__": "acme_http_router_request_seconds_sum", "path": "/api/v1", "method": "GET"]))
        #expect(s[0].value == 9036.32 && s[0].timestamp == nil)
        #expect(s[3].series == "foo_total" && s[3].value == 17 && s[3].timestamp == 1_520_879_607_789)
        #expect(s[4].value == 1_520_872_607.123 && s[4].timestamp == nil)
        #expect(s[5].series == #"hist_bucket{le="0.5"}"# && s[5].value == 1)
        #expect(s[6].timestamp == 1_520_879_607_000 && s[6].value == 2)
        #expect(s[10].value == -0.0005)
        #expect(s[11].labels == Labels(["__name__": "my.utf8.metric", "a.b": "c"]))
    }

    @Test func skipsCreatedSeriesWhenAsked() throws {
        var parser = ExpositionParser(bytes: Array(Self.body.utf8), format: .openMetrics, skipsCreatedSeries: true)
        var names: [String] = []
        while try parser.next() != .eof {
            names.append(String(decoding: parser.metricNameBytes, as: UTF8.self))
        }
        #expect(!names.contains("foo_created"))
        #expect(!names.contains("acme_http_router_request_seconds_created"))
        #expect(names.contains("foo_total"))
    }

    @Test func eofWithoutTrailingNewlineAndTimestamps() throws {
        let parsed = try parseAll("a 1 1.005\nb 2 -1.5\nc 3 0\n# EOF", .openMetrics)
        #expect(parsed.map(\.timestamp) == [1005, -1500, 0])
        #expect(try parseAll("# EOF\n", .openMetrics).isEmpty)
    }

    static let errors: [(String, String)] = [
        ("a 1\n", "line 2: data does not end with # EOF"),
        ("", "line 1: data does not end with # EOF"),
        ("a 1", "line 1: data does not end with # EOF"),
        ("# EOF\na 1\n", "line 2: unexpected data after # EOF"),
        ("# EOF\n\n", "line 2: unexpected data after # EOF"),
        ("a 1\n\nb 2\n# EOF\n", #"line 2: expected a valid start token, got "\n""#),
        ("# free comment\n# EOF\n", ##"line 1: expected a valid start token, got "#""##),
        ("#TYPE a gauge\n# EOF\n", ##"line 1: expected a valid start token, got "#TYPE""##),
        (" a 1\n# EOF\n", #"line 1: expected a valid start token, got " a""#),
        ("a  1\n# EOF\n", #"line 1: expected value after metric, got " ""#),
        ("a{b=\"1\"}\n# EOF\n", #"line 1: expected value after metric, got "\n""#),
        ("a{b=\"1\" } 1\n# EOF\n", #"line 1: expected comma or brace close, got " ""#),
        ("a{b=\"1\" c=\"2\"} 1\n# EOF\n", #"line 1: expected comma or brace close, got " c=\"2\"""#),
        ("a{ b=\"1\"} 1\n# EOF\n", #"line 1: expected label name, got " b=\"1\"""#),
        ("a{b=\"x\ny\"} 1\n# EOF\n", #"line 1: expected label value, got "\"x""#),
        ("a {b=\"1\"} 1\n# EOF\n", #"line 1: invalid value "{b=\"1\"}""#),
        ("a 1 NaN\n# EOF\n", #"line 1: invalid timestamp "NaN""#),
        ("a 1 1 2\n# EOF\n", #"line 1: expected next entry after timestamp, got " 2""#),
        ("a 1 ct@5\n# EOF\n", #"line 1: expected timestamp or new record, got " ct@5""#),
        ("# TYPE a untyped\n# EOF\n", #"line 1: invalid metric type "untyped""#),
        ("# TYPE a\n# EOF\n", #"line 1: expected text in TYPE, got "\n""#),
        ("# HELP a", "line 1: expected text in HELP, got EOF"),
        ("# HELP a x", "line 1: data does not end with # EOF"),
        ("# UNIT a_bytes seconds\n# EOF\n", #"line 1: unit "seconds" not a suffix of metric "a_bytes""#),
        ("# UNIT abytes bytes\n# EOF\n", #"line 1: unit "bytes" not a suffix of metric "abytes""#),
        ("# UNIT bytes bytes\n# EOF\n", #"line 1: unit "bytes" not a suffix of metric "bytes""#),
        ("a_total 1 # {x=\"1\"}\n# EOF\n", #"line 1: expected value after exemplar labels, got "\n""#),
        ("a_total 1 # {x=\"1\"} 1 NaN\n# EOF\n", #"line 1: invalid exemplar timestamp "NaN""#),
        ("a_total 1 # {x=\"1\"} 1 2 3\n# EOF\n", #"line 1: expected next entry after exemplar timestamp, got " 3""#),
        ("a_total 1 # {x=\"1\"} zz\n# EOF\n", #"line 1: invalid value "zz""#),
        ("a_total 1 # {\"x\"} 1\n# EOF\n", #"line 1: expected equal, got "}""#),
        ("a_total 1 # {x=1} 1\n# EOF\n", #"line 1: expected label value, got "1""#),
        ("a_total 1 #{x=\"1\"} 1\n# EOF\n", ##"line 1: invalid timestamp "#{x=\"1\"}""##),
        ("a 1\r\n# EOF\n", #"line 1: invalid value "1\r" (\r\n line endings are not supported)"#),
    ]

    @Test(arguments: errors) func errorMessage(body: String, expected: String) {
        #expect(parseError(body, .openMetrics) == expected)
    }

    @Test func createdSkippingFollowsTheFamilyType() throws {
        let body = """
        # TYPE h histogram
        h_bucket{le="+Inf"} 1
        h_created 1.5
        # TYPE s summary
        s_count 1
        s_created 2.5
        # TYPE g gauge
        g_created 3.5
        # EOF

        """
        var parser = ExpositionParser(bytes: Array(body.utf8), format: .openMetrics, skipsCreatedSeries: true)
        var names: [String] = []
        while case let entry = try parser.next(), entry != .eof {
            if entry == .sample { names.append(String(decoding: parser.metricNameBytes, as: UTF8.self)) }
        }
        #expect(names == ["h_bucket", "s_count", "g_created"])
        #expect(try samples(body, .openMetrics).count == 5)
    }

    @Test func unitMayBeEmpty() throws {
        let parsed = try parseAll("# UNIT a \n# EOF\n", .openMetrics)
        #expect(parsed.first?.entry == .unit && parsed.first?.text == "")
    }
}
