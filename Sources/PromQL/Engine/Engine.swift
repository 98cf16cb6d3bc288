import MetricModel
import Storage

/// Server-wide query settings, from the command line.
public struct EngineOptions: Sendable {
    /// `--query.lookback-delta`, milliseconds.
    public var lookbackDelta: Int64 = 5 * 60_000
    /// `--query.timeout`, milliseconds.
    public var timeout: Int64 = 2 * 60_000
    /// `--query.max-samples`.
    public var maxSamples = 50_000_000
    /// `--query.max-concurrency`.
    public var maxConcurrency = 20

    public init(lookbackDelta: Int64 = 5 * 60_000, timeout: Int64 = 2 * 60_000,
                maxSamples: Int = 50_000_000, maxConcurrency: Int = 20) {
        self.lookbackDelta = lookbackDelta
        self.timeout = timeout
        self.maxSamples = maxSamples
        self.maxConcurrency = maxConcurrency
    }
}

/// Per-request overrides (the API's `timeout` and `lookback_delta` parameters).
public struct QueryOptions: Sendable {
    public var timeout: Int64?
    public var lookbackDelta: Int64?
    public init(timeout: Int64? = nil, lookbackDelta: Int64? = nil) {
        self.timeout = timeout
        self.lookbackDelta = lookbackDelta
    }
}

/// Parses and evaluates PromQL over a `Queryable`.
///
/// Contract: a query that does not parse fails with `QueryError.badData` carrying the parser's
/// positioned message; evaluation failures are `QueryError.execution`. Instant vectors come back
/// with the evaluation time as their timestamp, as in Prometheus.
public final class Engine: Sendable {
    public let queryable: any Queryable
    public let options: EngineOptions

    public init(queryable: any Queryable, options: EngineOptions = EngineOptions()) {
        self.queryable = queryable
        self.options = options
    }

    /// Evaluates `text` at one instant.
    public func instantQuery(_ text: String, at time: Timestamp, options overrides: QueryOptions = QueryOptions())
        async throws(QueryError) -> QueryValue {
        let expr: Expr
        do {
            expr = try parsePromQL(text)
        } catch {
            throw .badData(error.description)
        }
        var evaluator = Evaluator(queryable: queryable, start: time, end: time, step: 0,
                                  lookbackDelta: overrides.lookbackDelta ?? self.options.lookbackDelta)
        return try evaluator.evaluateInstant(expr, at: time)
    }
}
