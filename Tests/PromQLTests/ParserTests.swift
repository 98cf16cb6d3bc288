import MetricModel
import Testing
@testable import PromQL

func parse(_ q: String) throws -> Expr { try parsePromQL(q) }
func eq(_ name: String, _ value: String) -> LabelMatcher { try! LabelMatcher(.equal, name, value) }
func named(_ name: String, _ extra: [LabelMatcher] = []) -> [LabelMatcher] { extra + [eq("__name__", name)] }
func vs(_ name: String, _ extra: [LabelMatcher] = [], offset: Int64 = 0, at: AtModifier? = nil) -> VectorSelector {
    VectorSelector(name: name, matchers: named(name, extra), offset: offset, at: at)
}
func num(_ v: Double) -> Expr { .number(NumberLiteral(value: v)) }

/// Renders the tree fully parenthesised (without ParenExpr), to test precedence and associativity.
func shape(_ e: Expr) -> String {
    switch e {
    case let .binary(b): return "(\(shape(b.lhs)) \(b.op.rawValue) \(shape(b.rhs)))"
    case let .unary(u): return "(\(u.op.rawValue)\(shape(u.expr)))"
    case let .paren(p): return shape(p.expr)
    default: return e.description
    }
}

struct LiteralTests {
    @Test(arguments: [
        ("1", 1.0), ("1.5", 1.5), (".5", 0.5), ("5.", 5), ("0x1f", 31), ("0X1F", 31), ("1e3", 1000), ("2E-2", 0.02),
        ("010", 8), ("09", 9), ("1_000", 1000), ("Inf", .infinity), ("+inf", .infinity), ("-INF", -.infinity),
        ("-1", -1), ("- 2.5", -2.5), ("+3", 3), ("99999999999999999999", 1e20),
    ])
    func numbers(_ input: String, _ value: Double) throws {
        let e = try parse(input)
        guard case let .number(n) = e else { Issue.record("not a number: \(e)"); return }
        #expect(n.value == value)
        #expect(!n.isDuration)
        #expect(e.type == .scalar)
    }

    @Test func nanInAnyCase() throws {
        for q in ["NaN", "nan", "nAn", "-NaN"] {
            guard case let .number(n) = try parse(q) else { Issue.record("\(q)"); continue }
            #expect(n.value.isNaN)
        }
        #expect(try parse("NaN") == parse("nan"))
    }

    static let durations: [(String, Double, String)] = [
        ("5m", 300.0, "5m"), ("1h30m", 5400.0, "1h30m"), ("1m15s", 75.0, "1m15s"), ("90s", 90.0, "1m30s"),
        ("250ms", 0.25, "250ms"), ("1d", 86400.0, "1d"), ("1w", 604_800.0, "1w"), ("8d", 691_200.0, "8d"),
        ("1y", 31_536_000.0, "1y"), ("2y3w4d5h6m7s8ms", 65_250_367.008, "755d5h6m7s8ms"),
    ]

    @Test(arguments: durations)
    func durationsAsNumbers(_ input: String, _ seconds: Double, _ printed: String) throws {
        let e = try parse(input)
        guard case let .number(n) = e else { Issue.record("not a number: \(e)"); return }
        #expect(abs(n.value - seconds) < 1e-9)
        #expect(n.isDuration)
        #expect(e.description == printed)
    }

    @Test func durationArithmetic() throws {
        let e = try parse("time() - 1h30m")
        guard case let .binary(b) = e else { Issue.record("\(e)"); return }
        #expect(b.op == .sub)
        #expect(b.rhs == .number(NumberLiteral(value: 5400, isDuration: true)))
        #expect(e.type == .scalar)
        #expect(try parse("-5m").description == "-5m")
    }

    @Test(arguments: [
        ("\"abc\"", "abc"), ("'abc'", "abc"), ("`abc`", "abc"),
        ("\"a\\\"b\"", "a\"b"), ("'a\\'b'", "a'b"), ("\"tab\\tnl\\n\"", "tab\tnl\n"), ("\"\\x41\\101\\u00e9\\U0001F600\"", "AAé😀"),
        ("`raw\\n`", "raw\\n"), ("\"\\\\\"", "\\"), ("\"ünï\"", "ünï"), ("'say \"hi\"'", "say \"hi\""),
    ])
    func strings(_ input: String, _ value: String) throws {
        let e = try parse(input)
        #expect(e == .string(StringLiteral(value: value)))
        #expect(e.type == .string)
    }

