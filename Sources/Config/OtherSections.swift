import Foundation
import MetricModel
import Yams

/// Loose validation of the sections Ember keeps raw: every key is checked against the keys
/// Prometheus knows, values against their types, and Prometheus's main consistency rules are
/// applied, so that a file Prometheus refuses is refused here too in the common cases.
extension Walker {
    static let reservedHeaders: Set<String> = [
        "host", "content-encoding", "content-length", "content-type", "user-agent", "connection", "keep-alive",
        "proxy-authenticate", "proxy-authorization", "www-authenticate", "accept-encoding",
        "x-prometheus-remote-write-version", "x-prometheus-remote-read-version",
        "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
    ]

    func headers(_ m: MapReader, tracing: Bool = false) {
        for entry in m.stringMap("headers") ?? [] {
            let lower = entry.key.lowercased()
            if lower == "authorization" {
                error(entry.node, tracing ? "custom authorization header configuration is not yet supported"
                    : "authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter")
            } else if Walker.reservedHeaders.contains(lower) {
                error(entry.node, "\(entry.key) is a reserved header. It must not be changed")
            }
        }
    }

    func requiredURL(_ m: MapReader, section: String) {
        let v = m.value("url")
        guard let v, let s = scalar(v, field: "url"), !s.isEmpty else {
            error(v ?? m.node, "url for \(section) is empty")
            return
        }
        if URLCheck.parse(s) == nil { error(v, "url: invalid URL \(quoteLabelValue(s))") }
    }

    func alerting(_ node: Node, scheme: NameValidationScheme) {
        guard let m = mapping(node, section: "alerting") else { return }
        if let v = m.value("alert_relabel_configs") { _ = relabelConfigs(v, field: "alert_relabel_configs", scheme: scheme,
                                                                                     nullMessage: "empty or null alert relabeling rule") }
        for item in m.sequence("alertmanagers") ?? [] {
            guard let a = mapping(item, section: "alertmanager_config") else { continue }
            _ = a.string("scheme"); _ = a.string("path_prefix"); _ = a.duration("timeout")
            if let v = a.value("api_version"), let s = scalar(v, field: "api_version"), s != "v2" {
                error(v, "expected Alertmanager api version to be one of [v2] but got \(s)")
            }
            let client = httpClientConfig(a)
            var relabeled = false
            if let v = a.value("relabel_configs") {
                relabeled = true
                _ = relabelConfigs(v, field: "relabel_configs", scheme: scheme,
                                   nullMessage: "empty or null Alertmanager target relabeling rule")
            }
            if let v = a.value("alert_relabel_configs") {
                _ = relabelConfigs(v, field: "alert_relabel_configs", scheme: scheme,
                                   nullMessage: "empty or null Alertmanager alert relabeling rule")
            }
            if let v = a.value("sigv4") {
                _ = mapping(v, section: "sigv4")
                if client.basicAuth != nil || client.authorization != nil || client.oauth2 != nil {
                    error(v, "at most one of basic_auth, authorization, oauth2, & sigv4 must be configured")
                }
            }
            var discovery = ScrapeConfig(jobName: "")
            serviceDiscovery(a, into: &discovery, checkTargets: !relabeled)
            a.finish()
        }
        m.finish()
    }

