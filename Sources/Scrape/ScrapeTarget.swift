import Config
import Exposition
import MetricModel

/// One endpoint to scrape, with everything its loop needs, built from a scrape config and one
/// discovered target by target relabeling (`TargetBuilder`).
///
/// Contract: `labels` are the target labels attached to every scraped series — the relabeled set
/// without any `__`-prefixed label (`job`, `instance` and whatever relabeling left);
/// `discoveredLabels` the set before relabeling; `url` comes from `__scheme__`, `__address__`,
/// `__metrics_path__` and the config's `params` overridden by `__param_<name>`; `interval` and
/// `timeout` from `__scrape_interval__`/`__scrape_timeout__`. `key` identifies the target across
/// config reloads and rediscovery: a loop whose key survives keeps running untouched; any change
/// of the pool's scrape settings (`settingsFingerprint`) changes every key of the pool.
public struct ScrapeTarget: Sendable, Hashable {
    /// The scrape pool (`job_name`).
    public var job: String
    public var address: String
    public var url: String
    public var labels: Labels
    public var discoveredLabels: Labels
    /// Milliseconds.
    public var interval: Int64
    /// Milliseconds.
    public var timeout: Int64
    public var honorLabels: Bool
    public var honorTimestamps: Bool
    public var bodySizeLimit: Int
    public var limits: SeriesLimits
    public var acceptHeader: String
    /// Which generation of its pool's scrape settings (everything but service discovery) built it.
    public var settingsFingerprint: UInt64

    public var key: String { "\(job)|\(url)|\(labels)|\(interval)|\(timeout)|\(settingsFingerprint)" }

    /// The active targets of one config's static targets, in config order, duplicates removed
    /// (targets dropped by relabeling or failing are left out).
    public static func targets(of config: ScrapeConfig) -> [ScrapeTarget] {
        guard let builder = try? TargetBuilder(config: config) else { return [] }
        var seen = Set<String>()
        var result: [ScrapeTarget] = []
        for (index, group) in config.staticConfigs.enumerated() {
            let discovered = TargetGroup.fromStatic(group, source: "\(index)")
            for case let .active(target) in builder.build(discovered) where seen.insert(target.key).inserted {
                result.append(target)
            }
        }
        return result
    }

    /// `scheme://address/path?params`, params sorted by name as Go's `url.Values.Encode` does.
    static func scrapeURL(scheme: String, address: String, path: String, params: [String: [String]]) -> String {
        var url = "\(scheme)://\(address)\(path.hasPrefix("/") || path.isEmpty ? path : "/" + path)"
        let query = params.keys.sorted().flatMap { key in
            params[key]!.map { "\(formEncode(key))=\(formEncode($0))" }
        }
        if !query.isEmpty { url += (url.contains("?") ? "&" : "?") + query.joined(separator: "&") }
        return url
    }

    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): out += "+"
            default: out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// Prometheus's `Accept` header for `protocols`: each with a descending `q`, the 1.0.0 text
    /// formats with the escaping scheme, then `*/*`.
    static func acceptHeader(_ protocols: [ScrapeProtocol], escaping: String) -> String {
        var values: [String] = []
        var weight = ScrapeProtocol.allCases.count + 1
        for scrapeProtocol in protocols {
            defer { weight -= 1 }
            var value = scrapeProtocol.headerMediaType
            if scrapeProtocol == .prometheusText1_0_0 || scrapeProtocol == .openMetricsText1_0_0 {
                value += ";escaping=\(escaping)"
            }
            values.append(value + ";q=0.\(weight)")
        }
        values.append("*/*;q=0.\(weight)")
        return values.joined(separator: ",")
    }
}

/// Per-series limits of a scrape config (0 = none), checked on every new series after metric
/// relabeling; exceeding one fails the whole scrape, as in Prometheus.
public struct SeriesLimits: Sendable, Hashable {
    public var sampleLimit = 0
    public var labelLimit = 0
    public var labelNameLengthLimit = 0
    public var labelValueLengthLimit = 0
    public init() {}
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// Where a target stands, as `/api/v1/targets` reports it.
public enum TargetHealth: String, Sendable {
    case up, down, unknown
}

/// Whether `/api/v1/targets` lists a target as active or dropped.
public enum TargetState: String, Sendable {
    case active, dropped
}

/// The last scrape's outcome for one target; for a target dropped by relabeling (`state` is
/// `.dropped`) only `target.job` and `target.discoveredLabels` mean anything.
public struct TargetStatus: Sendable {
    public var target: ScrapeTarget
    public var state: TargetState = .active
    public var health: TargetHealth = .unknown
    public var lastError = ""
    /// Milliseconds since the epoch; nil before the first scrape.
    public var lastScrape: Timestamp?
    /// Seconds.
    public var lastScrapeDuration: Double = 0
    public var lastSamples = 0

    public init(target: ScrapeTarget) { self.target = target }

    /// The status of a dropped target.
    public init(dropped: DroppedTarget) {
        target = ScrapeTarget(job: dropped.scrapePool, address: dropped.discoveredLabels["__address__"] ?? "", url: "",
                              labels: .empty, discoveredLabels: dropped.discoveredLabels, interval: 0, timeout: 0,
                              honorLabels: false, honorTimestamps: false, bodySizeLimit: 0, limits: SeriesLimits(),
                              acceptHeader: "", settingsFingerprint: 0)
        state = .dropped
    }
}

/// A discovered target that target relabeling dropped, kept for `/api/v1/targets?state=dropped`.
public struct DroppedTarget: Sendable, Hashable {
    public var scrapePool: String
    public var discoveredLabels: Labels
    public init(scrapePool: String, discoveredLabels: Labels) {
        self.scrapePool = scrapePool
        self.discoveredLabels = discoveredLabels
    }
}
