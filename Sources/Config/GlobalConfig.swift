import MetricModel
import Yams

/// The `global` section, with Prometheus's defaults.
///
/// Contract: durations in ms. `scrapeInterval` defaults to 1m, `scrapeTimeout` to
/// `min(10s, scrapeInterval)` and never exceeds `scrapeInterval`; `evaluationInterval` defaults to
/// 1m, `ruleQueryOffset` to 0. Limits are 0 (no limit) unless set; `bodySizeLimit` is in bytes.
/// `scrapeProtocols` is nil unless written (each scrape config then picks its own default).
/// `externalLabels` names are valid under `metricNameValidationScheme` (default `.utf8`).
/// `metricNameEscapingScheme` is as written ("" when unset).
public struct GlobalConfig: Sendable, Equatable {
    public var scrapeInterval: Int64 = 60_000
    public var scrapeTimeout: Int64 = 10_000
    public var evaluationInterval: Int64 = 60_000
    public var ruleQueryOffset: Int64 = 0
    public var scrapeProtocols: [ScrapeProtocol]?
    public var queryLogFile: String = ""
    public var scrapeFailureLogFile: String = ""
    public var externalLabels: Labels = .empty
    public var bodySizeLimit: Int = 0
    public var sampleLimit: Int = 0
    public var targetLimit: Int = 0
    public var labelLimit: Int = 0
    public var labelNameLengthLimit: Int = 0
    public var labelValueLengthLimit: Int = 0
    public var keepDroppedTargets: Int = 0
    public var metricNameValidationScheme: NameValidationScheme = .utf8
    public var metricNameEscapingScheme: String = ""
    public var scrapeNativeHistograms: Bool = false
    public var convertClassicHistogramsToNHCB: Bool = false
    public var alwaysScrapeClassicHistograms: Bool = false
    public var extraScrapeMetrics: Bool = false

    public init() {}
}

extension Walker {
    func globalConfig(_ node: Node) -> GlobalConfig {
        var g = GlobalConfig()
        guard let m = mapping(node, section: "global") else { return g }
        defer { m.finish() }
        let interval = m.duration("scrape_interval") ?? 0
        let timeout = m.duration("scrape_timeout") ?? 0
        g.scrapeInterval = interval == 0 ? 60_000 : interval
        if timeout > g.scrapeInterval {
            error(m.value("scrape_timeout") ?? node, "global scrape timeout greater than scrape interval")
        }
        g.scrapeTimeout = timeout == 0 ? min(10_000, g.scrapeInterval) : timeout
        let evaluation = m.duration("evaluation_interval") ?? 0
        g.evaluationInterval = evaluation == 0 ? 60_000 : evaluation
        g.ruleQueryOffset = m.duration("rule_query_offset") ?? 0
        g.scrapeProtocols = scrapeProtocols(m, context: "for global config")
        g.queryLogFile = m.string("query_log_file") ?? ""
        g.scrapeFailureLogFile = m.string("scrape_failure_log_file") ?? ""
        g.bodySizeLimit = m.size("body_size_limit") ?? 0
        if g.bodySizeLimit < 0 { error(m.value("body_size_limit"), "body_size_limit must not be negative") }
        g.sampleLimit = m.nonNegativeInt("sample_limit") ?? 0
        g.targetLimit = m.nonNegativeInt("target_limit") ?? 0
        g.labelLimit = m.nonNegativeInt("label_limit") ?? 0
        g.labelNameLengthLimit = m.nonNegativeInt("label_name_length_limit") ?? 0
        g.labelValueLengthLimit = m.nonNegativeInt("label_value_length_limit") ?? 0
        g.keepDroppedTargets = m.nonNegativeInt("keep_dropped_targets") ?? 0
        g.metricNameValidationScheme = validationScheme(m) ?? .utf8
        if let v = m.value("metric_name_escaping_scheme"), let s = scalar(v, field: "metric_name_escaping_scheme") {
            if !s.isEmpty && !escapingSchemes.contains(s) {
                error(v, "unknown global name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got \(quoteLabelValue(s))")
            }
            g.metricNameEscapingScheme = s
        }
        g.scrapeNativeHistograms = m.bool("scrape_native_histograms") ?? false
        g.convertClassicHistogramsToNHCB = m.bool("convert_classic_histograms_to_nhcb") ?? false
        g.alwaysScrapeClassicHistograms = m.bool("always_scrape_classic_histograms") ?? false
        g.extraScrapeMetrics = m.bool("extra_scrape_metrics") ?? false
        var labels: [Label] = []
        for entry in m.stringMap("external_labels") ?? [] {
            if !g.metricNameValidationScheme.isValidLabelName(entry.key) {
                error(entry.node, "\(quoteLabelValue(entry.key)) is not a valid label name")
            }
            labels.append(Label(entry.key, entry.value))
        }
        g.externalLabels = Labels(labels)
        return g
    }

    /// A copy of the composed tree without `$$` markers, in which external label values also get
    /// Prometheus's `$NAME` expansion (unset or empty → empty, with a warning). `${NAME}` forms
    /// were already expanded file-wide; a `$` written as `$$` stays literal.
    func cleaned(_ node: Node, path: [String], environment: [String: String]) -> Node {
        let marker = EnvironmentExpansion.literalDollarMarker
        func strip(_ s: String) -> String {
            guard s.unicodeScalars.contains(marker) else { return s }
            var v = s.unicodeScalars
            v.removeAll { $0 == marker }
            return String(v)
        }
        switch node {
        case let .scalar(s):
            var text = s.string
            if path.count == 3, path[0] == "global", path[1] == "external_labels" {
                text = expandBareVariables(text, environment: environment, at: node)
            }
            return .scalar(Node.Scalar(strip(text), s.tag, s.style, s.mark))
        case let .mapping(m):
            let pairs = m.map { pair -> (Node, Node) in
                let key = cleaned(pair.key, path: path + ["<key>"], environment: environment)
                return (key, cleaned(pair.value, path: path + [key.string ?? ""], environment: environment))
            }
            return .mapping(Node.Mapping(pairs, m.tag, m.style, m.mark))
        case let .sequence(q):
            return .sequence(Node.Sequence(q.map { cleaned($0, path: path + ["[]"], environment: environment) }, q.tag, q.style, q.mark))
        case .alias:
            return node
        }
    }

    func expandBareVariables(_ value: String, environment: [String: String], at node: Node) -> String {
        guard value.contains("$") else { return value }
        let s = Array(value.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func isStart(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
        func isChar(_ c: Unicode.Scalar) -> Bool { isStart(c) || (c >= "0" && c <= "9") }
        while i < s.count {
            if s[i] == "$", i + 1 < s.count, s[i + 1] == EnvironmentExpansion.literalDollarMarker {
                out.append("$")
                i += 2
            } else if s[i] == "$", i + 1 < s.count, isStart(s[i + 1]) {
                var j = i + 1
                while j < s.count, isChar(s[j]) { j += 1 }
                let name = String(String.UnicodeScalarView(s[(i + 1)..<j]))
                if let v = environment[name], !v.isEmpty {
                    out.append(contentsOf: v.unicodeScalars)
                } else {
                    warn(node, "empty environment variable \(quoteLabelValue(name)) in external label value")
                }
                i = j
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return String(out)
    }
}
