import Testing
@testable import MetricModel

@Suite struct LabelsTests {
    @Test func sortsDeduplicatesAndDropsEmptyValues() {
        let labels = Labels([Label("b", "2"), Label("a", "1"), Label("c", ""), Label("b", "3")])
        #expect(labels.map(\.name) == ["a", "b"])
        #expect(labels["b"] == "3")
        #expect(labels["c"] == nil)
        #expect(labels["zzz"] == nil)
    }

    @Test func descriptionIsPrometheusText() {
        let labels = Labels(["__name__": "up", "job": "api", "instance": "a:1"])
        #expect(labels.description == #"up{instance="a:1", job="api"}"#)
        #expect(Labels(["a": "x\"y\\z\nw"]).description == #"{a="x\"y\\z\nw"}"#)
        #expect(Labels(["__name__": "up"]).description == "up")
        #expect(Labels.empty.description == "{}")
        #expect(Labels(["__name__": "my.metric"]).description == #"{__name__="my.metric"}"#)
    }

    @Test func orderingIsPairwiseThenLength() {
        let a = Labels(["a": "1"]), ab = Labels(["a": "1", "b": "1"]), a2 = Labels(["a": "2"])
        #expect(a < ab)
        #expect(ab < a2)
        #expect(!(a2 < a))
        #expect(Labels(["a": "1"]) < Labels(["b": "0"]))
    }

    @Test func settingAndRemoving() {
        let labels = Labels(["__name__": "m", "job": "j"])
        #expect(labels.setting("job", to: "k")["job"] == "k")
        #expect(labels.setting("job", to: "")["job"] == nil)
        #expect(labels.withoutMetricName == Labels(["job": "j"]))
    }

    @Test func legacyNameCharsets() {
        #expect(isValidLegacyMetricName("http_requests_total"))
        #expect(isValidLegacyMetricName("ns:rule:rate5m"))
        #expect(!isValidLegacyMetricName("1abc"))
        #expect(!isValidLegacyMetricName(""))
        #expect(isValidLegacyLabelName("_x1"))
        #expect(!isValidLegacyLabelName("a:b"))
    }

    @Test func staleMarkerIsDistinctFromNaN() {
        #expect(Double.staleMarker.isNaN)
        #expect(Double.staleMarker.isStaleMarker)
        #expect(!Double.nan.isStaleMarker)
    }
}

@Suite struct LabelMatcherTests {
    @Test func fourKinds() throws {
        let labels = Labels(["job": "api", "code": "500"])
        #expect(try LabelMatcher(.equal, "job", "api").matches(labels))
        #expect(try !LabelMatcher(.notEqual, "job", "api").matches(labels))
        #expect(try LabelMatcher(.regexMatch, "code", "5..").matches(labels))
        #expect(try !LabelMatcher(.regexMatch, "code", "5").matches(labels), "regexes are anchored")
        #expect(try LabelMatcher(.regexNoMatch, "code", "2..").matches(labels))
    }

    @Test func absentLabelMatchesAsEmpty() throws {
        let labels = Labels(["job": "api"])
        #expect(try LabelMatcher(.equal, "env", "").matches(labels))
        #expect(try !LabelMatcher(.notEqual, "env", "").matches(labels))
        #expect(try LabelMatcher(.regexMatch, "env", ".*").matches(labels))
        #expect(try !LabelMatcher(.regexMatch, "env", ".+").matches(labels))
    }

    @Test func alternationFastPathAgreesWithRegex() throws {
        let fast = try LabelMatcher(.regexMatch, "x", "a|bb|ccc")
        let general = try LabelMatcher(.regexMatch, "x", "(a|bb|ccc)")
        for value in ["a", "bb", "ccc", "", "ab", "bbb", "c"] {
            #expect(fast.matches(value) == general.matches(value), "\(value)")
        }
    }

    @Test func badRegexIsAnError() {
        #expect(throws: LabelMatcher.Error.badRegex(pattern: "(", reason: "cannot compile")) {
            try LabelMatcher(.regexMatch, "x", "(")
        }
    }
}
