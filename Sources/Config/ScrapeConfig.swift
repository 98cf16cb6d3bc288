import MetricModel
import Yams

/// A scrape protocol name as used in `scrape_protocols` and `fallback_scrape_protocol`.
public enum ScrapeProtocol: String, Sendable, Equatable, CaseIterable {
    case prometheusProto = "PrometheusProto"
    case prometheusText0_0_4 = "PrometheusText0.0.4"
    case prometheusText1_0_0 = "PrometheusText1.0.0"
    case openMetricsText0_0_1 = "OpenMetricsText0.0.1"
    case openMetricsText1_0_0 = "OpenMetricsText1.0.0"

    /// The Accept-header media type (with parameters) for this protocol.
    public var headerMediaType: String {
        switch self {
        case .prometheusProto: "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
        case .prometheusText0_0_4: "text/plain;version=0.0.4"
        case .prometheusText1_0_0: "text/plain;version=1.0.0"
        case .openMetricsText0_0_1: "application/openmetrics-text;version=0.0.1"
        case .openMetricsText1_0_0: "application/openmetrics-text;version=1.0.0"
        }
    }

    /// Prometheus's default negotiation order.
    public static let defaults: [ScrapeProtocol] = [.openMetricsText1_0_0, .openMetricsText0_0_1, .prometheusText1_0_0, .prometheusText0_0_4]
    /// The order used when native histograms are scraped.
    public static let protoFirst: [ScrapeProtocol] = [.prometheusProto] + defaults
}

/// One `static_configs` entry: targets (`host:port`) and the labels attached to all of them.
public struct StaticConfig: Sendable, Equatable {
    public var targets: [String]
    public var labels: Labels
    public init(targets: [String], labels: Labels = .empty) {
        self.targets = targets
        self.labels = labels
    }
}

/// `file_sd_configs` entry. `refreshInterval` in ms (default 5m). Every path ends in
/// `.json`/`.yml`/`.yaml` and has at most one `*`, in its last path element.
public struct FileSDConfig: Sendable, Equatable {
    public var files: [String]
    public var refreshInterval: Int64 = 300_000
    public init(files: [String], refreshInterval: Int64 = 300_000) {
        self.files = files
        self.refreshInterval = refreshInterval
    }
}

/// `dns_sd_configs` entry. `type` is upper-cased (default `SRV`); `port` is required for
/// A, AAAA, MX and NS. `refreshInterval` in ms (default 30s).
public struct DNSSDConfig: Sendable, Equatable {
    public var names: [String]
    public var refreshInterval: Int64 = 30_000
    public var type: String = "SRV"
    public var port: Int = 0
    public init(names: [String], refreshInterval: Int64 = 30_000, type: String = "SRV", port: Int = 0) {
        self.names = names
        self.refreshInterval = refreshInterval
        self.type = type
        self.port = port
    }
}

/// `http_sd_configs` entry: an http(s) URL with a host; `refreshInterval` in ms (default 1m).
public struct HTTPSDConfig: Sendable, Equatable {
    public var url: String
    public var refreshInterval: Int64 = 60_000
    public var httpClientConfig: HTTPClientConfig = HTTPClientConfig()
    public init(url: String, refreshInterval: Int64 = 60_000) {
        self.url = url
        self.refreshInterval = refreshInterval
    }
}

/// Service discovery mechanisms Prometheus has and Ember keeps raw (each produces a warning).
let otherSDMechanisms: [String] = [
    "aws", "azure", "consul", "digitalocean", "docker", "dockerswarm", "ec2", "ecs", "elasticache", "eureka",
    "gce", "hetzner", "ionos", "kubernetes", "kuma", "lightsail", "linode", "marathon", "msk", "nerve", "nomad",
    "oci", "openstack", "outscale", "ovhcloud", "puppetdb", "rds", "scaleway", "serverset", "stackit",
    "triton", "uyuni", "vultr",
].map { "\($0)_sd_configs" }

