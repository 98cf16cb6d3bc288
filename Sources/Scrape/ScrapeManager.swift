import AsyncHTTPClient
import CoreMetrics
import Config
import Logging
import MetricModel
import ServiceLifecycle
import Storage
import Synchronization

/// Runs one scrape pool per scrape config, each with its discovery and one loop per target.
///
/// Contract: `apply(_:)` brings the pools in line with a configuration: a pool whose job stays
/// adopts its new config (loops whose target key is unchanged keep running: no gap, no duplicate
/// scrape), removed jobs stop with their series marked stale, new jobs start. Static targets are
/// live when `apply` returns; discovered ones appear and disappear as their providers report.
/// `run()` (a ServiceLifecycle service) returns on graceful shutdown after cancelling every loop.
public final class ScrapeManager: Service, Sendable {
    private let storage: any Appendable
    private let clients: HTTPClients
    private let logger: Logger
    private let metrics: ScrapeMetrics
    private let metadataStore: MetadataStore?
    private let pools = Mutex<[String: ScrapePool]>([:])
    private let order = Mutex<[String]>([])

    /// `filePollInterval` is how often `file_sd_configs` files are checked for changes;
    /// `dnsResolver` answers `dns_sd_configs` (the system's by default); `metadata` receives each
    /// active target's HELP/TYPE/UNIT declarations (and loses a target's when it stops).
    public init(storage: any Appendable, httpClient: HTTPClient, logger: Logger, metricsFactory: any MetricsFactory,
                filePollInterval: Duration = .seconds(1), dnsResolver: (any DNSResolver)? = nil,
                metadata: MetadataStore? = nil) {
        self.storage = storage
        self.metadataStore = metadata
        self.clients = HTTPClients(client: httpClient, filePollInterval: filePollInterval,
                                   dnsResolver: dnsResolver ?? SystemDNSResolver())
        self.logger = logger
        self.metrics = ScrapeMetrics(factory: metricsFactory)
    }

    /// Starts, updates and stops pools to match `config`.
    public func apply(_ config: PrometheusConfig) {
        var jobs: [String] = []
        var updates: [(ScrapePool, ScrapeConfig)] = []
        var created: [ScrapeConfig] = []
        let removed: [ScrapePool] = pools.withLock { pools in
            var seen = Set<String>()
            for scrapeConfig in config.scrapeConfigs where seen.insert(scrapeConfig.jobName).inserted {
                jobs.append(scrapeConfig.jobName)
                if let pool = pools[scrapeConfig.jobName] { updates.append((pool, scrapeConfig)) } else { created.append(scrapeConfig) }
            }
            var removed: [ScrapePool] = []
            for (job, pool) in pools where !seen.contains(job) {
                removed.append(pool)
                pools[job] = nil
            }
            return removed
        }
        for pool in removed { pool.stop(markStale: true) }
        for (pool, scrapeConfig) in updates { pool.update(config: scrapeConfig) }
        for scrapeConfig in created {
            let pool = ScrapePool(config: scrapeConfig, storage: storage, clients: clients, logger: logger, metrics: metrics,
                                  metadataStore: metadataStore)
            pools.withLock { $0[scrapeConfig.jobName] = pool }
        }
        order.withLock { $0 = jobs }
        let count = targetStatuses().count
        logger.info("scrape targets applied", metadata: ["pools": "\(jobs.count)", "targets": "\(count)",
                                                        "removed_pools": "\(removed.count)"])
    }

    private func orderedPools() -> [ScrapePool] {
        let jobs = order.withLock { $0 }
        let pools = self.pools.withLock { $0 }
        return jobs.compactMap { pools[$0] }
    }

    /// The status of every active target, pools in configuration order; with `includingDropped`,
    /// each pool's dropped targets follow its active ones (as `.dropped` statuses).
    public func targetStatuses(includingDropped: Bool = false) -> [TargetStatus] {
        orderedPools().flatMap { pool in
            pool.statuses() + (includingDropped ? pool.droppedTargets().map(TargetStatus.init(dropped:)) : [])
        }
    }

    /// The active targets of one pool (empty for an unknown pool).
    public func targetStatuses(scrapePool: String) -> [TargetStatus] {
        pools.withLock { $0[scrapePool] }?.statuses() ?? []
    }

    /// Targets that target relabeling dropped, pools in configuration order (at most
    /// `keep_dropped_targets` per pool when that is set).
    public func droppedTargets() -> [DroppedTarget] { orderedPools().flatMap { $0.droppedTargets() } }

    /// The pools' names in configuration order.
    public func scrapePools() -> [String] { order.withLock { $0 } }

    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Cancels every loop and discovery without writing staleness markers (the process is
    /// stopping) and shuts down the HTTP clients this manager made.
    public func shutdown() async {
        stopAll()
        await clients.shutdown()
    }

    /// Cancels every loop and discovery without writing staleness markers.
    public func stopAll() {
        let all = pools.withLock { pools in
            defer { pools = [:] }
            return Array(pools.values)
        }
        order.withLock { $0 = [] }
        for pool in all { pool.stop(markStale: false) }
    }
}
