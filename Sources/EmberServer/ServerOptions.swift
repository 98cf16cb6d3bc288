import Logging
import MetricModel

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

    public static let defaultRetention: Int64 = 15 * 24 * 3_600_000

    /// The retention actually applied.
    public var effectiveRetentionTime: Int64 { retentionTime > 0 ? retentionTime : Self.defaultRetention }

    public init() {}
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