/// One `scrape_configs` entry, resolved against the global config as Prometheus does.
///
/// Contract: durations are in milliseconds. `scrapeInterval` defaults to the global interval;
/// `scrapeTimeout` defaults to `min(global timeout, scrapeInterval)` and never exceeds
/// `scrapeInterval`. Limits (`sampleLimit`, `labelLimit`, ..., `bodySizeLimit` in bytes, 0 = none)
/// that are 0 here take the global value. `scrapeProtocols` is never empty: explicit, else global,
/// else `ScrapeProtocol.protoFirst` when native histograms are scraped, else
/// `ScrapeProtocol.defaults`. `metricNameValidationScheme`/`metricNameEscapingScheme` are resolved
/// as Prometheus does. Service discovery Ember does not implement is kept in `otherSDConfigs`,
/// keyed by its YAML key.
public struct ScrapeConfig: Sendable, Equatable {
    public var jobName: String
    public var honorLabels: Bool = false
    public var honorTimestamps: Bool = true
    public var trackTimestampsStaleness: Bool = false
    public var params: [String: [String]] = [:]
    public var scrapeInterval: Int64
    public var scrapeTimeout: Int64
    public var scrapeProtocols: [ScrapeProtocol] = ScrapeProtocol.defaults
    public var fallbackScrapeProtocol: ScrapeProtocol?
    public var scrapeNativeHistograms: Bool = false
    public var alwaysScrapeClassicHistograms: Bool = false
    public var convertClassicHistogramsToNHCB: Bool = false
    public var extraScrapeMetrics: Bool = false
    public var scrapeFailureLogFile: String = ""
    public var metricsPath: String = "/metrics"
    public var scheme: String = "http"
    public var enableCompression: Bool = true
    public var bodySizeLimit: Int = 0
    public var sampleLimit: Int = 0
    public var targetLimit: Int = 0
    public var labelLimit: Int = 0
    public var labelNameLengthLimit: Int = 0
    public var labelValueLengthLimit: Int = 0
    public var nativeHistogramBucketLimit: Int = 0
    public var nativeHistogramMinBucketFactor: Double = 0
    public var keepDroppedTargets: Int = 0
    public var metricNameValidationScheme: NameValidationScheme = .utf8
    public var metricNameEscapingScheme: String = "allow-utf-8"
    public var httpClientConfig: HTTPClientConfig = HTTPClientConfig()
    public var relabelConfigs: [RelabelConfig] = []
    public var metricRelabelConfigs: [RelabelConfig] = []
    public var staticConfigs: [StaticConfig] = []
    public var fileSDConfigs: [FileSDConfig] = []
    public var dnsSDConfigs: [DNSSDConfig] = []
    public var httpSDConfigs: [HTTPSDConfig] = []
    public var otherSDConfigs: [String: ConfigValue] = [:]

    public init(jobName: String, scrapeInterval: Int64 = 60_000, scrapeTimeout: Int64 = 10_000) {
        self.jobName = jobName
        self.scrapeInterval = scrapeInterval
        self.scrapeTimeout = scrapeTimeout
    }

    // Convenience views of the inlined HTTP client settings.
    public var basicAuth: BasicAuth? { httpClientConfig.basicAuth }
    public var authorization: Authorization? { httpClientConfig.authorization }
    public var bearerToken: String { httpClientConfig.bearerToken }
    public var bearerTokenFile: String { httpClientConfig.bearerTokenFile }
    public var tlsConfig: TLSConfig { httpClientConfig.tlsConfig }
    public var proxyURL: String { httpClientConfig.proxyURL }
    public var followRedirects: Bool { httpClientConfig.followRedirects }
    public var enableHTTP2: Bool { httpClientConfig.enableHTTP2 }
}

/// Escaping schemes accepted in `metric_name_escaping_scheme`.
let escapingSchemes = ["allow-utf-8", "underscores", "dots", "values"]

extension Walker {
    func validationScheme(_ m: MapReader) -> NameValidationScheme? {
        guard let v = m.value("metric_name_validation_scheme"), let s = scalar(v, field: "metric_name_validation_scheme") else { return nil }
        switch s {
        case "": return nil
        case "utf8": return .utf8
        case "legacy": return .legacy
        default:
            error(v, "unrecognized ValidationScheme: \(quoteLabelValue(s))")
            return nil
        }
    }

