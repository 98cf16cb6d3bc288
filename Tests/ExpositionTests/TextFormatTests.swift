import Exposition
import MetricModel
import Testing

@Suite struct TextFormatTests {
    @Test func sampleWithoutLabels() throws {
        let parsed = try parseAll("up 1\n")
        #expect(parsed == [Parsed(entry: .sample, series: "up", labels: Labels(["__name__": "up"]), value: 1)])
    }

    @Test func labelsAreSortedWithName() throws {
        let parsed = try parseAll(#"http_requests_total{method="post",code="200"} 1027 1395066363000"#)
        #expect(parsed.count == 1)
        #expect(parsed[0].series == #"http_requests_total{method="post",code="200"}"#)
        #expect(parsed[0].labels == Labels(["__name__": "http_requests_total", "method": "post", "code": "200"]))
        #expect(parsed[0].value == 1027)
        #expect(parsed[0].timestamp == 1_395_066_363_000)
    }

    @Test func helpAndTypeAndComments() throws {
        let body = """
        # HELP http_requests_total The total number of HTTP requests.
        # TYPE http_requests_total counter
        # a free comment
        #no space is a comment too
        # HELP esc Back\\\\slash and\\nnewline and \\"kept quote\\"
        # TYPE u untyped
        # HELP empty
        # HELP  two  Leading  blank kept after the first
        #\tTYPE\tg\tgauge
        # TYPE

        """
        let parsed = try parseAll(body)
        #expect(parsed.map(\.entry) == [.help, .type, .comment, .comment, .help, .type, .help, .help, .type, .comment])
        #expect(parsed[0].name == "http_requests_total" && parsed[0].text == "The total number of HTTP requests.")
        #expect(parsed[1].text == "counter")
        #expect(parsed[2].text == "a free comment")
        #expect(parsed[3].text == "no space is a comment too")
        #expect(parsed[4].text == "Back\\slash and\nnewline and \\\"kept quote\\\"")
        #expect(parsed[5].name == "u" && parsed[5].text == "unknown")
        #expect(parsed[6].name == "empty" && parsed[6].text == "")
        #expect(parsed[7].name == "two" && parsed[7].text == " Leading  blank kept after the first")
        #expect(parsed[8].name == "g" && parsed[8].text == "gauge")
        #expect(parsed[9].text == "TYPE")
    }

    @Test func everyTextType() throws {
        let words = ["counter", "gauge", "histogram", "summary", "untyped"]
        let body = words.map { "# TYPE m \($0)\n" }.joined()
        let types = try parseAll(body).map(\.text)
        #expect(types == ["counter", "gauge", "histogram", "summary", "unknown"])
    }

    @Test func labelValueEscapes() throws {
        let parsed = try parseAll(#"m{a="x\\y",b="say \"hi\"",c="one\ntwo",d="tab\tstays"} 1"#)
        #expect(parsed[0].labels["a"] == #"x\y"#)
        #expect(parsed[0].labels["b"] == #"say "hi""#)
        #expect(parsed[0].labels["c"] == "one\ntwo")
        #expect(parsed[0].labels["d"] == #"tab\tstays"#)
    }

    @Test func utf8LabelValues() throws {
        let parsed = try parseAll("m{city=\"Zürich\",emoji=\"🔥\"} 1\n")
        #expect(parsed[0].labels["city"] == "Zürich")
        #expect(parsed[0].labels["emoji"] == "🔥")
    }

    @Test func whitespaceRules() throws {
        let body = "  \t m  {  a = \"1\" , b=\"2\" ,  } \t 3 \t 42 \t\n\t\n   \nn{a=\"1\" b=\"2\"} 4\no{}5\n"
        let all = try samples(body)
        #expect(sameSamples(all, [
            sample(["__name__": "m", "a": "1", "b": "2"], 3, 42),
            sample(["__name__": "n", "a": "1", "b": "2"], 4),
            sample(["__name__": "o"], 5),
        ]))
        let parsed = try parseAll(body)
        #expect(parsed[0].series == "m  {  a = \"1\" , b=\"2\" ,  }")
    }

    @Test func trailingCommaAndEmptyBraces() throws {
        let all = try samples("a{x=\"1\",} 1\nb{} 2\n")
        #expect(sameSamples(all, [sample(["__name__": "a", "x": "1"], 1), sample(["__name__": "b"], 2)]))
    }

    @Test func values() throws {
        let body = """
        a 1.5e3
        b NaN
        c +Inf
        d -Inf
        e -0.000001
        f 1E-3
        g .5
        h 5.
        i inf
        j -infinity
        k 0x10
        l 123456789012345678901234567890
        m 0.30000000000000004
        n 1e-400
        o 4.9e-324
        p 1.7976931348623157e308
        """
        var values = try parseAll(body.replacingOccurrences("k 0x10\n", "")).map(\.value)
        #expect(values.count == 15)
        #expect(values.removeFirst() == 1500)
        #expect(values.removeFirst().isNaN)
        #expect(Array(values.prefix(6)) == [.infinity, -.infinity, -0.000001, 0.001, 0.5, 5])
        values.removeFirst(6)
        #expect(Array(values) == [.infinity, -.infinity, Double("123456789012345678901234567890")!, 0.30000000000000004,
                                  0, .leastNonzeroMagnitude, 1.7976931348623157e308])
        #expect(parseError("k 0x10\n") == #"line 1: invalid value "0x10""#)
    }

    @Test func parsedNaNIsNotTheStaleMarker() throws {
        let value = try parseAll("a NaN\n")[0].value
        #expect(value.isNaN && !value.isStaleMarker)
    }

    @Test func exactFloatsMatchSwiftParsing() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let v = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
            for text in [v.description, String(format17: v)] {
                let got = try parseAll("a \(text)\n")[0].value
                #expect(got == Double(text)!, "\(text)")
            }
        }
    }

    @Test func finalLineWithoutNewline() throws {
        #expect(sameSamples(try samples("a 1\nb 2"), [sample(["__name__": "a"], 1), sample(["__name__": "b"], 2)]))
        #expect(sameSamples(try samples("b 2 17"), [sample(["__name__": "b"], 2, 17)]))
        #expect(try parseAll("# HELP x y").first?.text == "y")
        #expect(try parseAll("").isEmpty)
        #expect(try parseAll("\n\n  \n").isEmpty)
    }

    @Test func quotedUTF8Names() throws {
        let body = """
        # HELP "my.metric" dotted
        # TYPE "my.metric" gauge
        {"my.metric","service.name"="api",le="1"} 3
        {"service.name"="api", "my.metric"} 4
        m{"ünïcode \\"q\\""="v"} 5

        """
        let parsed = try parseAll(body)
        #expect(parsed[0].name == "my.metric" && parsed[0].text == "dotted")
        #expect(parsed[1].name == "my.metric" && parsed[1].text == "gauge")
        #expect(parsed[2].labels == Labels(["__name__": "my.metric", "service.name": "api", "le": "1"]))
        #expect(parsed[2].series == #"{"my.metric","service.name"="api",le="1"}"#)
        #expect(parsed[3].labels == Labels(["__name__": "my.metric", "service.name": "api"]))
        #expect(parsed[4].labels == Labels(["__name__": "m", #"ünïcode "q""#: "v"]))
    }

    @Test func emptyLabelValueIsDropped() throws {
        #expect(try parseAll(#"m{a="",b="1"} 1"#)[0].labels == Labels(["__name__": "m", "b": "1"]))
    }

    @Test func rawNewlineInsideTextLabelValueIsAccepted() throws {
        // Prometheus's text lexer lets a raw newline through inside a quoted label value.
        let parsed = try parseAll("m{a=\"x\ny\"} 1\nn 2\n")
        #expect(parsed[0].labels["a"] == "x\ny")
        #expect(parseError("m{a=\"x\ny\"} 1\nn{ 2\n") == #"line 3: expected label name, got "2""#)
    }

    @Test func seriesBytesIgnoreValueAndTimestamp() throws {
        var parser = ExpositionParser(bytes: Array("m{a=\"1\"} 1 10\nm{a=\"1\"} 2 20\n".utf8), format: .prometheusText)
        _ = try parser.next()
        let first = Array(parser.seriesBytes)
        _ = try parser.next()
        #expect(Array(parser.seriesBytes) == first)
        #expect(parser.value == 2 && parser.timestamp == 20)
        #expect(Array(parser.metricNameBytes) == Array("m".utf8))
        #expect(try parser.next() == .eof)
        #expect(try parser.next() == .eof)
    }

    @Test func contentTypeSelection() {
        #expect(ExpositionFormat(contentType: nil) == .prometheusText)
        #expect(ExpositionFormat(contentType: "text/plain; version=0.0.4; charset=utf-8") == .prometheusText)
        #expect(ExpositionFormat(contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8") == .openMetrics)
        #expect(ExpositionFormat(contentType: "Application/OpenMetrics-Text;version=0.0.1") == .openMetrics)
        #expect(ExpositionFormat(contentType: "application/json") == .prometheusText)
        #expect(ExpositionFormat(contentType: "") == .prometheusText)
        #expect(ExpositionFormat.acceptHeader.hasPrefix("application/openmetrics-text;version=1.0.0"))
        #expect(ExpositionFormat.acceptHeader.hasSuffix("text/plain;version=0.0.4;q=0.2,*/*;q=0.1"))
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }

    /// 17 significant digits in exponent form, a literal that often needs the slow path.
    init(format17 value: Double) {
        let parts = value.magnitude.description.split(separator: "e")
        var mantissa = String(parts[0])
        if !mantissa.contains(".") { mantissa += "." }
        self = mantissa + "00000e" + (parts.count > 1 ? String(parts[1]) : "0")
    }
}

/// A small seeded generator (SplitMix64), so property tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
