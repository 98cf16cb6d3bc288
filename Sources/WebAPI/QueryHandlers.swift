import Hummingbird
import MetricModel
import PromQL

/// `/api/v1/query` and `/api/v1/query_range`: parameters validated in Prometheus's order and with
/// its messages (Prometheus 3's; 2.42 from Debian differs only in capitals and prefixes), then evaluation with warnings and
/// infos attached to the answer.
enum QueryHandlers {
    /// Prometheus refuses range queries of more points than this per series.
    static let maxPointsPerSeries: Int64 = 11_000

    static func instantQuery(_ params: APIParameters, engine: Engine) async -> Response {
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
        return await evaluate(engine, query, start: time, end: time, step: 0, options: options)
    }

    static func rangeQuery(_ params: APIParameters, engine: Engine) async -> Response {
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
        return await evaluate(engine, params["query"] ?? "", start: start, end: end, step: step, options: options)
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
                         options: QueryOptions) async -> Response {
        do {
            let result = try await engine.execute(query, start: start, end: end, step: step, options: options)
            return APIResponse.success(warnings: result.warnings, infos: result.infos) { $0.queryData(result.value) }
        } catch {
            if case let .badData(message) = error {
                return APIResponse.error(.badData("invalid parameter \"query\": \(message)"))
            }
            return APIResponse.error(error)
        }
    }
}
