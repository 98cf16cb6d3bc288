@testable import Config
import MetricModel

/// Parses `yaml` as prometheus.yml with `env`; fails the caller's expectations through the result.
func parse(_ yaml: String, env: [String: String] = [:]) throws(ConfigErrors) -> PrometheusConfig {
    try PrometheusConfig.parse(yaml, fileName: "prometheus.yml", environment: env)
}

/// The error descriptions for `yaml`, or [] when it loads.
func errors(_ yaml: String, env: [String: String] = [:]) -> [String] {
    do {
        _ = try parse(yaml, env: env)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// The single error for `yaml`, or a marker string when there is not exactly one.
func onlyError(_ yaml: String, env: [String: String] = [:]) -> String {
    let e = errors(yaml, env: env)
    return e.count == 1 ? e[0] : "<\(e.count) errors: \(e)>"
}
