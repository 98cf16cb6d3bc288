import Config
import MetricModel

/// Turns discovered targets into scrape targets for one scrape config, as Prometheus's
/// `PopulateLabels` does.
///
/// Contract: the discovered set is the target's labels over the group's, plus `job`,
/// `__scrape_interval__`, `__scrape_timeout__`, `__metrics_path__`, `__scheme__` and
/// `__param_<name>` (first value) from the config where not already set. Then `relabel_configs`
/// run. A dropped target is `.dropped` with its discovered labels. Otherwise the target fails
/// (with Prometheus's message) when `__address__` is missing or contains `/`, or the interval or
/// timeout labels do not parse, are 0, or timeout > interval; else `__meta_*` labels are removed,
/// `instance` defaults to `__address__`, and the series labels are those not starting with `__`.
struct TargetBuilder: Sendable {
    enum Outcome: Equatable {
        case active(ScrapeTarget)
        case dropped(DroppedTarget)
        case failed(String)
    }

    let config: ScrapeConfig
    let relabeler: Relabeler
    let limits: SeriesLimits
    let acceptHeader: String
    let settingsFingerprint: UInt64

    /// `generation` distinguishes successive scrape settings of one pool (see `ScrapeTarget.key`).
    init(config: ScrapeConfig, generation: UInt64 = 0) throws(RelabelError) {
        self.config = config
        relabeler = try Relabeler(config.relabelConfigs, scheme: config.metricNameValidationScheme)
        var limits = SeriesLimits()
        limits.sampleLimit = config.sampleLimit
        limits.labelLimit = config.labelLimit
        limits.labelNameLengthLimit = config.labelNameLengthLimit
        limits.labelValueLengthLimit = config.labelValueLengthLimit
        self.limits = limits
        acceptHeader = ScrapeTarget.acceptHeader(config.scrapeProtocols, escaping: config.metricNameEscapingScheme)
        settingsFingerprint = generation
    }

    /// `config` without its service discovery: two configs whose settings are equal scrape alike.
    static func settings(_ config: ScrapeConfig) -> ScrapeConfig {
        var settings = config
        settings.staticConfigs = []
        settings.fileSDConfigs = []
        settings.dnsSDConfigs = []
        settings.httpSDConfigs = []
        settings.otherSDConfigs = [:]
        return settings
    }

    /// One outcome per target of `group`, in order.
    func build(_ group: TargetGroup) -> [Outcome] {
        group.targets.enumerated().map { index, target in
            switch build(target, groupLabels: group.labels) {
            case let .failed(message): return .failed("instance \(index) in group \(group.source): \(message)")
            case let other: return other
            }
        }
    }

    func discoveredLabels(_ target: Labels, groupLabels: Labels) -> LabelsBuilder {
        var builder = LabelsBuilder(groupLabels)
        for label in target { builder.set(label.name, label.value) }
        let defaults = [
            ("job", config.jobName),
            ("__scrape_interval__", PrometheusDuration.format(config.scrapeInterval)),
            ("__scrape_timeout__", PrometheusDuration.format(config.scrapeTimeout)),
            ("__metrics_path__", config.metricsPath),
            ("__scheme__", config.scheme),
        ]
        for (name, value) in defaults where builder[name] == nil { builder.set(name, value) }
        for (name, values) in config.params {
            if let first = values.first, builder["__param_" + name] == nil { builder.set("__param_" + name, first) }
        }
        return builder
    }

    func build(_ target: Labels, groupLabels: Labels) -> Outcome {
        var builder = discoveredLabels(target, groupLabels: groupLabels)
        let discovered = builder.labels
        guard relabeler.process(&builder) else {
            return .dropped(DroppedTarget(scrapePool: config.jobName, discoveredLabels: discovered))
        }
        guard let address = builder["__address__"] else { return .failed("no address") }
        if address.contains("/") { return .failed("\(quoteLabelValue(address)) is not a valid hostname") }
        let intervalText = builder["__scrape_interval__"] ?? ""
        let timeoutText = builder["__scrape_timeout__"] ?? ""
        let interval: Int64, timeout: Int64
        do { interval = try PrometheusDuration.parse(intervalText) } catch {
            return .failed("error parsing scrape interval: \(error)")
        }
        if interval == 0 { return .failed("scrape interval cannot be 0") }
        do { timeout = try PrometheusDuration.parse(timeoutText) } catch {
            return .failed("error parsing scrape timeout: \(error)")
        }
        if timeout == 0 { return .failed("scrape timeout cannot be 0") }
        if timeout > interval {
            return .failed("scrape timeout cannot be greater than scrape interval (\(quoteLabelValue(timeoutText)) > \(quoteLabelValue(intervalText)))")
        }
        let relabeled = builder.labels
        for label in relabeled where label.name.hasPrefix("__meta_") { builder.delete(label.name) }
        if builder["instance"] == nil { builder.set("instance", address) }
        let final = builder.labels

        var params = config.params
        for label in final where label.name.hasPrefix("__param_") {
            let name = String(label.name.dropFirst("__param_".count))
            if params[name]?.isEmpty == false { params[name]![0] = label.value } else { params[name] = [label.value] }
        }
        let url = ScrapeTarget.scrapeURL(scheme: final["__scheme__"] ?? "", address: address,
                                         path: final["__metrics_path__"] ?? "", params: params)
        return .active(ScrapeTarget(
            job: config.jobName, address: address, url: url,
            labels: Labels(sortedUnique: final.pairs.filter { !$0.name.hasPrefix("__") }),
            discoveredLabels: discovered, interval: interval, timeout: timeout,
            honorLabels: config.honorLabels, honorTimestamps: config.honorTimestamps,
            bodySizeLimit: config.bodySizeLimit, limits: limits, acceptHeader: acceptHeader,
            settingsFingerprint: settingsFingerprint))
    }
}
