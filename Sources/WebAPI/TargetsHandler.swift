import Hummingbird
import MetricModel
import Scrape

/// `/api/v1/targets`: active and dropped targets with Prometheus's field names.
///
/// Contract: `state` is `active`, `dropped` or `any` (the default, also for an empty or unknown
/// value, as in Prometheus); `scrapePool`, when given, keeps only that pool's targets. Dropped
/// targets show `discoveredLabels` and `scrapePool`; `droppedTargetCounts` counts the dropped
/// targets listed per pool.
enum TargetsHandler {
    static func respond(_ statuses: [TargetStatus], state: String?, scrapePool: String? = nil) -> Response {
        APIResponse.success { json in writeData(statuses, state: state, scrapePool: scrapePool, &json) }
    }

    /// The `data` object of the response.
    static func writeData(_ statuses: [TargetStatus], state: String?, scrapePool: String?, _ json: inout JSONWriter) {
        let wantActive = state != "dropped"
        let wantDropped = state != "active"
        let selected = statuses.filter { scrapePool == nil || scrapePool == "" || $0.target.job == scrapePool }
        let active = selected.filter { $0.state == .active }
        let dropped = selected.filter { $0.state == .dropped }
        do {
            json.raw("{\"activeTargets\":[")
            if wantActive {
                for (index, status) in active.enumerated() {
                    if index > 0 { json.raw(",") }
                    write(status, &json)
                }
            }
            json.raw("],\"droppedTargets\":[")
            if wantDropped {
                for (index, status) in dropped.enumerated() {
                    if index > 0 { json.raw(",") }
                    json.raw("{\"discoveredLabels\":"); json.labels(status.target.discoveredLabels)
                    json.raw(",\"scrapePool\":"); json.string(status.target.job)
                    json.raw("}")
                }
            }
            json.raw("],\"droppedTargetCounts\":{")
            if wantDropped {
                var pools: [String] = []
                var counts: [String: Int] = [:]
                for status in dropped {
                    if counts[status.target.job] == nil { pools.append(status.target.job) }
                    counts[status.target.job, default: 0] += 1
                }
                for (index, pool) in pools.enumerated() {
                    if index > 0 { json.raw(",") }
                    json.string(pool)
                    json.raw(":\(counts[pool]!)")
                }
            }
            json.raw("}}")
        }
    }

    static func write(_ status: TargetStatus, _ json: inout JSONWriter) {
        let target = status.target
        json.raw("{\"discoveredLabels\":"); json.labels(target.discoveredLabels)
        json.raw(",\"labels\":"); json.labels(target.labels)
        json.raw(",\"scrapePool\":"); json.string(target.job)
        json.raw(",\"scrapeUrl\":"); json.string(target.url)
        json.raw(",\"globalUrl\":"); json.string(target.url)
        json.raw(",\"lastError\":"); json.string(status.lastError)
        json.raw(",\"lastScrape\":"); json.string(status.lastScrape.map(rfc3339) ?? "0001-01-01T00:00:00Z")
        json.raw(",\"lastScrapeDuration\":"); json.raw(PrometheusNumber.format(status.lastScrapeDuration))
        json.raw(",\"health\":"); json.string(status.health.rawValue)
        json.raw(",\"scrapeInterval\":"); json.string(PrometheusDuration.format(target.interval))
        json.raw(",\"scrapeTimeout\":"); json.string(PrometheusDuration.format(target.timeout))
        json.raw("}")
    }
}