    func scrapeProtocols(_ m: MapReader, context: String) -> [ScrapeProtocol]? {
        guard let v = m.value("scrape_protocols"), let names = stringList(v, field: "scrape_protocols") else { return nil }
        let items = sequence(v, field: "scrape_protocols") ?? []
        if names.isEmpty {
            error(v, "scrape_protocols cannot be empty \(context)")
            return nil
        }
        var out: [ScrapeProtocol] = []
        var seen: Set<String> = []
        for (index, name) in names.enumerated() {
            let at = index < items.count ? items[index] : v
            if !seen.insert(name.lowercased()).inserted {
                error(at, "duplicated protocol in scrape_protocols, got [\(names.joined(separator: " "))] \(context)")
                return nil
            }
            guard let p = ScrapeProtocol(rawValue: name) else {
                let supported = ScrapeProtocol.allCases.map(\.rawValue).sorted().joined(separator: " ")
                error(at, "scrape_protocols: unknown scrape protocol \(name), supported: [\(supported)] \(context)")
                return nil
            }
            out.append(p)
        }
        return out
    }

    func staticConfigs(_ node: Node, checkTargets: Bool) -> [StaticConfig] {
        guard let items = sequence(node, field: "static_configs") else { return [] }
        var out: [StaticConfig] = []
        for item in items {
            if Walker.isNull(item) { error(item, "empty or null section in static_configs"); continue }
            guard let m = mapping(item, section: "static_config") else { continue }
            var targets: [String] = []
            if let t = m.value("targets"), let nodes = sequence(t, field: "targets") {
                for n in nodes {
                    guard let s = scalar(n, field: "targets") else { continue }
                    if checkTargets && s.contains("/") { error(n, "\(quoteLabelValue(s)) is not a valid hostname") }
                    targets.append(s)
                }
            }
            var labels: [Label] = []
            for entry in m.stringMap("labels") ?? [] {
                if !NameValidationScheme.utf8.isValidLabelName(entry.key) {
                    error(entry.node, "\(quoteLabelValue(entry.key)) is not a valid label name")
                }
                labels.append(Label(entry.key, entry.value))
            }
            m.finish()
            out.append(StaticConfig(targets: targets, labels: Labels(labels)))
        }
        return out
    }

    func fileSDConfigs(_ node: Node) -> [FileSDConfig] {
        guard let items = sequence(node, field: "file_sd_configs") else { return [] }
        var out: [FileSDConfig] = []
        for item in items {
            guard let m = mapping(item, section: "file_sd_config") else { continue }
            var c = FileSDConfig(files: m.stringList("files") ?? [])
            if let d = m.duration("refresh_interval") { c.refreshInterval = d }
            if c.files.isEmpty {
                error(item, "file service discovery config must contain at least one path name")
            }
            let fileNodes = m.sequence("files") ?? []
            for (i, f) in c.files.enumerated() where !isValidFileSDPath(f) {
                error(i < fileNodes.count ? fileNodes[i] : item, "path name \(quoteLabelValue(f)) is not valid for file discovery")
            }
            m.finish()
            out.append(c)
        }
        return out
    }

    func dnsSDConfigs(_ node: Node) -> [DNSSDConfig] {
        guard let items = sequence(node, field: "dns_sd_configs") else { return [] }
        var out: [DNSSDConfig] = []
        for item in items {
            guard let m = mapping(item, section: "dns_sd_config") else { continue }
            var c = DNSSDConfig(names: m.stringList("names") ?? [])
            if let d = m.duration("refresh_interval") { c.refreshInterval = d }
            if let t = m.string("type") { c.type = t }
            if let p = m.int("port") { c.port = p }
            if c.names.isEmpty {
                error(item, "DNS-SD config must contain at least one SRV record name")
            } else {
                switch c.type.uppercased() {
                case "SRV": break
                case "A", "AAAA", "MX", "NS":
                    if c.port == 0 { error(item, "a port is required in DNS-SD configs for all record types except SRV") }
                default:
                    error(m.value("type") ?? item, "invalid DNS-SD records type \(c.type)")
                }
            }
            c.type = c.type.uppercased()
            m.finish()
            out.append(c)
        }
        return out
    }

    func httpSDConfigs(_ node: Node) -> [HTTPSDConfig] {
        guard let items = sequence(node, field: "http_sd_configs") else { return [] }
        var out: [HTTPSDConfig] = []
        for item in items {
            guard let m = mapping(item, section: "http_sd_config") else { continue }
            var c = HTTPSDConfig(url: m.string("url") ?? "")
            if let d = m.duration("refresh_interval") { c.refreshInterval = d }
            let at = m.value("url") ?? item
            if c.url.isEmpty {
                error(at, "URL is missing")
            } else if let parts = URLCheck.parse(c.url) {
                if parts.scheme != "http" && parts.scheme != "https" {
                    error(at, "URL scheme must be 'http' or 'https'")
                } else if parts.host.isEmpty {
                    error(at, "host is missing in URL")
                }
            } else {
                error(at, "invalid URL \(quoteLabelValue(c.url))")
            }
            c.httpClientConfig = httpClientConfig(m)
            m.finish()
            out.append(c)
        }
        return out
    }