    func remoteWrite(_ node: Node, scheme: NameValidationScheme) {
        guard let items = sequence(node, field: "remote_write") else { return }
        var names: Set<String> = []
        for item in items {
            if Walker.isNull(item) { error(item, "empty or null remote write config section"); continue }
            guard let m = mapping(item, section: "remote_write") else { continue }
            requiredURL(m, section: "remote_write")
            _ = m.duration("remote_timeout")
            headers(m)
            if let v = m.value("write_relabel_configs") { _ = relabelConfigs(v, field: "write_relabel_configs", scheme: scheme,
                                                                                     nullMessage: "empty or null relabeling rule in remote write config") }
            if let v = m.value("name"), let name = scalar(v, field: "name"), !name.isEmpty, !names.insert(name).inserted {
                error(v, "found multiple remote write configs with job name \(quoteLabelValue(name))")
            }
            _ = m.bool("send_exemplars"); _ = m.bool("send_native_histograms"); _ = m.bool("round_robin_dns")
            _ = m.bool("failed_request_logging")
            if let v = m.value("protobuf_message"), let s = scalar(v, field: "protobuf_message"),
               !["", "prometheus.WriteRequest", "io.prometheus.write.v2.Request"].contains(s) {
                error(v, "invalid protobuf_message value: unknown type for remote write protobuf message \(s), supported: prometheus.WriteRequest, io.prometheus.write.v2.Request")
            }
            var defaults = HTTPClientConfig()
            defaults.enableHTTP2 = false
            let client = httpClientConfig(m, defaults: defaults)
            if let q = m.map("queue_config", section: "queue_config") {
                let capacity = q.int("capacity") ?? 10000, maxShards = q.int("max_shards") ?? 50
                let minShards = q.int("min_shards") ?? 1, maxSamples = q.int("max_samples_per_send") ?? 2000
                _ = q.duration("batch_send_deadline"); _ = q.bool("retry_on_http_429"); _ = q.duration("sample_age_limit")
                let minBackoff = q.duration("min_backoff") ?? 30, maxBackoff = q.duration("max_backoff") ?? 5000
                let problem: String? =
                    maxShards <= 0 ? "remote write queue max_shards must be positive"
                    : minShards <= 0 ? "remote write queue min_shards must be positive"
                    : minShards > maxShards ? "remote write queue min_shards must not be greater than max_shards"
                    : maxSamples <= 0 ? "remote write queue max_samples_per_send must be positive"
                    : capacity <= 0 ? "remote write queue capacity must be positive"
                    : maxBackoff < minBackoff ? "remote write queue max_backoff must not be less than min_backoff" : nil
                if let problem { error(q.node, problem) }
                q.finish()
            }
            if let md = m.map("metadata_config", section: "metadata_config") {
                _ = md.bool("send"); _ = md.duration("send_interval"); _ = md.int("max_samples_per_send")
                md.finish()
            }
            var auth: [String] = []
            if client.basicAuth != nil { auth.append("basic_auth") }
            if client.authorization != nil || !client.bearerToken.isEmpty || !client.bearerTokenFile.isEmpty { auth.append("authorization") }
            if client.oauth2 != nil { auth.append("oauth2") }
            for key in ["sigv4", "azuread", "google_iam"] {
                if let v = m.value(key) {
                    _ = mapping(v, section: key)
                    auth.append(key)
                }
            }
            if auth.count > 1 {
                error(item, "at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [\(auth.joined(separator: " "))]")
            }
            m.finish()
        }
    }

    func remoteRead(_ node: Node) {
        guard let items = sequence(node, field: "remote_read") else { return }
        var names: Set<String> = []
        for item in items {
            if Walker.isNull(item) { error(item, "empty or null remote read config section"); continue }
            guard let m = mapping(item, section: "remote_read") else { continue }
            requiredURL(m, section: "remote_read")
            _ = m.duration("remote_timeout"); _ = m.nonNegativeInt("chunked_read_limit")
            headers(m)
            _ = m.bool("read_recent"); _ = m.bool("filter_external_labels")
            if let v = m.value("name"), let name = scalar(v, field: "name"), !name.isEmpty, !names.insert(name).inserted {
                error(v, "found multiple remote read configs with job name \(quoteLabelValue(name))")
            }
            for entry in m.stringMap("required_matchers") ?? [] where entry.key.isEmpty {
                error(entry.node, "\"\" is not a valid label name")
            }
            _ = httpClientConfig(m)
            m.finish()
        }
    }

