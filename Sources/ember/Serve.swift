import ArgumentParser
import EmberServer
import Foundation
import Logging
import MetricModel

/// The server, with Prometheus's flag names and defaults.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Ember server (the default).")

    @Option(name: .customLong("config.file"), help: "Prometheus configuration file path.")
    var configFile = "prometheus.yml"

    @Option(name: .customLong("storage.tsdb.path"), help: "Base path for metrics storage.")
    var storagePath = "data/"

    @Option(name: .customLong("storage.tsdb.retention.time"),
            help: "How long to retain samples in storage (default 15d when no size limit is set either).")
    var retentionTime: String?

    @Option(name: .customLong("storage.tsdb.retention.size"),
            help: "Maximum number of bytes that can be stored for blocks, e.g. 512MB. Units: B, KB, MB, GB, TB, PB, EB.")
    var retentionSize: String?

    @Option(name: .customLong("storage.tsdb.min-block-duration"),
            help: ArgumentHelp("Minimum duration of a data block before being persisted.", visibility: .hidden))
    var minBlockDuration = "2h"

    @Option(name: .customLong("storage.tsdb.max-block-duration"),
            help: ArgumentHelp("Maximum duration compacted blocks may span. (default: 10% of the retention period)", visibility: .hidden))
    var maxBlockDuration: String?

    @Option(name: .customLong("storage.tsdb.wal-segment-size"),
            help: ArgumentHelp("Size at which to split the tsdb WAL segment files. Example: 100MB", visibility: .hidden))
    var walSegmentSize: String?

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on for UI, API, and telemetry.")
    var listenAddress = "0.0.0.0:9090"

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable shutdown and reload via HTTP request.")
    var enableLifecycle = false

    @Flag(name: .customLong("web.enable-admin-api"), help: "Enable API endpoints for admin control actions.")
    var enableAdminAPI = false

    @Flag(name: .customLong("web.enable-remote-write-receiver"), help: "Enable API endpoint accepting remote write requests.")
    var enableRemoteWriteReceiver = false

    @Option(name: .customLong("web.config.file"), help: "Path to configuration file that can enable TLS or authentication.")
    var webConfigFile: String?

    @Option(name: .customLong("web.cors.origin"), help: "Regex for CORS origin. It is fully anchored.")
    var corsOrigin = ".*"

    @Option(name: .customLong("web.external-url"),
            help: "The URL under which Ember is externally reachable. Used to derive the route prefix when that is not given.")
    var externalURL = ""

    @Option(name: .customLong("web.route-prefix"),
            help: "Prefix for the internal routes of web endpoints. Defaults to the path of --web.external-url.")
    var routePrefix = ""

    @Option(name: .customLong("query.lookback-delta"), help: "The maximum lookback duration for retrieving metrics during expression evaluations.")
    var lookbackDelta = "5m"

    @Option(name: .customLong("query.timeout"), help: "Maximum time a query may take before being aborted.")
    var queryTimeout = "2m"

    @Option(name: .customLong("query.max-samples"), help: "Maximum number of samples a single query can load into memory.")
    var queryMaxSamples = 50_000_000

    @Option(name: .customLong("query.max-concurrency"), help: "Maximum number of queries executed concurrently.")
    var queryMaxConcurrency = 20

    @Option(name: .customLong("log.level"), help: "Only log messages with the given severity or above. One of: [debug, info, warn, error]")
    var logLevel = "info"

    @Option(name: .customLong("log.format"), help: "Output format of log messages. One of: [logfmt, json]")
    var logFormat = "logfmt"

    func validate() throws {
        _ = try makeOptions()
    }

    func makeOptions() throws -> ServerOptions {
        var options = ServerOptions()
        options.configFile = configFile
        options.storagePath = storagePath
        options.listenAddress = listenAddress
        options.retentionTime = try retentionTime.map { try duration($0, flag: "storage.tsdb.retention.time") } ?? 0
        options.minBlockDuration = try duration(minBlockDuration, flag: "storage.tsdb.min-block-duration")
        options.maxBlockDuration = try maxBlockDuration.map { try duration($0, flag: "storage.tsdb.max-block-duration") } ?? 0
        if let walSegmentSize {
            let bytes = try ByteSize.parse(walSegmentSize, flag: "storage.tsdb.wal-segment-size")
            guard bytes >= 10 << 20 && bytes <= 256 << 20 else {
                throw ValidationError("flag 'storage.tsdb.wal-segment-size' must be set between 10MB and 256MB")
            }
            options.walSegmentSize = bytes
        }
        options.retentionSize = try retentionSize.map { try ByteSize.parse($0, flag: "storage.tsdb.retention.size") } ?? 0
        options.enableLifecycle = enableLifecycle
        options.enableAdminAPI = enableAdminAPI
        options.enableRemoteWriteReceiver = enableRemoteWriteReceiver
        options.webConfigFile = webConfigFile
        options.corsOrigin = corsOrigin
        options.externalURL = externalURL
        options.routePrefix = routePrefix
        do { try options.validateCORSOrigin() } catch {
            throw ValidationError("--web.cors.origin: \(error)")
        }
        do { _ = try options.resolvedRoutePrefix(hostname: ProcessInfo.processInfo.hostName) } catch {
            throw ValidationError("--web.external-url: \(error)")
        }
        options.lookbackDelta = try duration(lookbackDelta, flag: "query.lookback-delta")
        options.queryTimeout = try duration(queryTimeout, flag: "query.timeout")
        options.queryMaxSamples = queryMaxSamples
        options.queryMaxConcurrency = queryMaxConcurrency
        switch logLevel {
        case "debug": options.logLevel = .debug
        case "info": options.logLevel = .info
        case "warn": options.logLevel = .warning
        case "error": options.logLevel = .error
        default: throw ValidationError("--log.level: unrecognized log level \"\(logLevel)\", want one of debug, info, warn, error")
        }
        guard let format = LogFormat(rawValue: logFormat) else {
            throw ValidationError("--log.format: unrecognized log format \"\(logFormat)\", want one of logfmt, json")
        }
        options.logFormat = format
        _ = try ListenAddress(parsing: listenAddress)
        return options
    }

    func duration(_ text: String, flag: String) throws -> Int64 {
        do { return try PrometheusDuration.parse(text) } catch {
            throw ValidationError("--\(flag): \(error)")
        }
    }

    func run() async throws {
        let options = try makeOptions()
        let level = options.logLevel, format = options.logFormat
        LoggingSystem.bootstrap { label in EmberLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "ember")
        let server: EmberServer
        do {
            server = try EmberServer(options: options, logger: logger)
        } catch {
            logger.error("Error starting Ember", metadata: ["err": "\(error)"])
            throw ExitCode(1)
        }
        try await server.run()
    }
}

/// Sizes like Prometheus's `--storage.tsdb.retention.size`: an integer and a base-2 unit.
enum ByteSize {
    static func parse(_ text: String, flag: String) throws -> Int64 {
        let units: [(String, Int64)] = [("EB", 1 << 60), ("PB", 1 << 50), ("TB", 1 << 40), ("GB", 1 << 30),
                                        ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)]
        for (unit, size) in units where text.hasSuffix(unit) {
            if let number = Int64(text.dropLast(unit.count)), number >= 0 {
                let (bytes, overflow) = number.multipliedReportingOverflow(by: size)
                if !overflow { return bytes }
            }
            break
        }
        throw ValidationError("--\(flag): invalid size \"\(text)\", want e.g. 512MB (units B, KB, MB, GB, TB, PB, EB)")
    }
}
