import Hummingbird
import MetricModel
import PromQL

/// `/api/v1/query` and `/api/v1/query_range`: parameters validated in Prometheus's order and with
/// its messages (Prometheus 3's; 2.42 from Debian differs only in capitals and prefixes), then evaluation with warnings and
/// infos attached to the answer.
///
/// `limit` (checked first, as Prometheus 3 does) keeps the first that many series of a vector or
/// matrix and adds the warning `results truncated due to limit`; 0 or absent is no limit.
/// A non-empty `stats` adds Prometheus's `stats` object to `data`; values other than `true` and
/// `all` still do, with Prometheus's deprecation warning.
enum QueryHandlers {
    /// Prometheus refuses range queries of more points than this per series.
    static let maxPointsPerSeries: Int64 = 11_000

    static func instantQuery(_ params: APIParameters, engine: Engine) async -> Response {
        let limit: Int
        switch parseLimit(params) {
        case let .success(parsed): limit = parsed
        case let .failure(refusal): return refusal.response
        }
        var time = currentTimestamp()
        if let text = params["time"], !text.isEmpty {
            guard let parsed = APIParameters.parseTime(text) else {
                return APIResponse.badData("invalid parameter \"time\": invalid time value for 'time': cannot parse \"\(text)\" to a valid timestamp")
            }
            time = parsed
        }
        let options: QueryOptions
        switch queryOptions(params) {
        case let .success(parsed): options = parsed
        case let .failure(response): return response.response
        }
        let query = params["query"] ?? ""
        return await evaluate(engine, query, start: time, end: time, step: 0, options: options, limit: limit,
                              stats: params["stats"] ?? "")
    }

    static func rangeQuery(_ params: APIParameters, engine: Engine) async -> Response {
        let limit: Int
        switch parseLimit(params) {
        case let .success(parsed): limit = parsed
        case let .failure(refusal): return refusal.response
        }
        guard let start = APIParameters.parseTime(params["start"] ?? "") else {
            return APIResponse.badData("invalid parameter \"start\": cannot parse \"\(params["start"] ?? "")\" to a valid timestamp")
        }
        guard let end = APIParameters.parseTime(params["end"] ?? "") else {
            return APIResponse.badData("invalid parameter \"end\": cannot parse \"\(params["end"] ?? "")\" to a valid timestamp")
        }
        if end < start {
            return APIResponse.badData("invalid parameter \"end\": end timestamp must not be before start time")
        }
        guard let step = APIParameters.parseDuration(params["step"] ?? "") else {
            return APIResponse.badData("invalid parameter \"step\": cannot parse \"\(params["step"] ?? "")\" to a valid duration")
        }
        if step <= 0 {
            return APIResponse.badData("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        if (end - start) / step > maxPointsPerSeries {
            return APIResponse.badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        let options: QueryOptions
        switch queryOptions(params) {
        case let .success(parsed): options = parsed
        case let .failure(response): return response.response
        }
        return await evaluate(engine, params["query"] ?? "", start: start, end: end, step: step, options: options,
                              limit: limit, stats: params["stats"] ?? "")
    }

    /// The `limit` parameter: absent or empty is 0 (no limit); otherwise a non-negative integer,
    /// refused with the message Go's `strconv.Atoi` or Prometheus gives.
    static func parseLimit(_ params: APIParameters) -> Result<Int, Refusal> {
        guard let text = params["limit"], !text.isEmpty else { return .success(0) }
        guard let limit = Int(text) else {
            var digits = Substring(text)
            if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
            let reason = !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? "value out of range" : "invalid syntax"
            return .failure(Refusal(response: APIResponse.badData(
                "invalid parameter \"limit\": strconv.Atoi: parsing \(goQuoted(text)): \(reason)")))
        }
        guard limit >= 0 else {
            return .failure(Refusal(response: APIResponse.badData("invalid parameter \"limit\": limit must be non-negative")))
        }
        return .success(limit)
    }

    /// Go's `%q` of a string, enough for parameter echoes: quotes and backslashes escaped.
    static func goQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Keeps the first `limit` series of a vector or matrix; says whether any were cut.
    static func truncate(_ value: QueryValue, to limit: Int) -> (QueryValue, Bool) {
        switch value {
        case let .vector(elements) where elements.count > limit: return (.vector(Array(elements.prefix(limit))), true)
        case let .matrix(series) where series.count > limit: return (.matrix(Array(series.prefix(limit))), true)
        default: return (value, false)
        }
    }

    /// A ready error response, so parameter parsing can return it through `Result`.
    struct Refusal: Error { let response: Response }

    static func queryOptions(_ params: APIParameters) -> Result<QueryOptions, Refusal> {
        var options = QueryOptions()
        if let text = params["timeout"], !text.isEmpty {
            guard let timeout = APIParameters.parseDuration(text) else {
                return .failure(Refusal(response: APIResponse.badData("invalid parameter \"timeout\": cannot parse \"\(text)\" to a valid duration")))
            }
            options.timeout = timeout
        }
        if let text = params["lookback_delta"], !text.isEmpty {
            guard let delta = APIParameters.parseDuration(text) else {
                return .failure(Refusal(response: APIResponse.badData("error parsing lookback delta duration: cannot parse \"\(text)\" to a valid duration")))
            }
            if delta < 0 {
                return .failure(Refusal(response: APIResponse.badData("error parsing lookback delta duration: negative lookback delta duration")))
            }
            options.lookbackDelta = delta
        }
        return .success(options)
    }

    /// Runs the query. A query that does not parse (or has the wrong type for a range query) is
    /// reported as an invalid `query` parameter, as Prometheus 3 does.
    static func evaluate(_ engine: Engine, _ query: String, start: Timestamp, end: Timestamp, step: Int64,
                         options: QueryOptions, limit: Int = 0, stats: String = "") async -> Response {
        do {
            let result = try await engine.execute(query, start: start, end: end, step: step, options: options)
            var value = result.value
            var warnings = result.warnings
            if limit > 0 {
                let (kept, truncated) = truncate(value, to: limit)
                value = kept
                if truncated { warnings.append("results truncated due to limit") }
            }
            if !stats.isEmpty && stats != "true" && stats != "all" {
                warnings.append("value \(goQuoted(stats)) for parameter \"stats\" is deprecated and will be rejected "
                    + "in the next major release, use \"true\" or \"all\"")
            }
            let queryStats = stats.isEmpty ? nil : result.stats
            return APIResponse.success(warnings: warnings, infos: result.infos) { $0.queryData(value, stats: queryStats) }
        } catch {
            if case let .badData(message) = error {
                return APIResponse.error(.badData("invalid parameter \"query\": \(message)"))
            }
            return APIResponse.error(error)
        }
    }
}
