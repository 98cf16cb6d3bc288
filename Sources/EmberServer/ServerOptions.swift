import Foundation
import Logging
import MetricModel
import TSDB

/// Everything the command line configures, with Prometheus's defaults.
///
/// Contract: field defaults equal Prometheus's flag defaults; durations are milliseconds.
public struct ServerOptions: Sendable {
    public var configFile = "prometheus.yml"
    public var storagePath = "data/"
    public var listenAddress = "0.0.0.0:9090"
    /// 0 means "not set" (Prometheus then uses 15d).
    public var retentionTime: Int64 = 0
    /// Bytes; 0 means no size limit.
    public var retentionSize: Int64 = 0
    /// `--storage.tsdb.min-block-duration` (hidden in Prometheus): the block range, 2 h.
    public var minBlockDuration: Int64 = 2 * 3_600_000
    /// `--storage.tsdb.max-block-duration` (hidden in Prometheus); 0 means 10% of the retention
    /// time, at most 31 d.
    public var maxBlockDuration: Int64 = 0
    /// `--storage.tsdb.wal-segment-size` (hidden in Prometheus): bytes per WAL segment file, 0
    /// for the default 128 MiB. Replay holds one segment in memory, so a smaller size lowers the
    /// restart's memory peak on a small box.
    public var walSegmentSize: Int64 = 0
    public var enableLifecycle = false
    public var enableAdminAPI = false
    public var enableRemoteWriteReceiver = false
    public var webConfigFile: String?
    public var lookbackDelta: Int64 = 5 * 60_000
    public var queryTimeout: Int64 = 2 * 60_000
    public var queryMaxSamples = 50_000_000
    public var queryMaxConcurrency = 20
    public var logLevel: Logger.Level = .info
    public var logFormat: LogFormat = .logfmt
    /// `--web.cors.origin`: regex of origins allowed to call the API from a browser.
    public var corsOrigin = ".*"
    /// `--web.external-url`; empty means `http://<hostname>:<port>/`.
    public var externalURL = ""
    /// `--web.route-prefix`; empty means the external URL's path.
    public var routePrefix = ""

    public static let defaultRetention: Int64 = 15 * 24 * 3_600_000

    /// The retention actually applied.
    public var effectiveRetentionTime: Int64 { retentionTime > 0 ? retentionTime : Self.defaultRetention }

    public init() {}

    /// The longest block compaction produces: the flag, else 10% of the retention time capped
    /// at 31 d (Prometheus's rule), never below the block range.
    public var effectiveMaxBlockDuration: Int64 {
        let chosen = maxBlockDuration > 0 ? maxBlockDuration : Swift.min(31 * 24 * 3_600_000, effectiveRetentionTime / 10)
        return Swift.max(chosen, minBlockDuration)
    }

    /// The storage engine's options from the flags.
    public var databaseOptions: Database.Options {
        var options = Database.Options()
        options.blockRange = minBlockDuration
        options.maxBlockDuration = effectiveMaxBlockDuration
        if walSegmentSize > 0 { options.head.walSegmentSize = Int(walSegmentSize) }
        return options
    }

    /// The external URL as Prometheus computes it: the flag, or `http://<hostname>:<port>`, with
    /// the path's trailing slashes removed.
    public func resolvedExternalURL(hostname: String) throws(WebURLError) -> (scheme: String, host: String, path: String) {
        var text = externalURL
        if text.isEmpty {
            let port = listenAddress.lastIndex(of: ":").map { String(listenAddress[listenAddress.index(after: $0)...]) } ?? ""
            text = "http://\(hostname):\(port)/"
        }
        if text.hasPrefix("\"") || text.hasPrefix("'") { throw WebURLError(text: text, reason: "URL must not begin with quotes") }
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw WebURLError(text: text, reason: "want an absolute http or https URL")
        }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        if !path.isEmpty, !path.hasPrefix("/") { path = "/" + path }
        return (scheme, host + (components.port.map { ":\($0)" } ?? ""), path)
    }

    /// The route prefix every HTTP path is served under: the flag, else the external URL's path;
    /// always "/" or "/<segments>" without a trailing slash.
    public func resolvedRoutePrefix(hostname: String) throws(WebURLError) -> String {
        let externalPath = try resolvedExternalURL(hostname: hostname).path
        let prefix = routePrefix.isEmpty ? externalPath : routePrefix
        return "/" + prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    /// Every flag by its Prometheus name with its value as text (`/api/v1/status/flags`).
    public var flagValues: [String: String] {
        [
            "config.file": configFile,
            "storage.tsdb.path": storagePath,
            "storage.tsdb.retention.time": PrometheusDuration.format(retentionTime),
            "storage.tsdb.retention.size": base2Bytes(retentionSize),
            "storage.tsdb.min-block-duration": PrometheusDuration.format(minBlockDuration),
            "storage.tsdb.max-block-duration": PrometheusDuration.format(effectiveMaxBlockDuration),
            "storage.tsdb.wal-segment-size": base2Bytes(walSegmentSize),
            "web.listen-address": listenAddress,
            "web.enable-lifecycle": String(enableLifecycle),
            "web.enable-admin-api": String(enableAdminAPI),
            "web.enable-remote-write-receiver": String(enableRemoteWriteReceiver),
            "web.config.file": webConfigFile ?? "",
            "web.cors.origin": corsOrigin,
            "web.external-url": externalURL,
            "web.route-prefix": routePrefix,
            "query.lookback-delta": PrometheusDuration.format(lookbackDelta),
            "query.timeout": PrometheusDuration.format(queryTimeout),
            "query.max-samples": String(queryMaxSamples),
            "query.max-concurrency": String(queryMaxConcurrency),
            "log.level": Self.levelName(logLevel),
            "log.format": logFormat.rawValue,
        ]
    }

    /// Retention as Prometheus's runtime info shows it: "15d", "512MiB" or "15d or 512MiB".
    public var retentionDescription: String {
        var parts: [String] = []
        if retentionTime > 0 || retentionSize == 0 { parts.append(PrometheusDuration.format(effectiveRetentionTime)) }
        if retentionSize > 0 { parts.append(base2Bytes(retentionSize)) }
        return parts.joined(separator: " or ")
    }

    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: return "debug"
        case .info, .notice: return "info"
        case .warning: return "warn"
        case .error, .critical: return "error"
        }
    }
}

/// A bad `--web.external-url`.
public struct WebURLError: Error, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "parse external URL \"\(text)\": \(reason)" }
}

/// Bytes as Go's `units.Base2Bytes` prints them: "0B", "512MiB", "1GiB512MiB".
func base2Bytes(_ bytes: Int64) -> String {
    if bytes == 0 { return "0B" }
    let units = ["", "K", "M", "G", "T", "P", "E"]
    var rest = bytes
    var parts: [String] = []
    for (index, unit) in units.enumerated() {
        if rest % 1024 != 0 {
            parts.insert("\(rest % 1024)\(unit)\(index == 0 ? "B" : "iB")", at: 0)
        }
        rest /= 1024
        if rest == 0 { break }
    }
    return parts.joined()
}

/// A parsed `--web.listen-address`: `host:port`, `[v6]:port` or `:port`.
public struct ListenAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public struct ParseError: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "invalid --web.listen-address \"\(text)\": want host:port, [ipv6]:port or :port" }
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(ParseError) {
        guard let colon = text.lastIndex(of: ":") else { throw ParseError(text: text) }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ParseError(text: text)
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { throw ParseError(text: text) }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw ParseError(text: text)
        }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}