    @Test func stringsPrintGoQuoted() throws {
        #expect(try parse("'single'").description == "\"single\"")
        #expect(try parse("`a\"b`").description == "\"a\\\"b\"")
        #expect(try parse("\"\\a\\x01\"").description == "\"\\a\\x01\"")
    }
}

struct SelectorTests {
    @Test func plainSelector() throws {
        let e = try parse("http_requests_total")
        #expect(e == .vectorSelector(vs("http_requests_total")))
        guard case let .vectorSelector(v) = e else { return }
        #expect(v.matchers.last == eq("__name__", "http_requests_total"))
        #expect(v.position == SourceRange(start: 0, end: 19))
        #expect(e.type == .vector)
    }

    @Test func matchers() throws {
        let e = try parse(#"http_requests_total{status_code=~"5..", job!="x", env="prod", path!~"/api/.*",}"#)
        let expected = VectorSelector(name: "http_requests_total", matchers: [
            try LabelMatcher(.regexMatch, "status_code", "5.."), try LabelMatcher(.notEqual, "job", "x"),
            eq("env", "prod"), try LabelMatcher(.regexNoMatch, "path", "/api/.*"), eq("__name__", "http_requests_total"),
        ])
        #expect(e == .vectorSelector(expected))
        #expect(e.description == #"http_requests_total{env="prod",job!="x",path!~"/api/.*",status_code=~"5.."}"#)
    }

    @Test func keywordsAsLabelNamesAndMetricNames() throws {
        let e = try parse(#"sum{by="a", on="b", offset="c", bool="d", and="e"}"#)
        guard case let .vectorSelector(v) = e else { Issue.record("\(e)"); return }
        #expect(v.name == "sum")
        #expect(v.matchers.map(\.name) == ["by", "on", "offset", "bool", "and", "__name__"])
        for name in ["offset", "by", "without", "start", "end", "step", "anchored", "and", "min", "fill"] {
            #expect(try parse(name) == .vectorSelector(vs(name)))
        }
        #expect(try parse("foo:bar:rate5m") == .vectorSelector(vs("foo:bar:rate5m")))
    }

    @Test func quotedUTF8Names() throws {
        let e = try parse(#"{"my.metric", "some.label"="x"}"#)
        let expected = VectorSelector(name: nil, matchers: [eq("__name__", "my.metric"), eq("some.label", "x")])
        #expect(e == .vectorSelector(expected))
        #expect(e.description == #"{"some.label"="x",__name__="my.metric"}"#)
        #expect(try parse(e.description) == e)
        #expect(try parse(#"sum by ("some.label", job) ({"my.metric"})"#).description
            == #"sum by ("some.label", job) ({__name__="my.metric"})"#)
    }

    @Test func nameOnlyInsideBraces() throws {
        let e = try parse(#"{__name__=~"up|down", job="x"}"#)
        guard case let .vectorSelector(v) = e else { Issue.record("\(e)"); return }
        #expect(v.name == nil)
        #expect(v.matchers.count == 2)
        #expect(try parse("up{}") == .vectorSelector(vs("up")))
    }

    @Test func offsetsAndAt() throws {
        #expect(try parse("up offset 5m") == .vectorSelector(vs("up", offset: 300_000)))
        #expect(try parse("up offset -1h30m") == .vectorSelector(vs("up", offset: -5_400_000)))
        #expect(try parse("up OFFSET 90") == .vectorSelector(vs("up", offset: 90_000)))
        #expect(try parse("up @ 1609746000") == .vectorSelector(vs("up", at: .timestamp(1_609_746_000_000))))
        #expect(try parse("up @ 1.2345") == .vectorSelector(vs("up", at: .timestamp(1235))))
        #expect(try parse("up @ -5") == .vectorSelector(vs("up", at: .timestamp(-5000))))
        #expect(try parse("up @ start()") == .vectorSelector(vs("up", at: .start)))
        #expect(try parse("up @ END()") == .vectorSelector(vs("up", at: .end)))
        #expect(try parse("up @ 100 offset 1m") == .vectorSelector(vs("up", offset: 60_000, at: .timestamp(100_000))))
        #expect(try parse("up offset 1m @ 100") == parse("up @ 100 offset 1m"))
        #expect(try parse("up offset 1m @ 100").description == "up @ 100.000 offset 1m")
    }

    @Test func matrixSelector() throws {
        let e = try parse("rate(http_requests_total[5m] offset 1w)")
        guard case let .call(c) = e, case let .matrixSelector(m) = c.args[0] else { Issue.record("\(e)"); return }
        #expect(c.function.name == "rate")
        #expect(m.range == 300_000)
        #expect(m.selector == vs("http_requests_total", offset: 604_800_000))
        #expect(c.args[0].type == .matrix)
        #expect(e.type == .vector)
        #expect(try parse("up[1h30m] @ end()") == .matrixSelector(MatrixSelector(selector: vs("up", at: .end), range: 5_400_000)))
        #expect(try parse("up[90]") == .matrixSelector(MatrixSelector(selector: vs("up"), range: 90_000)))
    }

    @Test func subqueries() throws {
        let e = try parse("max_over_time(rate(up[1m])[30m:1m] offset 5m)")
        guard case let .call(c) = e, case let .subquery(s) = c.args[0] else { Issue.record("\(e)"); return }
        #expect(s.range == 1_800_000)
        #expect(s.step == 60_000)
        #expect(s.offset == 300_000)
        #expect(s.expr == .call(Call(function: Function.named("rate")!, args: [.matrixSelector(MatrixSelector(selector: vs("up"), range: 60_000))])))
        let noStep = try parse("up[5m:]")
        #expect(noStep == .subquery(SubqueryExpr(expr: .vectorSelector(vs("up")), range: 300_000)))
        #expect(noStep.type == .matrix)
        #expect(try parse("(a + b)[1h:] @ start()") == .subquery(SubqueryExpr(
            expr: .paren(ParenExpr(expr: .binary(BinaryExpr(op: .add, lhs: .vectorSelector(vs("a")), rhs: .vectorSelector(vs("b")),
                                                            matching: VectorMatching())))),
            range: 3_600_000, at: .start)))
    }

    @Test func durationExpressions() throws {
        guard case let .matrixSelector(m) = try parse("up[5m * 2]") else { Issue.record("not matrix"); return }
        #expect(m.range == 0)
        #expect(m.rangeExpr == .binary(.mul, .number(300, isDuration: true), .number(2, isDuration: false)))
        #expect(m.rangeExpr?.seconds(step: 15, range: 0) == 600)
        guard case let .subquery(s) = try parse("up[step() + 1m:step()]") else { Issue.record("not subquery"); return }
        #expect(s.rangeExpr == .binary(.add, .step, .number(60, isDuration: true)))
        #expect(s.stepExpr == .step)
        guard case let .vectorSelector(v) = try parse("up offset min_of(step(), 1m)") else { Issue.record("not vs"); return }
        #expect(v.offsetExpr == .minOf(.step, .number(60, isDuration: true)))
        #expect(try parse("up[(1h)]").description == "up[(1h)]")
        #expect(try parse("up[2 ^ 3 ^ 2]").description == "up[2 ^ 3 ^ 2]")
        guard case let .matrixSelector(p) = try parse("up[2 ^ 3 ^ 2]") else { return }
        #expect(p.rangeExpr?.seconds(step: 0, range: 0) == 512)
        // `offset` takes one duration term; arithmetic after it applies to the selector.
        guard case let .binary(b) = try parse("up offset 5m * 2") else { Issue.record("not binary"); return }
        #expect(b.lhs == .vectorSelector(vs("up", offset: 300_000)))
        #expect(try parse("up offset -(1m)").description == "up offset -(1m)")
    }

    @Test func extendedRangeSelectors() throws {
        guard case let .matrixSelector(m) = try parse("up[5m] anchored") else { Issue.record("not matrix"); return }
        #expect(m.selector.anchored)
        guard case let .vectorSelector(v) = try parse("up smoothed") else { Issue.record("not vs"); return }
        #expect(v.smoothed)
    }
}

struct OperatorTests {
    @Test(arguments: [
        ("a + b * c", "(a + (b * c))"),
        ("a * b + c", "((a * b) + c)"),
        ("a - b - c", "((a - b) - c)"),
        ("a / b * c % d", "(((a / b) * c) % d)"),
        ("a ^ b ^ c", "(a ^ (b ^ c))"),
        ("a * b ^ c", "(a * (b ^ c))"),
        ("-a ^ b", "(-(a ^ b))"),
        ("-a * b", "((-a) * b)"),
        ("a ^ -b", "(a ^ (-b))"),
        ("a atan2 b + c", "((a atan2 b) + c)"),
        ("a + b > c", "((a + b) > c)"),
        ("a > b and c < d", "((a > b) and (c < d))"),
        ("a and b or c and d", "((a and b) or (c and d))"),
        ("a or b unless c", "(a or (b unless c))"),
        ("a unless b and c", "((a unless b) and c)"),
        ("a == b != c", "((a == b) != c)"),
        ("a + b offset 1m", "(a + b offset 1m)"),
        ("a + b @ 5", "(a + b @ 5.000)"),
        ("-up offset 1m", "(-up offset 1m)"),
        ("1 + 2 * 3 - 4 / 2 ^ 2", "((1 + (2 * 3)) - (4 / (2 ^ 2)))"),
        ("(a + b) * c", "((a + b) * c)"),
        ("- -a", "(-(-a))"),
    ])
    func precedence(_ input: String, _ expected: String) throws {
        #expect(shape(try parse(input)) == expected)
    }

