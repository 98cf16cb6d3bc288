import Config
import MetricModel

/// One endpoint to scrape, with everything its loop needs, derived from a scrape config and a
/// static target.
///
/// Contract: `labels` are the target labels attached to every scraped series (`job`, `instance`
/// and the static config's labels); `key` identifies the target across config reloads, so a loop
/// whose key survives a reload keeps running untouched.
public struct ScrapeTarget: Sendable, Hashable {
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

    public var key: String { "\(job)|\(url)|\(labels)|\(interval)|\(timeout)|\(honorLabels)|\(honorTimestamps)|\(bodySizeLimit)" }

    /// The targets of one scrape config, in config order, duplicates removed.
    public static func targets(of config: ScrapeConfig) -> [ScrapeTarget] {
        var seen = Set<String>()
        var result: [ScrapeTarget] = []
        for group in config.staticConfigs {
            for address in group.targets {
                var builder = LabelsBuilder(group.labels)
                builder.set("job", config.jobName)
                if builder["instance"] == nil { builder.set("instance", address) }
                var discovered = LabelsBuilder(group.labels)
                discovered.set("__address__", address)
                discovered.set("__scheme__", config.scheme)
                discovered.set("__metrics_path__", config.metricsPath)
                discovered.set("job", config.jobName)
                let target = ScrapeTarget(
                    job: config.jobName, address: address,
                    url: scrapeURL(scheme: config.scheme, address: address, path: config.metricsPath, params: config.params),
                    labels: builder.labels, discoveredLabels: discovered.labels,
                    interval: config.scrapeInterval, timeout: config.scrapeTimeout,
                    honorLabels: config.honorLabels, honorTimestamps: config.honorTimestamps,
                    bodySizeLimit: config.bodySizeLimit)
                if seen.insert(target.key).inserted { result.append(target) }
            }
        }
        return result
    }

    static func scrapeURL(scheme: String, address: String, path: String, params: [String: [String]]) -> String {
        var url = "\(scheme)://\(address)\(path.hasPrefix("/") ? path : "/" + path)"
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
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// Where a target stands, as `/api/v1/targets` reports it.
public enum TargetHealth: String, Sendable {
    case up, down, unknown
}

/// The last scrape's outcome for one target.
public struct TargetStatus: Sendable {
    public var target: ScrapeTarget
    public var health: TargetHealth = .unknown
    public var lastError = ""
    /// Milliseconds since the epoch; nil before the first scrape.
    public var lastScrape: Timestamp?
    /// Seconds.
    public var lastScrapeDuration: Double = 0
    public var lastSamples = 0

    public init(target: ScrapeTarget) { self.target = target }
}