    func storage(_ node: Node) {
        guard let m = mapping(node, section: "storage") else { return }
        if let t = m.map("tsdb", section: "tsdb") {
            _ = t.duration("out_of_order_time_window")
            _ = t.double("stale_series_compaction_threshold")
            if let c = t.map("chunk_encoding", section: "chunk_encoding") {
                if let v = c.value("floats"), let f = scalar(v, field: "floats"), !["", "xor", "xor2"].contains(f) {
                    error(v, "'storage.tsdb.chunk_encoding.floats' must be 'xor' or 'xor2', or the field must be omitted entirely, got \(quoteLabelValue(f))")
                }
                c.finish()
            }
            if let r = t.map("retention", section: "retention") {
                _ = r.duration("time")
                if let size = r.size("size"), size < 0 {
                    error(r.value("size"), "'storage.tsdb.retention.size' must be greater than or equal to 0, got \(size)")
                }
                if let p = r.double("percentage"), p < 0 || p > 100 {
                    error(r.value("percentage"), "'storage.tsdb.retention.percentage' must be in the range [0, 100], got \(p == p.rounded() ? String(Int(p)) : String(p))")
                }
                r.finish()
            }
            t.finish()
        }
        if let e = m.map("exemplars", section: "exemplars") {
            _ = e.int("max_exemplars")
            e.finish()
        }
        m.finish()
    }

    func tracing(_ node: Node) {
        guard let m = mapping(node, section: "tracing") else { return }
        if let v = m.value("client_type"), let s = scalar(v, field: "client_type"), s != "http", s != "grpc" {
            error(v, "expected tracing client type to be to be http or grpc, but got \(s)")
        }
        _ = m.double("sampling_fraction"); _ = m.bool("insecure"); _ = m.duration("timeout")
        if let t = m.value("tls_config") { _ = tlsConfig(t) }
        headers(m, tracing: true)
        if (m.string("endpoint") ?? "").isEmpty { error(node, "tracing endpoint must be set") }
        if let v = m.value("compression"), let s = scalar(v, field: "compression"), !s.isEmpty, s != "gzip" {
            error(v, "invalid compression type \(s) provided, valid options: gzip")
        }
        m.finish()
    }

    func otlp(_ node: Node, scheme: NameValidationScheme) {
        guard let m = mapping(node, section: "otlp") else { return }
        let promoteAll = m.bool("promote_all_resource_attributes") ?? false
        let promote = m.stringList("promote_resource_attributes") ?? []
        let ignore = m.stringList("ignore_resource_attributes") ?? []
        for key in ["keep_identifying_resource_attributes", "convert_histograms_to_nhcb", "promote_scope_metadata",
                    "label_name_underscore_sanitization", "label_name_preserve_multiple_underscores"] {
            _ = m.bool(key)
        }
        if let v = m.value("translation_strategy"), let s = scalar(v, field: "translation_strategy") {
            switch s {
            case "", "UnderscoreEscapingWithSuffixes", "UnderscoreEscapingWithoutSuffixes": break
            case "NoTranslation", "NoUTF8EscapingWithSuffixes":
                if scheme == .legacy { error(v, "OTLP translation strategy \(quoteLabelValue(s)) is not allowed when UTF8 is disabled") }
            default: error(v, "unsupported OTLP translation strategy \(quoteLabelValue(s))")
            }
        }
        func check(_ attributes: [String], _ adjective: String, _ key: String) {
            var seen: Set<String> = []
            for a in attributes {
                let t = a.trimmingCharacters(in: .whitespaces)
                if t.isEmpty { error(m.value(key), "invalid '\(key)': empty \(adjective) OTel resource attribute") }
                else if !seen.insert(t).inserted { error(m.value(key), "invalid '\(key)': duplicated \(adjective) OTel resource attribute \(quoteLabelValue(t))") }
            }
        }
        if promoteAll {
            if !promote.isEmpty { error(node, "'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured simultaneously") }
            else { check(ignore, "ignored", "ignore_resource_attributes") }
        } else if !ignore.isEmpty {
            error(node, "'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true")
        } else {
            check(promote, "promoted", "promote_resource_attributes")
        }
        m.finish()
    }

    func runtime(_ node: Node) {
        guard let m = mapping(node, section: "runtime") else { return }
        _ = m.int("gogc")
        m.finish()
    }
}
