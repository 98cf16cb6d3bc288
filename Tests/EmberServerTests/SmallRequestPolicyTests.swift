import Foundation
import Hummingbird
import NIOCore
import Testing
@testable import EmberServer

/// Which requests are answered on the connection's event loop: bounded PromQL queries and the
/// health checks; everything else, and anything unreadable, on the pool.
@Suite struct SmallRequestPolicyTests {
    func policy(series: Int) -> SmallRequestPolicy { SmallRequestPolicy(seriesEstimate: { series }) }

    func get(_ path: String) -> HTTPRequest { HTTPRequest(method: .get, scheme: nil, authority: nil, path: path) }

    func range(_ query: String, start: Int = 0, end: Int = 3600, step: String = "15") -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = query.addingPercentEncoding(withAllowedCharacters: allowed)!
        return "/api/v1/query_range?query=\(encoded)&start=\(start)&end=\(end)&step=\(step)"
    }

    @Test func aPanelOverAnHourOfAThousandSeriesIsSmall() {
        // 1,000 × (241 steps + (1 h + 5 m) / 15 s) = 501,000 ≤ 1,000,000.
        let panel = range("sum by (code) (rate(http_requests_total[5m]))")
        #expect(policy(series: 1_000).answersOnLoop(get(panel), body: ByteBuffer()))
        #expect(!policy(series: 2_000).answersOnLoop(get(panel), body: ByteBuffer()))
        #expect(policy(series: 1_000).answersOnLoop(get("/prefix" + panel), body: ByteBuffer()))
    }

    @Test func instantQueriesCountTheirWindow() {
        #expect(policy(series: 10_000).answersOnLoop(get("/api/v1/query?query=up"), body: ByteBuffer()))
        // 10,000 × (1 + 1 h / 15 s) = 2,410,000.
        #expect(!policy(series: 10_000).answersOnLoop(get("/api/v1/query?query=max_over_time(up%5B1h%5D)"), body: ByteBuffer()))
    }

    @Test func subqueriesLongWindowsAndLongSpansGoToThePool() {
        let small = policy(series: 10)
        #expect(!small.answersOnLoop(get(range("max_over_time(rate(x[5m])[30m:1m])")), body: ByteBuffer()))
        #expect(!small.answersOnLoop(get(range("rate(x[2h])")), body: ByteBuffer()))
        #expect(small.answersOnLoop(get(range("rate(x[1h])")), body: ByteBuffer()))
        #expect(!small.answersOnLoop(get(range("up", end: 7 * 3600, step: "60")), body: ByteBuffer()))
    }

    @Test func unreadableRequestsGoToThePool() {
        let small = policy(series: 10)
        #expect(!small.answersOnLoop(get(range("sum(")), body: ByteBuffer()))
        #expect(!small.answersOnLoop(get("/api/v1/query_range?query=up&start=0&end=60"), body: ByteBuffer()))
        #expect(!small.answersOnLoop(get(range("up", step: "0")), body: ByteBuffer()))
        #expect(!small.answersOnLoop(get(range("up", start: 60, end: 0)), body: ByteBuffer()))
        #expect(!small.answersOnLoop(get("/api/v1/series?match[]=up"), body: ByteBuffer()))
        #expect(!small.answersOnLoop(get("/api/v1/labels"), body: ByteBuffer()))
        #expect(small.answersOnLoop(get("/-/ready"), body: ByteBuffer()))
        #expect(small.answersOnLoop(get("/-/healthy"), body: ByteBuffer()))
    }

    @Test func formPostsAreReadFromTheBody() {
        var request = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/api/v1/query_range")
        let form = String(range("rate(x[5m])").split(separator: "?")[1])
        #expect(!policy(series: 10).answersOnLoop(request, body: ByteBuffer(string: form)))
        request.headerFields[.contentType] = "application/x-www-form-urlencoded"
        #expect(policy(series: 10).answersOnLoop(request, body: ByteBuffer(string: form)))
        #expect(!policy(series: 10).answersOnLoop(request, body: ByteBuffer(string: "query=rate(x%5B2h%5D)&start=0&end=60&step=15")))
    }
}
