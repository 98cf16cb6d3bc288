import MetricModel
import PromQL
import Testing

/// `parseMetricSelector`: the API's `match[]` grammar (a lone vector selector) and Prometheus's
/// messages for everything else.
@Suite struct MetricSelectorTests {
    @Test func selectorsGiveTheirMatchersWithTheNameLast() throws {
        let matchers = try parseMetricSelector(#"up{job="api",instance=~"a.*"}"#)
        #expect(matchers == [try LabelMatcher(.equal, "job", "api"), try LabelMatcher(.regexMatch, "instance", "a.*"),
                             try LabelMatcher(.equal, "__name__", "up")])
        #expect(try parseMetricSelector("{__name__=~\"x.*\"}") == [try LabelMatcher(.regexMatch, "__name__", "x.*")])
        #expect(try parseMetricSelector("sum") == [try LabelMatcher(.equal, "__name__", "sum")])
        #expect(try parseMetricSelector(#"{"a.b"}"#) == [try LabelMatcher(.equal, "__name__", "a.b")])
        // No non-empty-matcher check here: the API makes its own.
        #expect(try parseMetricSelector(#"{job=""}"#) == [try LabelMatcher(.equal, "job", "")])
    }

    @Test func anythingButASelectorFailsLikePrometheus() {
        let cases: [(String, String)] = [
            ("up + 1", "1:4: parse error: unexpected <op:+>"),
            ("rate(up[5m])", #"1:5: parse error: unexpected "(""#),
            ("sum(up)", #"1:4: parse error: unexpected "(""#),
            ("up offset 5m", "1:4: parse error: unexpected <offset>"),
            ("up[5m]", #"1:3: parse error: unexpected "[""#),
            ("1", #"1:1: parse error: unexpected number "1""#),
            ("", "unknown position: parse error: unexpected end of input"),
            ("up{", #"1:4: parse error: unexpected end of input inside braces"#),
            (#"up{job}"#, #"1:7: parse error: unexpected "}" in label matching, expected label matching operator"#),
        ]
        for (input, message) in cases {
            #expect(throws: (any Error).self, "\(input)") { try parseMetricSelector(input) }
            do {
                _ = try parseMetricSelector(input)
            } catch {
                #expect(error.description == message, "\(input)")
            }
        }
    }
}
