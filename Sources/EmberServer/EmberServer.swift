import AsyncHTTPClient
import Config
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import MetricModel
import NIOCore
import PromQL
import RemoteWrite
import Scrape
import ServiceLifecycle
import Synchronization
import TSDB
import WebAPI

/// The whole server: storage, scraping, the query engine and the HTTP API, run as ServiceLifecycle
/// services.
///
/// Contract: `init` validates the configuration file and the flags (throwing what is wrong) and
/// prepares the data directory, but starts nothing; `run()` starts the HTTP listener, replays the
/// write-ahead log (`/-/ready` answers 503 until that is done), then starts scraping; it serves
/// until SIGTERM/SIGINT (or `shutdown()`), then stops every service, closes the head (flushing
/// and fsyncing the log) and returns. SIGHUP reloads the configuration.
public final class EmberServer: Sendable {
    public let options: ServerOptions
    /// The store: blocks and the head.
    public let database: Database
    /// The database's head (recent data and the write-ahead log).
    public var head: Head { database.head }
    public let engine: Engine
    public let readiness = Readiness()
    /// Metric metadata per target, served by `/api/v1/metadata`.
    public let metadata = MetadataStore()
    let startTime = currentTimestamp()
    let routePrefix: String
    let logger: Logger
    let metrics: SelfMetrics
    let initialConfig: PrometheusConfig
    let address: ListenAddress
    let webSecurity: WebServerSecurity
    /// The size retention applied, in bytes (0: none): the flag, or the small-filesystem default.
    let retentionSizeLimit: Int64
    private let boundPort = Mutex<Int?>(nil)
    private let group = Mutex<ServiceGroup?>(nil)
    /// Awaited before the WAL replay starts; tests use it to observe the server mid-startup.
    let beforeReplay: (@Sendable () async -> Void)?

    public convenience init(options: ServerOptions, logger: Logger) throws {
        try self.init(options: options, logger: logger, beforeReplay: nil)
    }

    init(options: ServerOptions, logger: Logger, beforeReplay: (@Sendable () async -> Void)?) throws {
        self.beforeReplay = beforeReplay
        self.options = options
        self.logger = logger
        self.address = try ListenAddress(parsing: options.listenAddress)
        self.routePrefix = try options.resolvedRoutePrefix(hostname: ProcessInfo.processInfo.hostName)
        try options.validateCORSOrigin()
        self.initialConfig = try PrometheusConfig.load(file: options.configFile)
        if let file = options.webConfigFile, !file.isEmpty {
            webSecurity = try WebServerSecurity(file: file)
        } else {
            webSecurity = WebServerSecurity()
        }
        try FileManager.default.createDirectory(atPath: options.storagePath, withIntermediateDirectories: true)
        database = try Database(directory: options.storagePath, options: options.databaseOptions, logger: logger)
        retentionSizeLimit = options.effectiveRetentionSize(filesystemBytes: filesystemSize(of: options.storagePath))
        metrics = SelfMetrics(database: database)
        engine = Engine(queryable: database, options: EngineOptions(
            lookbackDelta: options.lookbackDelta, timeout: options.queryTimeout,
            maxSamples: options.queryMaxSamples, maxConcurrency: options.queryMaxConcurrency))
    }

    /// The port the HTTP listener is bound to, once it is (useful with port 0).
    public var port: Int? { boundPort.withLock { $0 } }

