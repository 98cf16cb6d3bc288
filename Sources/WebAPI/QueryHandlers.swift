import Hummingbird
import MetricModel
import PromQL

/// `/api/v1/query`: parameter validation with Prometheus's messages, then evaluation.
enum QueryHandlers {
    static func instantQuery(_ params: APIParameters, engine: Engine) async -> Response {
        guard let query = params["query"], !query.isEmpty else {
            return APIResponse.badData("invalid parameter \"query\": query must not be empty")
        }
        var time = currentTimestamp()
        if let text = params["time"], !text.isEmpty {
            guard let parsed = APIParameters.parseTime(text) else {
                return APIResponse.badData("invalid parameter \"time\": cannot parse \"\(text)\" to a valid timestamp")
            }
            time = parsed
        }
        var options = QueryOptions()
        if let text = params["timeout"], !text.isEmpty {
            guard let timeout = APIParameters.parseDuration(text) else {
                return APIResponse.badData("invalid parameter \"timeout\": cannot parse \"\(text)\" to a valid duration")
            }
            options.timeout = timeout
        }
        if let text = params["lookback_delta"], !text.isEmpty {
            guard let delta = APIParameters.parseDuration(text) else {
                return APIResponse.badData("error parsing lookback delta duration: cannot parse \"\(text)\" to a valid duration")
            }
            if delta < 0 { return APIResponse.badData("error parsing lookback delta duration: negative lookback delta duration") }
            options.lookbackDelta = delta
        }
        do {
            let value = try await engine.instantQuery(query, at: time, options: options)
            return APIResponse.success { $0.queryData(value) }
        } catch {
            return APIResponse.error(error)
        }
    }
}