    @Test func unaryMinusFoldsIntoNumbers() throws {
        #expect(try parse("-2 ^ 2") == .unary(UnaryExpr(op: .minus, expr: .binary(BinaryExpr(op: .pow, lhs: num(2), rhs: num(2))))))
        #expect(try parse("-(2)") == .unary(UnaryExpr(op: .minus, expr: .paren(ParenExpr(expr: num(2))))))
        #expect(try parse("1 - -1") == .binary(BinaryExpr(op: .sub, lhs: num(1), rhs: num(-1))))
    }

    @Test func vectorMatching() throws {
        let e = try parse("a * on(job, instance) group_left(env) b")
        guard case let .binary(b) = e else { Issue.record("\(e)"); return }
        #expect(b.matching == VectorMatching(cardinality: .manyToOne, on: true, matchingLabels: ["job", "instance"], include: ["env"]))
        #expect(e.description == "a * on (job, instance) group_left (env) b")
        let r = try parse("a / ignoring(code) group_right b")
        guard case let .binary(rb) = r else { return }
        #expect(rb.matching == VectorMatching(cardinality: .oneToMany, on: false, matchingLabels: ["code"], include: []))
        #expect(r.description == "a / ignoring (code) group_right () b")
        guard case let .binary(s) = try parse("a and b") else { return }
        #expect(s.matching?.cardinality == .manyToMany)
        guard case let .binary(sc) = try parse("a + 1") else { return }
        #expect(sc.matching == nil)
        #expect(try parse("a + on() 1").description == "a + 1")
        guard case let .binary(f) = try parse("a - fill_right(0) b") else { return }
        #expect(f.matching?.fill == FillValues(lhs: nil, rhs: 0))
    }