    func isValidFileSDPath(_ path: String) -> Bool {
        let extensions = [".json", ".yml", ".yaml", ".JSON", ".YML", ".YAML"]
        guard extensions.contains(where: { path.hasSuffix($0) }) else { return false }
        return isValidGlobPath(path)
    }

    /// Prometheus's rule/scrape-config-file path rule: at most one `*`, in the last path element.
    func isValidGlobPath(_ path: String) -> Bool {
        guard let star = path.firstIndex(of: "*") else { return true }
        return !path[star...].dropFirst().contains("*") && !path[star...].contains("/")
    }

    /// Reads the service-discovery keys of a scrape or alertmanager config.
    func serviceDiscovery(_ m: MapReader, into c: inout ScrapeConfig, checkTargets: Bool) {
        if let v = m.value("static_configs") { c.staticConfigs = staticConfigs(v, checkTargets: checkTargets) }
        if let v = m.value("file_sd_configs") { c.fileSDConfigs = fileSDConfigs(v) }
        if let v = m.value("dns_sd_configs") { c.dnsSDConfigs = dnsSDConfigs(v) }
        if let v = m.value("http_sd_configs") { c.httpSDConfigs = httpSDConfigs(v) }
        for key in otherSDMechanisms {
            guard let e = m.entry(key) else { continue }
            if !Walker.isNull(e.value), case .sequence = e.value {} else if !Walker.isNull(e.value) {
                error(e.value, "\(key) must be a list, got \(describe(e.value))")
                continue
            }
            c.otherSDConfigs[key] = raw(e.value)
            warn(e.keyNode, "\(key) is accepted but not supported by Ember yet; its targets are not discovered")
        }
    }