    public func run() async throws {
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 10, allowCycles: false),
            decompression: .enabled(limit: .ratio(100)))
        // One scrape is one attempt, as in Prometheus: a refused connection is that scrape's error,
        // not a retry loop until the timeout.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let scrapeManager = ScrapeManager(storage: database, httpClient: httpClient, logger: logger,
                                          metricsFactory: metrics.factory, metadata: metadata)
        let reloader = ConfigReloader(path: options.configFile, initial: initialConfig,
                                      scrapeManager: scrapeManager, logger: logger, metrics: metrics)
        for warning in initialConfig.warnings { logger.warning("\(warning)") }
        var deps = APIDependencies(engine: engine, readiness: readiness,
                                   selfMetrics: { [metrics] in metrics.render() },
                                   targets: { scrapeManager.targetStatuses(includingDropped: true) })
        deps.metadata = metadata
        deps.configYAML = { reloader.config?.maskedSourceText ?? "" }
        deps.externalLabels = { reloader.config?.global.externalLabels ?? .empty }
        deps.flags = options.flagValues
        deps.runtimeInfo = { [options, startTime] in
            let reload = reloader.lastReload
            return RuntimeInfo(startTime: startTime, cwd: FileManager.default.currentDirectoryPath,
                               hostname: ProcessInfo.processInfo.hostName, reloadConfigSuccess: reload.success,
                               lastConfigTime: reload.time, goroutineCount: ProcessStats.threadCount(),
                               gomaxprocs: ProcessInfo.processInfo.activeProcessorCount,
                               storageRetention: options.retentionDescription)
        }
        deps.lifecycle = LifecycleHooks(
            enabled: options.enableLifecycle,
            reload: { reloader.reload().map { "\($0)" } },
            quit: { [weak self] in await self?.shutdown() })
        deps.tsdbStatus = { [head] limit in TSDBStatus(head.cardinalityStats(limit: limit)) }
        deps.walReplayStatus = { [head] in
            let status = head.walReplayStatus
            return (status.min, status.max, status.current)
        }
        deps.admin.enabled = options.enableAdminAPI
        deps.admin.deleteSeries = { [database] sets, start, end in
            for matchers in sets { try database.deleteSeries(matching: matchers, mint: start, maxt: end) }
        }
        deps.admin.cleanTombstones = { [database] in _ = try database.cleanTombstones() }
        deps.web.corsOrigin = options.corsOrigin
        if options.enableRemoteWriteReceiver {
            deps.remoteWriteReceiver = RemoteWriteReceiver(storage: database, logger: logger, metricsFactory: metrics.factory)
        }
        deps.web.routePrefix = routePrefix
        deps.web.access = webSecurity.access(metricsFactory: metrics.factory)
        let readiness = self.readiness
        let tls = webSecurity.tls != nil, basicAuth = !webSecurity.config.basicAuthUsers.isEmpty
        let app = HTTPService(
            responder: APIRouter.build(deps).buildResponder(),
            host: address.host, port: address.port, tls: webSecurity.tls,
            bodyLimit: APIRouter.largestRequestBody(deps),
            logger: logger,
            onServerRunning: { [self, logger] channel in
                self.boundPort.withLock { $0 = channel.localAddress?.port }
                logger.info("Server is ready to receive web requests.",
                            metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                                       "tls": "\(tls)", "basic_auth": "\(basicAuth)"])
            },
            policy: SmallRequestPolicy(seriesEstimate: { [database] in
                database.head.stats.series + (database.blocks.map(\.meta.stats.numSeries).max() ?? 0)
            }))
        let maintenance = StorageMaintenanceService(database: database, retention: options.effectiveRetentionTime,
                                                    sizeLimit: retentionSizeLimit, logger: logger)
        let initialConfig = self.initialConfig
        let storage = HeadReplayService(database: database, logger: logger, beforeReplay: beforeReplay,
                                        maintenance: { maintenance.afterReplay() }) {
            scrapeManager.apply(initialConfig)
            readiness.markReady()
        }
        let serviceGroup = ServiceGroup(configuration: .init(
            services: [.init(service: storage), .init(service: app), .init(service: scrapeManager),
                       .init(service: reloader), .init(service: maintenance)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        group.withLock { $0 = serviceGroup }
        logger.info("Starting Ember", metadata: [
            "version": "\(EmberVersion.string)", "config": "\(options.configFile)",
            "storage": "\(options.storagePath)",
            "retention": "\(PrometheusDuration.format(options.effectiveRetentionTime))",
        ])
        logger.info("Storage retention: \(options.retentionSummary(sizeLimit: retentionSizeLimit))")
        do {
            try await serviceGroup.run()
        } catch {
            scrapeManager.stopAll()
            closeHead()
            try? await httpClient.shutdown()
            throw error
        }
        scrapeManager.stopAll()
        closeHead()
        try await httpClient.shutdown()
        logger.info("See you next time!")
    }

    /// Flushes and closes the write-ahead log; a failure is logged, as the process is ending.
    private func closeHead() {
        do {
            try database.close()
        } catch {
            logger.error("closing the head failed", metadata: ["err": "\(error)"])
        }
    }

    /// Starts a graceful shutdown, as SIGTERM does.
    public func shutdown() async {
        let serviceGroup = group.withLock { $0 }
        await serviceGroup?.triggerGracefulShutdown()
    }
}

extension TSDBStatus {
    /// The API's view of the head's cardinality statistics.
    init(_ stats: CardinalityStats) {
        self.init()
        numSeries = stats.numSeries
        numLabelPairs = stats.numLabelPairs
        chunkCount = stats.chunkCount
        minTime = stats.minTime
        maxTime = stats.maxTime
        let pairs: ([CardinalityStats.Entry]) -> [(name: String, value: UInt64)] = { $0.map { ($0.name, $0.value) } }
        seriesCountByMetricName = pairs(stats.seriesCountByMetricName)
        labelValueCountByLabelName = pairs(stats.labelValueCountByLabelName)
        memoryInBytesByLabelName = pairs(stats.memoryInBytesByLabelName)
        seriesCountByLabelValuePair = pairs(stats.seriesCountByLabelValuePair)
    }
}

extension ServerOptions {
    /// Throws Prometheus's message when `--web.cors.origin` is not a valid regex.
    public func validateCORSOrigin() throws {
        _ = try CORSPolicy(pattern: corsOrigin)
    }
}
