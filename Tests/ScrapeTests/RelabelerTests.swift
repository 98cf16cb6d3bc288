import Config
import MetricModel
import Testing
@testable import Scrape

@Suite struct RelabelerTests {
    func run(_ rules: [RelabelConfig], _ labels: [String: String]) throws -> Labels? {
        try Relabeler(rules).process(Labels(labels))
    }

    @Test func md5MatchesKnownDigests() {
        func hex(_ text: String) -> String { MD5.digest(text.utf8).map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
        #expect(hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(hex("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(hex(String(repeating: "x", count: 200)).count == 32)
    }

    @Test func hashmodUsesPrometheusHash() throws {
        // Values Prometheus computes for these inputs (last 8 bytes of the MD5, big-endian).
        #expect(Relabeler.hashmod("baz", modulus: 1000) == 976)
        #expect(Relabeler.hashmod("foo\nbar", modulus: 1000) == 734)
        let out = try run([RelabelConfig(sourceLabels: ["a", "b"], targetLabel: "shard", modulus: 1000, action: .hashmod)],
                          ["a": "x", "b": "y"])
        #expect(out?["shard"] == String(Relabeler.hashmod("x;y", modulus: 1000)))
    }

    @Test func replaceDefaultsCopyTheJoinedValue() throws {
        let out = try run([RelabelConfig(sourceLabels: ["a", "b"], targetLabel: "c")], ["a": "1", "b": "2"])
        #expect(out == Labels(["a": "1", "b": "2", "c": "1;2"]))
    }

    @Test func replaceExpandsGroupsAndNames() throws {
        let rules = [
            RelabelConfig(sourceLabels: ["addr"], targetLabel: "host", regex: "(?P<host>[^:]+):(\\d+)", replacement: "${host}"),
            RelabelConfig(sourceLabels: ["addr"], targetLabel: "port_$2", regex: "([^:]+):(\\d+)", replacement: "$2!"),
            RelabelConfig(sourceLabels: ["addr"], targetLabel: "literal", regex: "(.*)", replacement: "$$1 and $1x and ${1}x"),
        ]
        let out = try run(rules, ["addr": "web:80"])
        #expect(out?["host"] == "web")
        #expect(out?["port_80"] == "80!")
        #expect(out?["literal"] == "$1 and  and web:80x")
    }

    @Test func replaceWithoutMatchChangesNothingAndEmptyResultDeletes() throws {
        let noMatch = try run([RelabelConfig(sourceLabels: ["a"], targetLabel: "b", regex: "z.*", replacement: "x")], ["a": "abc"])
        #expect(noMatch == Labels(["a": "abc"]))
        let delete = try run([RelabelConfig(sourceLabels: ["a"], targetLabel: "b", regex: "abc", replacement: "")],
                             ["a": "abc", "b": "old"])
        #expect(delete == Labels(["a": "abc"]))
        // Regexes are anchored: a partial match is no match.
        let partial = try run([RelabelConfig(sourceLabels: ["a"], targetLabel: "b", regex: "b", replacement: "x")], ["a": "abc"])
        #expect(partial?["b"] == nil)
        // An expanded target that is not a valid label name is skipped.
        let invalid = try run([RelabelConfig(sourceLabels: ["a"], targetLabel: "$1", regex: "(.*)", replacement: "x")], ["a": ""])
        #expect(invalid == Labels.empty)
    }

    @Test func keepAndDrop() throws {
        let keep = RelabelConfig(sourceLabels: ["env"], regex: "prod|staging", action: .keep)
        #expect(try run([keep], ["env": "prod"]) != nil)
        #expect(try run([keep], ["env": "dev"]) == nil)
        #expect(try run([keep], [:]) == nil)
        let drop = RelabelConfig(sourceLabels: ["__name__"], regex: "go_.*", action: .drop)
        #expect(try run([drop], ["__name__": "go_goroutines"]) == nil)
        #expect(try run([drop], ["__name__": "up"]) != nil)
    }

    @Test func keepEqualAndDropEqual() throws {
        let keepEqual = RelabelConfig(sourceLabels: ["a"], targetLabel: "b", action: .keepequal)
        #expect(try run([keepEqual], ["a": "1", "b": "1"]) != nil)
        #expect(try run([keepEqual], ["a": "1", "b": "2"]) == nil)
        let dropEqual = RelabelConfig(sourceLabels: ["a"], targetLabel: "b", action: .dropequal)
        #expect(try run([dropEqual], ["a": "1", "b": "1"]) == nil)
        #expect(try run([dropEqual], ["a": "1"]) != nil)
    }

    @Test func labelmapLabeldropLabelkeep() throws {
        let map = RelabelConfig(regex: "__meta_kubernetes_pod_label_(.+)", replacement: "k8s_$1", action: .labelmap)
        let mapped = try run([map], ["__meta_kubernetes_pod_label_app": "web", "other": "x"])
        #expect(mapped == Labels(["__meta_kubernetes_pod_label_app": "web", "k8s_app": "web", "other": "x"]))
        let drop = RelabelConfig(regex: "tmp_.*", action: .labeldrop)
        #expect(try run([drop], ["tmp_a": "1", "keep": "2"]) == Labels(["keep": "2"]))
        let keep = RelabelConfig(regex: "__name__|job", action: .labelkeep)
        #expect(try run([keep], ["__name__": "m", "job": "j", "x": "y"]) == Labels(["__name__": "m", "job": "j"]))
    }

    @Test func lowercaseAndUppercase() throws {
        let rules = [
            RelabelConfig(sourceLabels: ["a"], targetLabel: "lower", action: .lowercase),
            RelabelConfig(sourceLabels: ["a"], targetLabel: "upper", action: .uppercase),
        ]
        let out = try run(rules, ["a": "MiXeD"])
        #expect(out?["lower"] == "mixed")
        #expect(out?["upper"] == "MIXED")
    }

    @Test func regexMatchesNewlinesAndCodePoints() throws {
        let rule = RelabelConfig(sourceLabels: ["a"], targetLabel: "b", regex: "x.y", replacement: "hit")
        #expect(try run([rule], ["a": "x\ny"])?["b"] == "hit")
        // "é" written as e + combining accent is two code points; RE2's `.` matches one.
        #expect(try run([rule], ["a": "xe\u{301}y"])?["b"] == nil)
    }

    @Test func rulesRunInOrderAndStopAtADrop() throws {
        let rules = [
            RelabelConfig(sourceLabels: ["a"], targetLabel: "b", replacement: "set"),
            RelabelConfig(sourceLabels: ["b"], regex: "set", action: .drop),
            RelabelConfig(sourceLabels: ["a"], targetLabel: "c"),
        ]
        #expect(try run(rules, ["a": "1"]) == nil)
    }

    @Test func templateFollowsGoRules() {
        let groups = ["whole", "g1"]
        func expand(_ template: String) -> String {
            RegexTemplate.expand(template, group: { $0 < groups.count ? Substring(groups[$0]) : nil },
                                 named: { $0 == "name" ? "N" : nil })
        }
        #expect(expand("$1") == "g1")
        #expect(expand("${1}") == "g1")
        #expect(expand("$0") == "whole")
        #expect(expand("$name-$2-$01") == "N--")
        #expect(expand("a$") == "a$")
        #expect(expand("${1") == "${1")
        #expect(expand("$$$1") == "$g1")
        #expect(expand("x$-y") == "x$-y")
    }
}
