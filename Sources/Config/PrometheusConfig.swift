import Foundation
import MetricModel
import Yams

/// A loaded prometheus.yml.
///
/// Contract:
/// - `load`/`parse` accept what Prometheus 3.x accepts, with Prometheus's defaults and its
///   validation rules and messages (sections named by their YAML key rather than their Go type),
///   and throw `ConfigErrors` with every problem found, in file order, each with the 1-based line
///   of the offending key or value in the file as written.
/// - Before YAML parsing, `${NAME}` / `${NAME:-default}` are expanded anywhere in the text except
///   comment lines, and `$$` becomes `$` (see `EnvironmentExpansion`); `$1`, `${1}` and `$name` are
///   left alone. Prometheus's own `$NAME` expansion of `external_labels` values is applied too.
/// - `global` and `scrape_configs` are modeled. The other top-level sections are validated
///   (known keys, value types, Prometheus's consistency rules), kept in `ruleFiles`,
///   `scrapeConfigFiles` and `otherSections` (raw, keyed by section name), and each present one
///   produces a warning naming the key and its line, as do service-discovery mechanisms Ember
///   keeps raw.
/// - `sourceText` is the file text as loaded, before expansion.
public struct PrometheusConfig: Sendable, Equatable {
    public var global: GlobalConfig
    public var scrapeConfigs: [ScrapeConfig]
    public var ruleFiles: [String]
    public var scrapeConfigFiles: [String]
    /// Top-level sections other than `global`, `scrape_configs`, `rule_files` and
    /// `scrape_config_files`, as written (after env expansion).
    public var otherSections: [String: ConfigValue]
    public var sourceText: String
    public var warnings: [ConfigDiagnostic]

    public init(global: GlobalConfig = GlobalConfig(), scrapeConfigs: [ScrapeConfig] = [], sourceText: String = "") {
        self.global = global
        self.scrapeConfigs = scrapeConfigs
        self.ruleFiles = []
        self.scrapeConfigFiles = []
        self.otherSections = [:]
        self.sourceText = sourceText
        self.warnings = []
    }

    /// The top-level keys Prometheus 3.x knows.
    public static let topLevelKeys = [
        "global", "rule_files", "scrape_config_files", "scrape_configs", "alerting", "remote_write",
        "remote_read", "storage", "tracing", "otlp", "runtime",
    ]

    /// The top-level keys Ember acts on; every other known one produces a warning when present.
    public static let supportedTopLevelKeys: Set<String> = ["global", "scrape_configs"]

