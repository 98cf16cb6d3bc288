import MetricModel
import Testing
@testable import PromQL

/// The queries Ember's dashboards send, parsed to the expected trees.
struct DashboardTests {
    @Test func requestRate() throws {
        let e = try parsePromQL("rate(http_requests_total[5m])")
        #expect(e == .call(Call(function: Function.named("rate")!, args: [
            .matrixSelector(MatrixSelector(selector: vs("http_requests_total"), range: 300_000)),
        ])))
        #expect(e.type == .vector)
        #expect(e.description == "rate(http_requests_total[5m])")
    }

    @Test func errorRatio() throws {
        let q = #"rate(http_requests_total{status_code=~"5.."}[5m]) / rate(http_requests_total[5m])"#
        let e = try parsePromQL(q)
        guard case let .binary(b) = e else { Issue.record("\(e)"); return }
        #expect(b.op == .div)
        #expect(b.matching == VectorMatching())
        #expect(!b.returnBool)
        guard case let .call(lhs) = b.lhs, case let .matrixSelector(m) = lhs.args[0] else { Issue.record("\(b.lhs)"); return }
        #expect(m.selector.matchers == [try LabelMatcher(.regexMatch, "status_code", "5.."), eq("__name__", "http_requests_total")])
        #expect(m.selector.matchers[0].matches("503") && !m.selector.matchers[0].matches("404"))
        #expect(e.description == q)
    }

    @Test func latencyQuantile() throws {
        let e = try parsePromQL("histogram_quantile(0.95, http_request_duration_seconds_bucket)")
        guard case let .call(c) = e else { Issue.record("\(e)"); return }
        #expect(c.function.argTypes == [.scalar, .vector])
        #expect(c.args == [num(0.95), .vectorSelector(vs("http_request_duration_seconds_bucket"))])
        #expect(e.description == "histogram_quantile(0.95, http_request_duration_seconds_bucket)")
    }

    @Test func dailyTokens() throws {
        let e = try parsePromQL("increase(tokens_used_total[24h])")
        #expect(e == .call(Call(function: Function.named("increase")!, args: [
            .matrixSelector(MatrixSelector(selector: vs("tokens_used_total"), range: 86_400_000)),
        ])))
        #expect(e.description == "increase(tokens_used_total[1d])")
    }

    @Test func cacheHitRatio() throws {
        let e = try parsePromQL("cache_hits_total / (cache_hits_total + cache_misses_total)")
        let sum = Expr.binary(BinaryExpr(op: .add, lhs: .vectorSelector(vs("cache_hits_total")),
                                         rhs: .vectorSelector(vs("cache_misses_total")), matching: VectorMatching()))
        #expect(e == .binary(BinaryExpr(op: .div, lhs: .vectorSelector(vs("cache_hits_total")),
                                       rhs: .paren(ParenExpr(expr: sum)), matching: VectorMatching())))
        #expect(e.description == "cache_hits_total / (cache_hits_total + cache_misses_total)")
    }

    /// Grafana replaces `$__rate_interval` with a compound duration such as `1m30s` or `4m15s`.
    @Test(arguments: [("1m30s", 90_000 as Int64), ("4m15s", 255_000), ("2h0m", 7_200_000), ("1h30m", 5_400_000), ("15s", 15_000)])
    func rateIntervalSubstitution(_ interval: String, _ ms: Int64) throws {
        let e = try parsePromQL("sum by (x) (rate(m[\(interval)]))")
        let expected = Expr.aggregate(AggregateExpr(op: .sum, expr: .call(Call(function: Function.named("rate")!, args: [
            .matrixSelector(MatrixSelector(selector: vs("m"), range: ms)),
        ])), grouping: ["x"]))
        #expect(e == expected)
        #expect(e.description == "sum by (x) (rate(m[\(PrometheusDuration.format(ms))]))")
    }

    @Test func topUsersAndTheClassicMistake() throws {
        let good = try parsePromQL("topk(10, sum by (user_id) (increase(credits_used_total[24h])))")
        guard case let .aggregate(a) = good else { Issue.record("\(good)"); return }
        #expect(a.op == .topk && a.param == num(10))
        do {
            _ = try parsePromQL("topk(10, increase(credits_used_total[24h]) by (user_id))")
            Issue.record("should fail")
        } catch {
            #expect(error.description == "1:44: parse error: unexpected <by> in aggregation")
            #expect(error.position == SourceRange(start: 43, end: 45))
            #expect(error.message == "unexpected <by> in aggregation")
        }
    }
}
