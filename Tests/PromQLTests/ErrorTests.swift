import Testing
@testable import PromQL

/// Error texts and positions, each the first error Prometheus 3.x reports for the input.
struct ErrorTests {
    struct Case: CustomStringConvertible, Sendable {
        let input: String
        let expected: String
        let start: Int?
        init(_ input: String, _ expected: String, start: Int? = nil) {
            self.input = input
            self.expected = expected
            self.start = start
        }
        var description: String { input }
    }

    static let cases: [Case] = [
        // The motivating dashboard mistake: a grouping clause inside the aggregation's argument list.
        Case("topk(10, increase(credits_used_total[24h]) by (user_id))", "1:44: parse error: unexpected <by> in aggregation", start: 43),
        Case("sum(rate(foo[5m] by (x)))", "1:18: parse error: unexpected <by> in aggregation"),
        Case("rate(foo[5m] by (x))", "1:14: parse error: unexpected <by>"),
        Case("avg(bar) without (a) by (b)", "1:22: parse error: unexpected <by>"),
        Case("max without (a) (bar) without (b)", "1:23: parse error: unexpected <without>"),
        Case("sum by (x) foo", "1:12: parse error: unexpected identifier \"foo\" in aggregation"),
        Case("sum(x) by foo", "1:11: parse error: unexpected identifier \"foo\" in grouping opts, expected \"(\""),
        Case("sum bar by (job)", "1:5: parse error: unexpected identifier \"bar\""),
        Case("sum by (a b) (c)", "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""),
        Case("sum by (1) (c)", "1:9: parse error: unexpected number \"1\" in grouping opts, expected label"),
        Case("count without(,)(up)", "1:15: parse error: unexpected \",\" in grouping opts, expected label"),
        Case("sum by (without) (x)", "1:9: parse error: unexpected <without> in grouping opts, expected label"),
        Case("sum by (\"\") (c)", "1:9: parse error: invalid label name for grouping: \"\""),
        // Empty input and stray tokens.
        Case("", "unknown position: parse error: no expression found in input", start: 0),
        Case("  # only a comment\n", "1:1: parse error: no expression found in input"),
        Case("up +", "1:5: parse error: unexpected end of input", start: 4),
        Case("/ up", "1:1: parse error: unexpected <op:/>"),
        Case("up == == down", "1:7: parse error: unexpected <op:==>"),
        Case("1 2", "1:3: parse error: unexpected number \"2\""),
        Case("up ,", "1:4: parse error: unexpected \",\""),
        Case("up{a=\"b\"}{c=\"d\"}", "1:10: parse error: unexpected \"{\""),
        Case("up @@", "1:5: parse error: unexpected <op:@> in @, expected timestamp"),
        Case("-=", "1:2: parse error: unexpected \"=\""),
        // Lexical errors.
        Case("up !", "1:4: parse error: unexpected character after '!': '\u{FFFD}'"),
        Case("up =~ 1", "1:4: parse error: unexpected character after '=': '~'"),
        Case("up $", "1:4: parse error: unexpected character: '$'"),
        Case("sum(up", "1:7: parse error: unclosed left parenthesis"),
        Case("sum(up))", "1:9: parse error: unexpected right parenthesis ')'"),
        Case("up]", "1:3: parse error: unexpected right bracket ']'"),
        Case("up[5m", "1:6: parse error: unclosed left bracket"),
        Case("up{job=\"a\"", "1:11: parse error: unexpected end of input inside braces"),
        Case("up{job=\"a", "1:8: parse error: unterminated quoted string"),
        Case("`abc", "1:1: parse error: unterminated raw string"),
        Case("\"\\q\"", "1:1: parse error: unknown escape sequence U+0071 'q'"),
        Case("\"\\xZZ\"", "1:1: parse error: illegal character U+005A 'Z' in escape sequence"),
        Case("\"\\uD800\"", "1:1: parse error: escape sequence is an invalid Unicode code point"),
        Case("up{a:b=\"c\"}", "1:5: parse error: unexpected character inside braces: ':'"),
        Case("up{a>\"c\"}", "1:5: parse error: unexpected character inside braces: '>'"),
        Case("3.4.5", "1:1: parse error: bad number or duration syntax: \"3.4.\""),
        Case("12abc", "1:1: parse error: bad number or duration syntax: \"12\""),
        Case("up[7x]", "1:4: parse error: bad number or duration syntax: \"7\""),
        Case("up[2h2]", "1:4: parse error: bad number or duration syntax: \"2h2\""),
        Case("up[5s y 5s]", "1:7: parse error: unexpected character: 'y', expected ':'"),
        Case("up[\"5m\"]", "1:4: parse error: unexpected character in duration expression: '\"'"),
        Case("up{a=\"b\"}[", "1:11: parse error: unexpected end of input in duration expression"),
        // Durations.
        Case("up[30m1h]", "1:4: parse error: not a valid duration string: \"30m1h\""),
        Case("up[1d1d]", "1:4: parse error: not a valid duration string: \"1d1d\""),
        Case("up[3y1hs]", "1:4: parse error: unknown unit \"hs\" in duration \"3y1hs\""),
        Case("up[0s]", "1:4: parse error: duration must be greater than 0"),
        Case("up[-5m]", "1:4: parse error: duration must be greater than 0"),
        Case("up[5m:0s]", "1:7: parse error: duration must be greater than 0"),
        Case("up[]", "1:4: parse error: unexpected \"]\" in subquery or range selector, expected number, duration, step(), or range()"),
        Case("up[5m 5m]", "1:7: parse error: unexpected duration \"5m\" in subquery or range, expected \":\" or \"]\""),
        Case("up[5m:5m 1m]", "1:10: parse error: unexpected duration \"1m\" in subquery selector, expected \"]\""),
        Case("up[10s/0]", "1:7: parse error: division by zero"),
        Case("up[10s%0s]", "1:7: parse error: modulo by zero"),
        Case("up offset 1e11", "1:11: parse error: duration out of range"),
        // Modifiers.
        Case("up offset", "1:10: parse error: unexpected end of input in offset, expected number, duration, step(), or range()"),
        Case("up offset bar", "1:11: parse error: unexpected identifier \"bar\" in offset, expected number, duration, step(), or range()"),
        Case("up @", "1:5: parse error: unexpected end of input in @, expected timestamp"),
        Case("up @ bar", "1:6: parse error: unexpected identifier \"bar\" in @, expected timestamp"),
        Case("2 offset 1m", "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery"),
        Case("sum(up) @ 100", "1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery"),
        Case("up offset 1m offset 2m", "1:1: parse error: offset may not be set multiple times"),
        Case("up @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times"),
        Case("up @ start() @ end()", "1:1: parse error: @ <timestamp> may not be set multiple times"),
        Case("up @ Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"),
        Case("up @ -Inf", "1:1: parse error: timestamp out of bounds for @ modifier: -Inf"),
        Case("up offset 5m [10m]", "1:14: parse error: no offset modifiers allowed before range"),
        Case("up @ 10 [10m]", "1:9: parse error: no @ modifiers allowed before range"),
        Case("up @ end()[1m]", "1:11: parse error: no @ modifiers allowed before range"),
        Case("(up)[5m]", "1:5: parse error: ranges only allowed for vector selectors"),
        Case("up[5m][5m]", "1:7: parse error: ranges only allowed for vector selectors"),
        Case("up[5m:1m][1h]", "1:10: parse error: ranges only allowed for vector selectors"),
        Case("up[5m] offset 1m[1h]", "1:17: parse error: ranges only allowed for vector selectors"),
        Case("rate(up[1m])[5m] offset 1m", "1:13: parse error: ranges only allowed for vector selectors"),
        Case("up[5m:1m] anchored", "1:1: parse error: anchored modifier is not supported for subqueries"),
        Case("up anchored smoothed", "1:1: parse error: anchored and smoothed modifiers cannot be used together"),
        Case("2[5m] anchored", "1:2: parse error: ranges only allowed for vector selectors"),
        // Selectors.
        Case("{}", "1:1: parse error: vector selector must contain at least one non-empty matcher", start: 0),
        Case("{job=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"),
        Case("{job=~\".*\", env!=\"prod\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"),
        Case("up{__name__=\"down\"}", "1:1: parse error: metric name must not be set twice: \"up\" or \"down\""),
        Case("up{job=prod}", "1:8: parse error: unexpected identifier \"prod\" in label matching, expected string"),
        Case("up{job}", "1:7: parse error: unexpected \"}\" in label matching, expected label matching operator"),
        Case("up{,}", "1:4: parse error: unexpected \",\" in label matching, expected identifier or \"}\""),
        Case("up{job=\"a\",,}", "1:12: parse error: unexpected \",\" in label matching, expected identifier or \"}\""),
        Case("up{job=\"a\" env=\"b\"}", "1:12: parse error: unexpected identifier \"env\" in label matching, expected \",\" or \"}\""),
        Case("up{\"job\"=}", "1:10: parse error: unexpected \"}\" in label matching, expected string"),
        Case("up{job=~\"(\"}", "1:4: parse error: invalid regular expression \"(\": cannot compile"),
        Case("up{1}", "1:4: parse error: unexpected character inside braces: '1'"),
        // Types.
        Case("rate(http_requests_total)", "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector", start: 5),
        Case("abs(up[5m])", "1:5: parse error: expected type instant vector in call to function \"abs\", got range vector"),
        Case("vector(\"a\")", "1:8: parse error: expected type scalar in call to function \"vector\", got string"),
        Case("histogram_quantile(up, 0.9)", "1:20: parse error: expected type scalar in call to function \"histogram_quantile\", got instant vector"),
        Case("abs()", "1:1: parse error: expected 1 argument(s) in call to \"abs\", got 0"),
        Case("abs(up, down)", "1:1: parse error: expected 1 argument(s) in call to \"abs\", got 2"),
        Case("pi(up)", "1:1: parse error: expected 0 argument(s) in call to \"pi\", got 1"),
        Case("label_join(up, \"a\")", "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 2"),
        Case("round(up, 1, 2)", "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"),
        Case("month(up, up)", "1:1: parse error: expected at most 1 argument(s) in call to \"month\", got 2"),
        Case("nope(up)", "1:1: parse error: unknown function with name \"nope\""),
        Case("Rate(up[5m])", "1:1: parse error: unknown function with name \"Rate\""),
        Case("up > nope()", "1:6: parse error: unknown function with name \"nope\""),
        Case("abs(up,)", "1:7: parse error: trailing commas not allowed in function call args"),
        Case("sum()", "1:1: parse error: no arguments for aggregate expression provided"),
        Case("sum(up, down)", "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2"),
        Case("topk(up)", "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1"),
        Case("topk(up, down)", "1:6: parse error: expected type scalar in aggregation parameter, got instant vector"),
        Case("quantile(\"a\", up)", "1:10: parse error: expected type scalar in aggregation parameter, got string"),
        Case("count_values(1, up)", "1:14: parse error: expected type string in aggregation parameter, got scalar"),
        Case("sum(up[5m])", "1:5: parse error: expected type instant vector in aggregation expression, got range vector"),
        Case("-\"a\"", "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"string\""),
        Case("-up[5m]", "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\""),
        Case("\"a\" + 1", "1:1: parse error: binary expression must contain only scalar and instant vector types"),
        Case("up + \"a\"", "1:6: parse error: binary expression must contain only scalar and instant vector types"),
        Case("up[5m] * 2", "1:1: parse error: binary expression must contain only scalar and instant vector types"),
        Case("1 == 2", "1:3: parse error: comparisons between scalars must use BOOL modifier"),
        Case("up + bool down", "1:4: parse error: bool modifier can only be used on comparison operators"),
        Case("up and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"),
        Case("1 or up", "1:1: parse error: set operator \"or\" not allowed in binary scalar expression"),
        Case("1 unless 2", "1:1: parse error: set operator \"unless\" not allowed in binary scalar expression"),
        Case("up == on(job) 1", "1:1: parse error: vector matching only allowed between instant vectors"),
        Case("up and on(job) group_left(env) down", "1:1: parse error: no grouping allowed for \"and\" operation"),
        Case("up * on(job) group_left(job) down", "1:4: parse error: label \"job\" must not occur in ON and GROUP clause at once"),
        Case("up + group_left(job) down", "1:6: parse error: unexpected <group_left>"),
        Case("up - on(a) ignoring(b) down", "1:12: parse error: unexpected <ignoring>"),
        Case("up + fill(1) 2", "1:1: parse error: filling in missing series only allowed between instant vectors"),
        Case("up or fill(1) down", "1:1: parse error: filling in missing series not allowed for set operators"),
        Case("up[5m:1m][10m:1m]", "1:1: parse error: subquery is only allowed on instant vector, got matrix instead"),
        Case("info(up, down)", "1:10: parse error: expected label selectors only, got vector selector instead"),
        Case("info(up, {a=\"b\"} == 1)", "1:10: parse error: expected label selectors only"),
        // Position on a later line.
        Case("sum(\n  rate(up[5m])\n) by (job) by (x)", "3:12: parse error: unexpected <by>"),
    ]

    @Test(arguments: cases)
    func errorMessageAndPosition(_ c: Case) {
        do {
            let e = try parsePromQL(c.input)
            Issue.record("expected an error, parsed \(e)")
        } catch {
            #expect(error.description == c.expected)
            if let start = c.start { #expect(error.position.start == start) }
            #expect(error.query == c.input)
        }
    }

    @Test func experimentalFeaturesAreGatedByOptions() {
        let off = PromQLParseOptions.prometheusDefaults
        func message(_ q: String) -> String {
            do { _ = try parsePromQL(q, options: off); return "parsed" } catch { return error.description }
        }
        #expect(message("mad_over_time(up[5m])") == "1:1: parse error: function \"mad_over_time\" is not enabled")
        #expect(message("limitk(2, up)") == "1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions")
        #expect(message("up[5m] anchored") == "1:1: parse error: anchored modifier is experimental and not enabled")
        #expect(message("up[1m + 1m]").hasSuffix("parse error: experimental duration expression is not enabled"))
        #expect(message("up + fill(0) down").hasSuffix("parse error: binop fill modifiers are experimental and not enabled"))
        #expect(message("rate(up[5m])") == "parsed")
    }
}
