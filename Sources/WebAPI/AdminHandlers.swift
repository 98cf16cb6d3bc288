import Hummingbird
import MetricModel

/// The TSDB admin endpoints' hooks. Contract: when `enabled` is false (no
/// `--web.enable-admin-api`) every admin call answers Prometheus's `unavailable` error "admin
/// APIs disabled" (HTTP 500, as Prometheus's default for that type) and nothing is called.
/// `deleteSeries` deletes, for each matcher set in order, the matching samples in
/// [start, end]; a thrown error is reported as `internal`.
public struct AdminHooks: Sendable {
    public var enabled = false
    public var deleteSeries: @Sendable (_ matcherSets: [[LabelMatcher]], _ start: Timestamp, _ end: Timestamp) throws -> Void = { _, _, _ in }
    public var cleanTombstones: @Sendable () throws -> Void = {}
    public init() {}
}

/// `/api/v1/admin/tsdb/delete_series` and `/api/v1/admin/tsdb/clean_tombstones` (POST or PUT),
/// answering 204 on success with Prometheus's errors otherwise.
enum AdminHandlers {
    static let disabled = APIError(.unavailable, "admin APIs disabled")

    static func deleteSeries(_ params: APIParameters, hooks: AdminHooks) -> Response {
        guard hooks.enabled else { return APIResponse.error(disabled) }
        do throws(APIError) {
            if params.all("match[]").isEmpty { throw .badData("no match[] parameter provided") }
            let start = try params.time("start", default: APIParameters.minTime)
            let end = try params.time("end", default: APIParameters.maxTime)
            let sets = try params.matcherSets(invalidParameterName: "match[]")
            do {
                try hooks.deleteSeries(sets, start, end)
            } catch {
                throw APIError(.internal, "\(error)")
            }
            return APIResponse.noContent()
        } catch {
            return APIResponse.error(error)
        }
    }

    static func cleanTombstones(hooks: AdminHooks) -> Response {
        guard hooks.enabled else { return APIResponse.error(disabled) }
        do {
            try hooks.cleanTombstones()
        } catch {
            return APIResponse.error(APIError(.internal, "\(error)"))
        }
        return APIResponse.noContent()
    }
}
