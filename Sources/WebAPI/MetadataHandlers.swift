import Hummingbird
import MetricModel
import PromQL
import Scrape

/// `/api/v1/metadata` and `/api/v1/targets/metadata` over a `MetadataStore`, in Prometheus's
/// shapes.
///
/// Contract: `/metadata` is `{"<metric>":[{"type":..,"help":..,"unit":..}],...}` with metrics in
/// name order and each distinct metadata once; `limit` caps the number of metrics (Prometheus:
/// a negative or absent limit means all, 0 means none) and `limit_per_metric` the entries per
/// metric; `metric` selects one. `/targets/metadata` lists `{"target":{..},"metric":..,...}`
/// per target and family (without `"metric"` when `metric` was given), filtered by
/// `match_target`; `limit` stops adding targets once that many entries exist.
enum MetadataHandlers {
    static func metadata(_ params: APIParameters, store: MetadataStore) -> Response {
        var limit = -1, perMetric = -1
        if let text = params["limit"], !text.isEmpty {
            guard let value = Int(text) else { return APIResponse.badData("limit must be a number") }
            limit = value
        }
        if let text = params["limit_per_metric"], !text.isEmpty {
            guard let value = Int(text) else { return APIResponse.badData("limit_per_metric must be a number") }
            perMetric = value
        }
        let metric = params["metric"] ?? ""
        var byMetric: [String: [MetricMetadata]] = [:]
        for target in store.snapshot() {
            for (name, metadata) in target.families where metric.isEmpty || name == metric {
                var entries = byMetric[name, default: []]
                if perMetric > 0, entries.count >= perMetric { continue }
                if !entries.contains(metadata) { entries.append(metadata) }
                byMetric[name] = entries
            }
        }
        var names = byMetric.keys.sorted()
        if limit >= 0 { names = Array(names.prefix(limit)) }
        return APIResponse.success { json in
            json.raw("{")
            for (index, name) in names.enumerated() {
                if index > 0 { json.raw(",") }
                json.string(name)
                json.raw(":[")
                for (i, metadata) in byMetric[name]!.enumerated() {
                    if i > 0 { json.raw(",") }
                    write(metadata, family: nil, &json)
                }
                json.raw("]")
            }
            json.raw("}")
        }
    }

    static func targetMetadata(_ params: APIParameters, store: MetadataStore) -> Response {
        var limit = -1
        if let text = params["limit"], !text.isEmpty {
            guard let value = Int(text) else { return APIResponse.badData("limit must be a number") }
            limit = value
        }
        var matchers: [LabelMatcher]?
        if let text = params["match_target"], !text.isEmpty {
            do { matchers = try parseMetricSelector(text) } catch {
                return APIResponse.error(APIError.invalidParameter("match_target", error.description))
            }
        }
        let metric = params["metric"] ?? ""
        var entries: [(Labels, String?, MetricMetadata)] = []
        for target in store.snapshot() {
            if limit >= 0, entries.count >= limit { break }
            let labels = Labels(target.target.filter { !$0.name.hasPrefix("__") })
            if let matchers, !matchers.allSatisfy({ $0.matches(labels) }) { continue }
            for (name, metadata) in target.families where metric.isEmpty || name == metric {
                entries.append((labels, metric.isEmpty ? name : nil, metadata))
            }
        }
        return APIResponse.success { json in
            json.raw("[")
            for (index, (labels, family, metadata)) in entries.enumerated() {
                if index > 0 { json.raw(",") }
                json.raw("{\"target\":")
                json.labels(labels)
                json.raw(",")
                write(metadata, family: family, &json, open: false)
            }
            json.raw("]")
        }
    }

    /// `{"metric":..,"type":..,"help":..,"unit":..}` (the metric only when given).
    static func write(_ metadata: MetricMetadata, family: String?, _ json: inout JSONWriter, open: Bool = true) {
        if open { json.raw("{") }
        if let family {
            json.raw("\"metric\":")
            json.string(family)
            json.raw(",")
        }
        json.raw("\"type\":")
        json.string(metadata.type.rawValue)
        json.raw(",\"help\":")
        json.string(metadata.help)
        json.raw(",\"unit\":")
        json.string(metadata.unit)
        json.raw("}")
    }
}