    @Test func boolModifier() throws {
        let e = try parse("up > bool 0")
        guard case let .binary(b) = e else { Issue.record("\(e)"); return }
        #expect(b.returnBool)
        #expect(b.op == .gtr)
        #expect(e.type == .vector)
        #expect(try parse("1 < bool 2").type == .scalar)
        #expect(try parse("1 + 2").type == .scalar)
    }
}

struct AggregationAndCallTests {
    @Test func groupingBeforeOrAfter() throws {
        let expected = Expr.aggregate(AggregateExpr(op: .sum, expr: .vectorSelector(vs("up")), grouping: ["job", "env"]))
        #expect(try parse("sum by (job, env) (up)") == expected)
        #expect(try parse("sum(up) by (job, env)") == expected)
        #expect(try parse("SUM(up) BY (job, env)") == expected)
        #expect(try parse("sum(up) by (job, env,)") == expected)
        let without = try parse("avg without (instance) (up)")
        #expect(without == .aggregate(AggregateExpr(op: .avg, expr: .vectorSelector(vs("up")), grouping: ["instance"], without: true)))
        #expect(try parse("count(up) by ()") == .aggregate(AggregateExpr(op: .count, expr: .vectorSelector(vs("up")))))
        #expect(try parse("sum by (on, by, offset) (up)").description == "sum by (on, by, offset) (up)")
    }

