import Hummingbird
import MetricModel
import PromQL

/// `/api/v1/query_exemplars`, `/api/v1/format_query` and `/api/v1/parse_query`.
///
/// Contract: Ember stores no exemplars, so a valid exemplar query answers `[]` (and 204 when the
/// query has no selector, as Prometheus does); times default to Prometheus's min/max and may be
/// anything that parses (Grafana sends milliseconds). `format_query` answers the canonical text
/// of the query; `parse_query` its syntax tree in the JSON shape of Prometheus's `translateAST`.
enum QueryToolHandlers {
    static func exemplars(_ params: APIParameters) -> Response {
        do {
            let start = try params.time("start", default: APIParameters.minTime)
            let end = try params.time("end", default: APIParameters.maxTime)
            if end < start { throw APIError.badData("end timestamp must not be before start timestamp") }
            let expr: Expr
            do { expr = try parsePromQL(params["query"] ?? "") } catch { throw APIError.badData(error.description) }
            guard containsSelector(expr) else { return APIResponse.noContent() }
            return APIResponse.success { $0.raw("[]") }
        } catch let error as APIError {
            return APIResponse.error(error)
        } catch {
            return APIResponse.error(APIError(.internal, "\(error)"))
        }
    }

    static func formatQuery(_ params: APIParameters) -> Response {
        do {
            let expr = try parsePromQL(params["query"] ?? "")
            return APIResponse.success { $0.string(Prettifier.pretty(expr)) }
        } catch {
            return APIResponse.error(APIError.invalidParameter("query", error.description))
        }
    }

    static func parseQuery(_ params: APIParameters) -> Response {
        do {
            let expr = try parsePromQL(params["query"] ?? "")
            return APIResponse.success { ASTJSON.write(expr, &$0) }
        } catch {
            return APIResponse.error(APIError.invalidParameter("query", error.description))
        }
    }

    static func containsSelector(_ expr: Expr) -> Bool {
        switch expr {
        case .vectorSelector, .matrixSelector: return true
        default: return expr.children.contains(where: containsSelector)
        }
    }
}
