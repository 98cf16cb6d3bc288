import Exposition
import MetricModel
import Testing

@Suite struct TextErrorTests {
    static let cases: [(String, String)] = [
        ("a 1\nb 2\nc{=\"x\"} 3\n", #"line 3: expected label name, got "=\"x\"""#),
        ("a 1\n\n\n\nb{x=\"1\"}\n", #"line 5: expected value after metric, got "\n""#),
        ("b{x=\"1\"}", #"line 1: expected value after metric, got "\n""#),
        ("m{a\"1\"} 1\n", #"line 1: expected equal, got "\"1\"""#),
        ("m{a=1} 1\n", #"line 1: expected label value, got "1""#),
        ("m{a=\"1\" 1\n", #"line 1: expected label name, got "1""#),
        ("m{,} 1\n", #"line 1: expected label name, got ",""#),
        ("m{a=\"1\",,b=\"2\"} 1\n", #"line 1: expected label name, got ",""#),
        ("m{a=\"unterminated} 1\n", #"line 1: expected label value, got "\"unterminated""#),
        ("m abc\n", #"line 1: invalid value "abc""#),
        ("m 1_000\n", #"line 1: invalid value "1_000""#),
        ("m 1e400\n", #"line 1: value "1e400" out of range"#),
        ("m +NaN\n", #"line 1: invalid value "+NaN""#),
        ("m 1 abc\n", #"line 1: expected timestamp or new record, got "abc""#),
        ("m 1 -5\n", #"line 1: expected timestamp or new record, got "-5""#),
        ("m 1 12 13\n", #"line 1: expected next entry after timestamp, got "13""#),
        ("m 1 12x\n", #"line 1: expected next entry after timestamp, got "x""#),
        ("m 1 99999999999999999999\n", #"line 1: timestamp "99999999999999999999" out of range"#),
        ("m 1\r\nn 2\r\n", #"line 1: invalid value "1\r" (\r\n line endings are not supported)"#),
        ("m 1 5\r\n", #"line 1: expected next entry after timestamp, got "\r""#),
        ("  9m 1\n", #"line 1: expected a valid start token, got "9m""#),
        ("-m 1\n", #"line 1: expected a valid start token, got "-m""#),
        ("{a=\"1\"} 1\n", #"line 1: metric name not set while parsing: "{a=\"1\"}""#),
        ("{__name__=\"m\"} 1\n", #"line 1: metric name not set while parsing: "{__name__=\"m\"}""#),
        ("m{\"other\"} 1\n", #"line 1: metric name already set, got "\"other\"""#),
        ("{\"a\",\"b\"} 1\n", #"line 1: metric name already set, got "\"b\"""#),
        ("{\"\"} 1\n", #"line 1: empty metric name """#),
        ("m{\"\"=\"v\"} 1\n", #"line 1: empty label name """#),
        ("# TYPE m gauges\n", #"line 1: invalid metric type "gauges""#),
        ("# TYPE m unknown\n", #"line 1: invalid metric type "unknown""#),
        ("# TYPE m counter \n", #"line 1: invalid metric type "counter ""#),
        ("# TYPE m\n", #"line 1: invalid metric type """#),
        ("# HELP 9m x\n", #"line 1: expected metric name after HELP, got "9m""#),
        ("# TYPE m-x counter\n", #"line 1: expected text in TYPE, got "-x""#),
        ("m{a=\"1\"} 1 2\n\n# TYPE x y\n", #"line 3: invalid metric type "y""#),
    ]

    @Test(arguments: cases) func errorMessage(body: String, expected: String) {
        #expect(parseError(body) == expected)
    }

    @Test func invalidUTF8InLabelValue() {
        var bytes = Array("m 1\nm{a=\"ok\",b=\"".utf8)
        bytes += [0xC3, 0x28]
        bytes += Array("\"} 1\n".utf8)
        var parser = ExpositionParser(bytes: bytes, format: .prometheusText)
        #expect(throws: ExpositionError(line: 2, message: #"invalid UTF-8 label value: "\"\xc3(\"""#)) {
            while try parser.next() != .eof {}
        }
        // The error sticks.
        #expect(throws: ExpositionError(line: 2, message: #"invalid UTF-8 label value: "\"\xc3(\"""#)) {
            _ = try parser.next()
        }
    }

    @Test func invalidUTF8InHelpAndNames() {
        var help = Array("# HELP m bad ".utf8)
        help += [0xFF]
        #expect(throws: ExpositionError(line: 1, message: #"help text "bad \xff" is not a valid utf8 string"#)) {
            var parser = ExpositionParser(bytes: help, format: .prometheusText)
            _ = try parser.next()
        }
        var name = Array("{\"".utf8)
        name += [0xED, 0xA0, 0x80] // an encoded surrogate
        name += Array("\"} 1\n".utf8)
        #expect(throws: ExpositionError(line: 1, message: #"invalid UTF-8 metric name: "\"\xed\xa0\x80\"""#)) {
            var parser = ExpositionParser(bytes: name, format: .prometheusText)
            _ = try parser.next()
        }
    }

    @Test func duplicateLabelNameIsReportedByLabels() throws {
        var parser = ExpositionParser(bytes: Array("ok 1\n\nm{a=\"1\",b=\"2\",a=\"3\"} 1\n".utf8), format: .prometheusText)
        _ = try parser.next()
        #expect(try parser.next() == .sample)
        #expect(throws: ExpositionError(line: 3, message: #"label name "a" is not unique"#)) { _ = try parser.labels() }
        #expect(parseError("m{a=\"\",a=\"x\"} 1\n") == #"line 1: label name "a" is not unique"#)
        #expect(parseError("m{__name__=\"x\"} 1\n") == #"line 1: label name "__name__" is not unique"#)
        #expect(parseError("{\"m\",\"a\"=\"1\",a=\"2\"} 1\n") == #"line 1: label name "a" is not unique"#)
    }

    @Test func descriptionFormat() {
        #expect(ExpositionError(line: 12, message: "boom").description == "line 12: boom")
    }
}
