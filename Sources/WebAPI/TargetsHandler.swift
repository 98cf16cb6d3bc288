import Hummingbird
import MetricModel
import Scrape

/// `/api/v1/targets`: the active targets with Prometheus's field names.
enum TargetsHandler {
    static func respond(_ statuses: [TargetStatus], state: String?) -> Response {
        let wantActive = state == nil || state == "" || state == "active" || state == "any"
        return APIResponse.success { json in
            json.raw("{\"activeTargets\":[")
            if wantActive {
                for (index, status) in statuses.enumerated() {
                    if index > 0 { json.raw(",") }
                    write(status, &json)
                }
            }
            json.raw("],\"droppedTargets\":[],\"droppedTargetCounts\":{}}")
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
