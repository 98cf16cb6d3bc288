import Hummingbird
import HummingbirdCore
import NIOCore
import PromQL
import WebAPI

/// Which requests are answered on the connection's event loop instead of a task on the global
/// pool: the ones whose work the request itself bounds to about a millisecond.
///
/// Contract: `/-/ready` and `/-/healthy`, and PromQL queries (`…/api/v1/query`,
/// `…/api/v1/query_range`, by GET or form POST) without a subquery or a computed range, whose
/// windows are at most `maxWindow`, whose span is at most `maxSpan`, and whose estimated work,
/// `series × (steps + (span + window) / 15 s)`, is within `budget`, where `series` is the head's
/// series plus the largest block's. Everything else, and anything it cannot read, is answered on
/// the pool. Answering on the loop saves the two thread hand-offs of a request (0.1–0.25 ms here);
/// the bounds keep the loop's other connections and scrape loops from waiting long.
struct SmallRequestPolicy: Sendable {
    static let budget = 1_000_000
    static let maxWindow: Int64 = 3_600_000
    static let maxSpan: Int64 = 6 * 3_600_000
    /// How many series a query could touch at one time.
    let seriesEstimate: @Sendable () -> Int

    func answersOnLoop(_ head: HTTPRequest, body: ByteBuffer) -> Bool {
        guard let path = head.path?.split(separator: "?", maxSplits: 1).first else { return false }
        if head.method == .get && (path.hasSuffix("/-/ready") || path.hasSuffix("/-/healthy")) { return true }
        let range = path.hasSuffix("/api/v1/query_range")
        guard range || path.hasSuffix("/api/v1/query") else { return false }
        var parameters: [String: String] = [:]
        for (key, value) in URI(String(head.path ?? "")).queryParameters { parameters[String(key)] = String(value) }
        if head.method == .post {
            guard head.headerFields[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else { return false }
            let form = String(decoding: body.readableBytesView, as: UTF8.self)
            for (key, value) in URI("/?" + form).queryParameters { parameters[String(key)] = String(value) }
        } else if head.method != .get {
            return false
        }
        guard let query = parameters["query"], let expr = try? parsePromQL(query),
              let window = Self.largestWindow(expr), window <= Self.maxWindow else { return false }
        var steps: Int64 = 1
        var span: Int64 = 0
        if range {
            guard let start = parameters["start"].flatMap(APIParameters.parseTime),
                  let end = parameters["end"].flatMap(APIParameters.parseTime),
                  let step = parameters["step"].flatMap(APIParameters.parseDuration), step > 0, end >= start else { return false }
            span = Int64(end) - Int64(start)
            guard span <= Self.maxSpan else { return false }
            steps = span / step + 1
        }
        let perSeries = steps + (span + window) / 15_000
        return Int64(seriesEstimate()) * perSeries <= Int64(Self.budget)
    }

    /// The largest window any selector of `expr` reads (a plain selector reads the 5 m lookback);
    /// nil when it has a subquery or a range computed from the query's step or range.
    static func largestWindow(_ expr: Expr) -> Int64? {
        var largest: Int64 = 300_000
        var pending = [expr]
        while let next = pending.popLast() {
            switch next {
            case .subquery: return nil
            case let .matrixSelector(m):
                if m.rangeExpr != nil { return nil }
                largest = max(largest, m.range)
            default: pending.append(contentsOf: next.children)
            }
        }
        return largest
    }
}
