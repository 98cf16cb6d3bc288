import MetricModel
import Testing
@testable import PromQL

/// Printer: canonical text as Prometheus's `String()` / format_query gives it, and round trips.
struct PrinterTests {
    /// Inputs already in canonical form: printing the parse gives the input back.
    static let canonical: [String] = [
        "up",
        "http_requests_total",
        #"http_requests_total{job="api",method!="GET"}"#,
        #"{__name__=~"job:.*"}"#,
        #"up{instance=~"10\\..*"}"#,
        "rate(http_requests_total[5m])",
        #"rate(http_requests_total{status_code=~"5.."}[5m]) / rate(http_requests_total[5m])"#,
        "histogram_quantile(0.95, http_request_duration_seconds_bucket)",
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
        "increase(tokens_used_total[1d])",
        "cache_hits_total / (cache_hits_total + cache_misses_total)",
        "sum by (x) (rate(m[1h30m]))",
        "sum by (job) (rate(http_requests_total[5m]))",
        "sum without (instance) (up)",
        "count without () (up)",
        "bottomk by (job) (3, up)",
        "quantile(0.9, rate(x[1m]))",
        #"count_values("version", build_info)"#,
        "limitk(5, up)",
        "limit_ratio(0.1, up)",
        "group by (job) (up)",
        "stddev(up)",
        "up offset 5m",
        "up offset -1h",
        "up @ 1609746000.000",
        "up @ start()",
        "up @ end() offset 1m",
        "up[5m] @ 100.000 offset 1w",
        "rate(up[5m])[30m:1m]",
        "max_over_time(rate(up[1m])[1h:])",
        "max_over_time(rate(up[1m])[1h:] @ end() offset 10m)",
        "up[5m * 2]",
        "up[step() + 1m:step()]",
        "up[min_of(5m, step())]",
        "up[max_of(range(), 1m)]",
        "up offset step()",
        "up offset (1m + step())",
        "up[(10m)]",
        "up[5m] anchored",
        "up[5m] smoothed @ 10.000",
        "up anchored",
        "a + b",
        "a - b - c",
        "a - (b - c)",
        "a ^ b ^ c",
        "(a ^ b) ^ c",
        "-a",
        "-(a + b)",
        "+a",
        "1 + 2 * 3",
        "(1 + 2) * 3",
        "-1",
        "2 ^ -1",
        "a > bool 0",
        "a == bool b",
        "a and b",
        "a or b unless c",
        "a and on (job) b",
        "a unless ignoring (instance) b",
        "a * on (job, instance) group_left (env, team) b",
        "a * on (job) group_left () b",
        "a / ignoring (code) group_right () b",
        "a + fill (0) b",
        "a + fill_left (1) fill_right (2) b",
        "a + fill_right (-1) b",
        "a atan2 b",
        "a % 2",
        "time()",
        "vector(1)",
        "scalar(up)",
        #"label_replace(up, "dst", "$1", "src", "(.*)")"#,
        #"label_join(up, "dst", ",", "a", "b")"#,
        "round(up, 0.5)",
        "clamp(up, 0, 1)",
        "absent(nonexistent)",
        "days_in_month()",
        "predict_linear(node_filesystem_free_bytes[1h], 14400)",
        "quantile_over_time(0.5, up[10m])",
        "double_exponential_smoothing(up[10m], 0.5, 0.5)",
        #"info(up, {k8s_cluster_name=~".+"})"#,
        #"sort_by_label(up, "job")"#,
        #""a\nb""#,
        #""tab\there""#,
        "0.000001",
        "NaN",
        "+Inf",
        "-Inf",
        "5m",
        "-5m",
        "time() - 1h",
        #"sum by ("some.label") ({"some.label"="x",__name__="my.metric"})"#,
        "sum by (le) (rate(x_bucket[5m])) > bool 0",
        "sort_desc(sum by (job) (rate(x[5m])))",
        "count(up == 1)",
    ]

    @Test(arguments: canonical)
    func printsCanonicalFormBack(_ input: String) throws {
        let e = try parsePromQL(input)
        #expect(e.description == input)
        #expect(try parsePromQL(e.description) == e)
    }