    /// The scrape config at `node` (nil when it is not a mapping); errors are recorded, and the
    /// config is returned even then so later checks (duplicate job names) still run.
    func scrapeConfig(_ node: Node, global: GlobalConfig) -> (ScrapeConfig, jobNode: Node?)? {
        guard let m = mapping(node, section: "scrape_config") else { return nil }
        defer { m.finish() }
        var c = ScrapeConfig(jobName: m.string("job_name") ?? "")
        let jobNode = m.value("job_name")
        if c.jobName.isEmpty, jobNode.map({ if case .scalar = $0 { true } else { false } }) ?? true {
            error(jobNode ?? node, "job_name is empty")
        }
        let job = "for scrape config with job name \(quoteLabelValue(c.jobName))"
        c.honorLabels = m.bool("honor_labels") ?? false
        c.honorTimestamps = m.bool("honor_timestamps") ?? true
        c.trackTimestampsStaleness = m.bool("track_timestamps_staleness") ?? false
        if let p = m.value("params"), let pm = mapping(p, section: "params") {
            for e in pm.entries {
                pm.markUsed(e.key)
                c.params[e.key] = stringList(e.value, field: "params.\(e.key)") ?? []
            }
        }
        let interval = m.duration("scrape_interval") ?? 0
        let timeout = m.duration("scrape_timeout") ?? 0
        c.scrapeInterval = interval == 0 ? global.scrapeInterval : interval
        if timeout > c.scrapeInterval {
            error(m.value("scrape_timeout") ?? node, "scrape timeout greater than scrape interval \(job)")
        }
        c.scrapeTimeout = timeout == 0 ? min(global.scrapeTimeout, c.scrapeInterval) : timeout
        let explicitProtocols = scrapeProtocols(m, context: job)
        if let v = m.value("fallback_scrape_protocol"), let s = scalar(v, field: "fallback_scrape_protocol"), !s.isEmpty {
            if let p = ScrapeProtocol(rawValue: s) {
                c.fallbackScrapeProtocol = p
            } else {
                let supported = ScrapeProtocol.allCases.map(\.rawValue).sorted().joined(separator: " ")
                error(v, "invalid fallback_scrape_protocol \(job): unknown scrape protocol \(s), supported: [\(supported)]")
            }
        }
        c.scrapeNativeHistograms = m.bool("scrape_native_histograms") ?? global.scrapeNativeHistograms
        c.alwaysScrapeClassicHistograms = m.bool("always_scrape_classic_histograms") ?? global.alwaysScrapeClassicHistograms
        c.convertClassicHistogramsToNHCB = m.bool("convert_classic_histograms_to_nhcb") ?? global.convertClassicHistogramsToNHCB
        c.extraScrapeMetrics = m.bool("extra_scrape_metrics") ?? global.extraScrapeMetrics
        c.scrapeProtocols = explicitProtocols ?? global.scrapeProtocols
            ?? (c.scrapeNativeHistograms ? ScrapeProtocol.protoFirst : ScrapeProtocol.defaults)
        c.scrapeFailureLogFile = m.string("scrape_failure_log_file") ?? ""
        if c.scrapeFailureLogFile.isEmpty { c.scrapeFailureLogFile = global.scrapeFailureLogFile }
        if let p = m.string("metrics_path"), !p.isEmpty { c.metricsPath = p }
        if let s = m.string("scheme"), !s.isEmpty { c.scheme = s }
        c.enableCompression = m.bool("enable_compression") ?? true
        func limit(_ key: String, _ global: Int) -> Int {
            let v = m.nonNegativeInt(key) ?? 0
            return v == 0 ? global : v
        }
        c.sampleLimit = limit("sample_limit", global.sampleLimit)
        c.targetLimit = limit("target_limit", global.targetLimit)
        c.labelLimit = limit("label_limit", global.labelLimit)
        c.labelNameLengthLimit = limit("label_name_length_limit", global.labelNameLengthLimit)
        c.labelValueLengthLimit = limit("label_value_length_limit", global.labelValueLengthLimit)
        c.keepDroppedTargets = limit("keep_dropped_targets", global.keepDroppedTargets)
        let body = m.size("body_size_limit") ?? 0
        if body < 0 { error(m.value("body_size_limit"), "body_size_limit must not be negative") }
        c.bodySizeLimit = body == 0 ? global.bodySizeLimit : body
        c.nativeHistogramBucketLimit = m.nonNegativeInt("native_histogram_bucket_limit") ?? 0
        c.nativeHistogramMinBucketFactor = m.double("native_histogram_min_bucket_factor") ?? 0

        // Name validation and escaping, resolved as Prometheus does.
        let localScheme = validationScheme(m)
        c.metricNameValidationScheme = localScheme ?? global.metricNameValidationScheme
        let globalEscaping = global.metricNameEscapingScheme.isEmpty
            ? (global.metricNameValidationScheme == .legacy ? "underscores" : "allow-utf-8")
            : global.metricNameEscapingScheme
        let escapingNode = m.value("metric_name_escaping_scheme")
        var escaping = m.string("metric_name_escaping_scheme") ?? ""
        if escaping.isEmpty {
            if localScheme == nil { escaping = globalEscaping }
            else { escaping = c.metricNameValidationScheme == .legacy ? "underscores" : "allow-utf-8" }
        }
        if !escapingSchemes.contains(escaping) {
            error(escapingNode ?? node, "unknown scrape config name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got \(quoteLabelValue(escaping))")
        } else if escaping == "allow-utf-8" && c.metricNameValidationScheme != .utf8 {
            error(escapingNode ?? m.value("metric_name_validation_scheme") ?? node, "utf8 metric names requested but validation scheme is not set to UTF8")
        }
        c.metricNameEscapingScheme = escaping

        c.httpClientConfig = httpClientConfig(m)
        let scheme = c.metricNameValidationScheme
        if let v = m.value("relabel_configs") { c.relabelConfigs = relabelConfigs(v, field: "relabel_configs", scheme: scheme,
                                                                                    nullMessage: "empty or null target relabeling rule in scrape config") }
        if let v = m.value("metric_relabel_configs") {
            c.metricRelabelConfigs = relabelConfigs(v, field: "metric_relabel_configs", scheme: scheme,
                                                   nullMessage: "empty or null metric relabeling rule in scrape config")
        }
        serviceDiscovery(m, into: &c, checkTargets: c.relabelConfigs.isEmpty && m.value("relabel_configs") == nil)
        return (c, jobNode)
    }
}