    /// Reads and parses the file at `path`; diagnostics name the file as `path` is written.
    /// An unreadable or non-UTF-8 file is one diagnostic with line 0.
    public static func load(
        file path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigErrors) -> PrometheusConfig {
        let name = path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigErrors(errors: [ConfigDiagnostic(file: name, line: 0, column: 0,
                                                         message: "cannot read file: \(error.localizedDescription)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigDiagnostic(file: name, line: 0, column: 0, message: "file is not valid UTF-8")])
        }
        return try parse(text, fileName: name, environment: environment)
    }

    /// Parses configuration text; `fileName` is used in diagnostics.
    public static func parse(
        _ text: String, fileName: String, environment: [String: String]
    ) throws(ConfigErrors) -> PrometheusConfig {
        var config = PrometheusConfig(sourceText: text)
        let expansion = EnvironmentExpansion(text, environment: environment)
        let walker = Walker(fileName: fileName, lineMap: expansion.lineMap)
        for e in expansion.errors {
            walker.errors.append(ConfigDiagnostic(file: fileName, line: e.line, column: e.column, message: e.message))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: expansion.text)
        } catch {
            walker.errors.append(yamlDiagnostic(error, fileName: fileName, walker: walker))
            throw ConfigErrors(errors: sorted(walker.errors))
        }
        if let root, !Walker.isNull(root) {
            walker.topLevel(walker.cleaned(root, path: [], environment: environment), into: &config)
        }
        if !walker.errors.isEmpty {
            // A missing variable leaves a hole in its line; further complaints about that line
            // would only be consequences of it.
            let envLines = Set(expansion.errors.map(\.line))
            let envCount = expansion.errors.count
            let kept = walker.errors.enumerated().filter { $0.offset < envCount || !envLines.contains($0.element.line) }
            throw ConfigErrors(errors: sorted(kept.map(\.element)))
        }
        config.warnings = sorted(walker.warnings)
        return config
    }

    static func sorted(_ diagnostics: [ConfigDiagnostic]) -> [ConfigDiagnostic] {
        // Stable: equal positions keep the order in which they were found.
        diagnostics.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
    }

    static func yamlDiagnostic(_ error: any Error, fileName: String, walker: Walker) -> ConfigDiagnostic {
        var line = 1, column = 1
        var message = "yaml: \(error)"
        if let yamlError = error as? YamlError {
            switch yamlError {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
                 let .composer(context, problem, mark, _):
                line = walker.originalLine(mark.line)
                column = mark.column
                message = "yaml: " + ([context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " "))
            case let .duplicatedKeysInMapping(duplicates, context):
                line = walker.originalLine(context.mark.line)
                column = context.mark.column
                message = "yaml: mapping key \(duplicates.map(quoteLabelValue).joined(separator: ", ")) already defined"
            case let .reader(problem, _, _, _):
                message = "yaml: \(problem)"
            default:
                break
            }
        }
        return ConfigDiagnostic(file: fileName, line: line, column: column, message: message)
    }
}

extension Walker {
    func topLevel(_ root: Node, into config: inout PrometheusConfig) {
        guard let m = mapping(root, section: "config") else { return }
        defer { m.finish() }
        if let g = m.value("global") { config.global = globalConfig(g) }
        else { m.markUsed("global") }
        let scheme = config.global.metricNameValidationScheme

        for key in PrometheusConfig.topLevelKeys where !PrometheusConfig.supportedTopLevelKeys.contains(key) {
            if let keyNode = m.keyNode(key) {
                warn(keyNode, "\(key) is accepted but not supported by Ember yet; it has no effect")
            }
        }
        if let v = m.value("rule_files"), let files = stringList(v, field: "rule_files") {
            let nodes = sequence(v, field: "rule_files") ?? []
            for (i, f) in files.enumerated() where !isValidGlobPath(f) {
                error(i < nodes.count ? nodes[i] : v, "invalid rule file path \(quoteLabelValue(f))")
            }
            config.ruleFiles = files
        }
        if let v = m.value("scrape_config_files"), let files = stringList(v, field: "scrape_config_files") {
            let nodes = sequence(v, field: "scrape_config_files") ?? []
            for (i, f) in files.enumerated() where !isValidGlobPath(f) {
                error(i < nodes.count ? nodes[i] : v, "invalid scrape config file path \(quoteLabelValue(f))")
            }
            config.scrapeConfigFiles = files
        }
        if let v = m.value("alerting") { alerting(v, scheme: scheme) }
        if let v = m.value("remote_write") { remoteWrite(v, scheme: scheme) }
        if let v = m.value("remote_read") { remoteRead(v) }
        if let v = m.value("storage") { storage(v) }
        if let v = m.value("tracing") { tracing(v) }
        if let v = m.value("otlp") { otlp(v, scheme: scheme) }
        if let v = m.value("runtime") { runtime(v) }
        for key in ["alerting", "remote_write", "remote_read", "storage", "tracing", "otlp", "runtime"] {
            if let raw = m.raw(key) { config.otherSections[key] = raw }
        }

        if let v = m.value("scrape_configs"), let items = sequence(v, field: "scrape_configs") {
            var seen: Set<String> = []
            for item in items {
                if Walker.isNull(item) {
                    error(item, "empty or null scrape config section")
                    continue
                }
                guard let (scrape, jobNode) = scrapeConfig(item, global: config.global) else { continue }
                if !scrape.jobName.isEmpty && !seen.insert(scrape.jobName).inserted {
                    error(jobNode ?? item, "found multiple scrape configs with job name \(quoteLabelValue(scrape.jobName))")
                }
                config.scrapeConfigs.append(scrape)
            }
        }
    }
}