    /// Inputs in other spellings, with the canonical form Prometheus prints for them.
    static let normalised: [(String, String)] = [
        ("sum(rate(http_requests_total[5m])) by (job)", "sum by (job) (rate(http_requests_total[5m]))"),
        ("SUM BY(job)(up)", "sum by (job) (up)"),
        ("sum by () (up)", "sum(up)"),
        ("sum(up) by (a,b,)", "sum by (a, b) (up)"),
        (#"up{b="1", a="2"}"#, #"up{a="2",b="1"}"#),
        (#"up{job='x'}"#, #"up{job="x"}"#),
        ("up{job=`a\\b`}", #"up{job="a\\b"}"#),
        ("up{}", "up"),
        (#"{__name__="up"}"#, #"{__name__="up"}"#),
        (#"{"up"}"#, #"{__name__="up"}"#),
        ("up offset 90s", "up offset 1m30s"),
        ("up offset 0s", "up"),
        ("up[60m]", "up[1h]"),
        ("up[8d]", "up[8d]"),
        ("up[14d]", "up[2w]"),
        ("up[365d]", "up[1y]"),
        ("up[300]", "up[5m]"),
        ("up[1.5]", "up[1s500ms]"),
        ("up @ 10", "up @ 10.000"),
        ("up @ 1.0005", "up @ 1.001"),
        ("up @ 5m", "up @ 300.000"),
        ("up offset 1m @ 10", "up @ 10.000 offset 1m"),
        ("rate(up[5m:1m] offset 1m)", "rate(up[5m:1m] offset 1m)"),
        ("a*b", "a * b"),
        ("a+on(job)b", "a + on (job) b"),
        ("a > BOOL b", "a > bool b"),
        ("a + on() 1", "a + 1"),
        ("a and b", "a and b"),
        ("0x1F", "31"),
        ("1e3", "1000"),
        ("010", "8"),
        ("1_000", "1000"),
        ("inf", "+Inf"),
        ("- 3", "-3"),
        ("- - 3", "3"),
        ("'str'", #""str""#),
        ("`raw\\n`", #""raw\\n""#),
        ("a + fill(NaN) b", "a + fill_left (NaN) fill_right (NaN) b"),
        ("a + fill_left(3) fill_right(3) b", "a + fill (3) b"),
        ("a + fill(1e6) b", "a + fill (1e+06) b"),
        ("up[ 5m ]", "up[5m]"),
        ("up[((5m))]", "up[(5m)]"),
        ("up[-(1m) + 2m]", "up[-(1m) + 2m]"),
        ("up[2*3m]", "up[2 * 3m]"),
        ("up offset -step()", "up offset -step()"),
        ("up offset MIN_OF(step(),1m)", "up offset min_of(step(), 1m)"),
        ("sum(x) # comment", "sum(x)"),
        ("time() - 1d", "time() - 1d"),
        ("up[1h30m:]", "up[1h30m:]"),
        ("increase(tokens_used_total[24h])", "increase(tokens_used_total[1d])"),
        ("topk(10, sum by (user_id) (increase(credits_used_total[24h])))", "topk(10, sum by (user_id) (increase(credits_used_total[1d])))"),
        ("a + ignoring () b", "a + b"),
        ("1e21", "1000000000000000000000"),
        ("a + fill(123456) b", "a + fill (123456) b"),
        ("a + fill(0.00001) b", "a + fill (1e-05) b"),
    ]

    @Test(arguments: normalised)
    func printsCanonicalForm(_ input: String, _ expected: String) throws {
        let e = try parsePromQL(input)
        #expect(e.description == expected)
        let again = try parsePromQL(e.description)
        #expect(again == e)
        #expect(again.description == expected)
    }

    @Test func durationFormatting() {
        #expect(PrometheusDuration.format(0) == "0s")
        #expect(PrometheusDuration.format(1) == "1ms")
        #expect(PrometheusDuration.format(90_000) == "1m30s")
        #expect(PrometheusDuration.format(86_400_000 * 8) == "8d")
        #expect(PrometheusDuration.format(86_400_000 * 14) == "2w")
        #expect(PrometheusDuration.format(86_400_000 * 90) == "90d")
        #expect(PrometheusDuration.format(86_400_000 * 730) == "2y")
        #expect(PrometheusDuration.format(-3_600_000) == "-1h")
    }
}
