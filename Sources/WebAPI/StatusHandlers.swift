import Foundation
import Hummingbird
import MetricModel

/// What `/api/v1/status/buildinfo` reports. Contract: `version` is the Prometheus release whose
/// API Ember implements, as semver, because Grafana picks its API features from it; Ember's own
/// version goes in `branch`. There is deliberately no `features` key (Grafana would take the
/// server for Mimir).
public struct BuildInfo: Sendable {
    public var version = "3.14.0"
    public var revision = ""
    public var branch = "ember-" + EmberVersion.string
    public var buildUser = ""
    public var buildDate = ""
    public var goVersion = ""
    public init() {}
}

/// `/api/v1/status/runtimeinfo` with Prometheus's keys and Ember's values (`goroutineCount` is
/// the process's thread count, `GOMAXPROCS` the active processor count).
public struct RuntimeInfo: Sendable {
    public var startTime: Timestamp
    public var cwd: String
    public var hostname: String
    public var reloadConfigSuccess: Bool
    public var lastConfigTime: Timestamp
    public var corruptionCount: Int64 = 0
    public var goroutineCount: Int
    public var gomaxprocs: Int
    public var gomemlimit = Int64.max
    public var gogc = ""
    public var godebug = ""
    public var storageRetention: String

    public init(startTime: Timestamp, cwd: String, hostname: String, reloadConfigSuccess: Bool,
                lastConfigTime: Timestamp, goroutineCount: Int, gomaxprocs: Int, storageRetention: String) {
        self.startTime = startTime
        self.cwd = cwd
        self.hostname = hostname
        self.reloadConfigSuccess = reloadConfigSuccess
        self.lastConfigTime = lastConfigTime
        self.goroutineCount = goroutineCount
        self.gomaxprocs = gomaxprocs
        self.storageRetention = storageRetention
    }
}

/// `/api/v1/status/*`, `/api/v1/rules`, `/api/v1/alerts` and `/api/v1/alertmanagers`.
///
/// Contract: JSON shapes and parameter errors as Prometheus 3.x. Ember evaluates no rules and
/// sends to no Alertmanager, so those lists are empty (`[]`, never null).
enum StatusHandlers {
    static func buildInfo(_ info: BuildInfo) -> Response {
        APIResponse.success { json in
            json.raw("{\"version\":"); json.string(info.version)
            json.raw(",\"revision\":"); json.string(info.revision)
            json.raw(",\"branch\":"); json.string(info.branch)
            json.raw(",\"buildUser\":"); json.string(info.buildUser)
            json.raw(",\"buildDate\":"); json.string(info.buildDate)
            json.raw(",\"goVersion\":"); json.string(info.goVersion)
            json.raw("}")
        }
    }

    static func config(_ yaml: String) -> Response {
        APIResponse.success { json in
            json.raw("{\"yaml\":"); json.string(yaml); json.raw("}")
        }
    }

    static func flags(_ flags: [String: String]) -> Response {
        APIResponse.success { json in
            json.raw("{")
            for (index, name) in flags.keys.sorted().enumerated() {
                if index > 0 { json.raw(",") }
                json.string(name); json.raw(":"); json.string(flags[name]!)
            }
            json.raw("}")
        }
    }

    static func runtimeInfo(_ info: RuntimeInfo) -> Response {
        APIResponse.success { json in
            json.raw("{\"startTime\":"); json.string(goTime(info.startTime))
            json.raw(",\"CWD\":"); json.string(info.cwd)
            json.raw(",\"hostname\":"); json.string(info.hostname)
            json.raw(",\"serverTime\":"); json.string(goTime(currentTimestamp()))
            json.raw(",\"reloadConfigSuccess\":"); json.bool(info.reloadConfigSuccess)
            json.raw(",\"lastConfigTime\":"); json.string(goTime(info.lastConfigTime))
            json.raw(",\"corruptionCount\":"); json.raw(String(info.corruptionCount))
            json.raw(",\"goroutineCount\":"); json.raw(String(info.goroutineCount))
            json.raw(",\"GOMAXPROCS\":"); json.raw(String(info.gomaxprocs))
            json.raw(",\"GOMEMLIMIT\":"); json.raw(String(info.gomemlimit))
            json.raw(",\"GOGC\":"); json.string(info.gogc)
            json.raw(",\"GODEBUG\":"); json.string(info.godebug)
            json.raw(",\"storageRetention\":"); json.string(info.storageRetention)
            json.raw("}")
        }
    }

    static func rules(_ params: APIParameters) -> Response {
        do {
            _ = try params.matcherSets()
            let type = (params["type"] ?? "").lowercased()
            if !type.isEmpty, type != "alert", type != "record" {
                throw APIError.invalidParameter("type", "not supported value \(goQuoted(type))")
            }
            let exclude = (params["exclude_alerts"] ?? "").lowercased()
            if !exclude.isEmpty, !["1", "t", "true", "0", "f", "false"].contains(exclude) {
                throw APIError.invalidParameter("exclude_alerts",
                    "error converting exclude_alerts: strconv.ParseBool: parsing \(goQuoted(exclude)): invalid syntax")
            }
            let groupLimit = params["group_limit"] ?? ""
            let nextToken = params["group_next_token"] ?? ""
            if !nextToken.isEmpty, groupLimit.isEmpty {
                throw APIError.invalidParameter("group_next_token", "group_limit needs to be present in order to paginate over the groups")
            }
            if !groupLimit.isEmpty {
                guard let limit = Int32(groupLimit) else {
                    let syntax = Int(groupLimit) == nil ? "invalid syntax" : "value out of range"
                    throw APIError.invalidParameter("group_limit",
                        "group_limit needs to be a valid number: strconv.ParseInt: parsing \(goQuoted(groupLimit)): \(syntax)")
                }
                if limit <= 0 { throw APIError.invalidParameter("group_limit", "group_limit needs to be greater than 0") }
                // With no rule groups, any page token names a group that does not exist.
                if !nextToken.isEmpty {
                    throw APIError.invalidParameter("group_next_token",
                        "invalid group_next_token '\(nextToken)'. were rule groups changed?")
                }
            }
            return APIResponse.success { $0.raw("{\"groups\":[]}") }
        } catch let error as APIError {
            return APIResponse.error(error)
        } catch {
            return APIResponse.error(APIError(.internal, "\(error)"))
        }
    }

    static func alerts() -> Response {
        APIResponse.success { $0.raw("{\"alerts\":[]}") }
    }

    static func alertmanagers() -> Response {
        APIResponse.success { $0.raw("{\"activeAlertmanagers\":[],\"droppedAlertmanagers\":[]}") }
    }
}