    @Test func parameters() throws {
        #expect(try parse("topk(5, up)") == .aggregate(AggregateExpr(op: .topk, expr: .vectorSelector(vs("up")), param: num(5))))
        #expect(try parse("bottomk by (job) (3, up)").description == "bottomk by (job) (3, up)")
        #expect(try parse("quantile(0.99, up)") == .aggregate(AggregateExpr(op: .quantile, expr: .vectorSelector(vs("up")), param: num(0.99))))
        #expect(try parse(#"count_values("v", up)"#) == .aggregate(AggregateExpr(op: .countValues, expr: .vectorSelector(vs("up")), param: .string(StringLiteral(value: "v")))))
        #expect(try parse("limitk(2, up)").description == "limitk(2, up)")
        #expect(try parse("limit_ratio(0.5, up)").description == "limit_ratio(0.5, up)")
        #expect(try parse("topk(scalar(x), up)").description == "topk(scalar(x), up)")
        for op in ["sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"] {
            guard case let .aggregate(a) = try parse("\(op)(up)") else { Issue.record("\(op)"); continue }
            #expect(a.op.rawValue == op)
            #expect(a.param == nil)
        }
    }

    @Test func calls() throws {
        let e = try parse("histogram_quantile(0.95, http_request_duration_seconds_bucket)")
        #expect(e == .call(Call(function: Function.named("histogram_quantile")!, args: [num(0.95), .vectorSelector(vs("http_request_duration_seconds_bucket"))])))
        #expect(try parse("time()") == .call(Call(function: Function.named("time")!, args: [])))
        #expect(try parse("time()").type == .scalar)
        #expect(try parse(#"label_replace(up, "a", "$1", "b", "(.*)")"#).type == .vector)
        #expect(try parse("round(up)").description == "round(up)")
        #expect(try parse("round(up, 5)").description == "round(up, 5)")
        #expect(try parse("hour()").description == "hour()")
        #expect(try parse(#"label_join(up, "d", ",", "a", "b", "c")"#).description == #"label_join(up, "d", ",", "a", "b", "c")"#)
        #expect(try parse(#"sort_by_label(up, "a", "b")"#).description == #"sort_by_label(up, "a", "b")"#)
        #expect(try parse(#"info(up, {k8s_cluster_name=~".+"})"#).description == #"info(up, {k8s_cluster_name=~".+"})"#)
        #expect(try parse("step()").type == .scalar)
    }

    @Test func functionTable() {
        #expect(Function.all.count >= 90)
        let rate = Function.named("rate")!
        #expect(rate.argTypes == [.matrix] && rate.returnType == .vector && rate.variadic == 0 && !rate.experimental)
        #expect(Function.named("label_join")!.variadic == -1)
        #expect(Function.named("round")!.variadic == 1)
        #expect(Function.named("mad_over_time")!.experimental)
        #expect(Function.named("Rate") == nil)
        for name in ["abs", "absent", "absent_over_time", "acos", "changes", "clamp", "deriv", "exp", "histogram_avg",
                     "histogram_fraction", "holt_winters", "idelta", "irate", "last_over_time", "predict_linear",
                     "present_over_time", "quantile_over_time", "resets", "sgn", "timestamp", "vector", "year"]
        where name != "holt_winters" {
            #expect(Function.named(name) != nil)
        }
        #expect(Function.named("holt_winters") == nil) // removed in Prometheus 3 (now double_exponential_smoothing)
        #expect(Function.named("double_exponential_smoothing") != nil)
    }
}

struct PositionTests {
    @Test func positionsAreByteOffsets() throws {
        let e = try parse("sum(rate(foo[5m])) + bar")
        guard case let .binary(b) = e, case let .aggregate(a) = b.lhs, case let .call(c) = a.expr else { Issue.record("\(e)"); return }
        #expect(a.position == SourceRange(start: 0, end: 18))
        #expect(c.position == SourceRange(start: 4, end: 17))
        #expect(c.args[0].position == SourceRange(start: 9, end: 16))
        #expect(b.rhs.position == SourceRange(start: 21, end: 24))
        #expect(e.position == SourceRange(start: 0, end: 24))
        // Columns are bytes, as in Prometheus.
        do { _ = try parsePromQL("\"é\" + {}"); Issue.record("parsed") } catch {
            #expect(error.description == "1:8: parse error: vector selector must contain at least one non-empty matcher")
        }
    }

    @Test func commentsAreIgnored() throws {
        #expect(try parse("sum(up) # total\n by (job)") == parse("sum by (job) (up)"))
        #expect(try parse("up{# c\njob=\"a\"}") == parse(#"up{job="a"}"#))
    }
}
