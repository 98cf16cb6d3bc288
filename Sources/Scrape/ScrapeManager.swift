import AsyncHTTPClient
import CoreMetrics
import Config
import Logging
import MetricModel
import ServiceLifecycle
import Storage
import Synchronization

/// Runs one scrape loop per target of the current configuration.
///
/// Contract: `apply(_:)` brings the running loops in line with a configuration: loops whose target
/// key is unchanged keep running (no gap, no duplicate scrape), removed targets are stopped and
/// their series marked stale, new targets start. `run()` (a ServiceLifecycle service) returns on
/// graceful shutdown after cancelling every loop.
public final class ScrapeManager: Service, Sendable {
    private struct Running {
        let loop: ScrapeLoop
        let task: Task<Void, Never>
    }

    private let storage: any Appendable
    private let scraper: HTTPScraper
    private let logger: Logger
    private let metrics: ScrapeMetrics
    private let loops = Mutex<[String: Running]>([:])
    private let order = Mutex<[String]>([])

    public init(storage: any Appendable, httpClient: HTTPClient, logger: Logger, metricsFactory: any MetricsFactory) {
        self.storage = storage
        self.scraper = HTTPScraper(client: httpClient)
        self.logger = logger
        self.metrics = ScrapeMetrics(factory: metricsFactory)
    }

    /// Starts, keeps and stops loops to match `config`.
    public func apply(_ config: PrometheusConfig) {
        var wanted: [String: ScrapeTarget] = [:]
        var wantedOrder: [String] = []
        for scrapeConfig in config.scrapeConfigs {
            let targets = ScrapeTarget.targets(of: scrapeConfig)
            metrics.poolTargets(job: scrapeConfig.jobName, count: targets.count)
            for target in targets where wanted[target.key] == nil {
                wanted[target.key] = target
                wantedOrder.append(target.key)
            }
        }
        let stopped: [Running] = loops.withLock { running in
            var stopped: [Running] = []
            for (key, loop) in running where wanted[key] == nil {
                stopped.append(loop)
                running[key] = nil
            }
            for key in wantedOrder where running[key] == nil {
                let loop = ScrapeLoop(target: wanted[key]!, scraper: scraper, storage: storage, logger: logger, metrics: metrics)
                running[key] = Running(loop: loop, task: Task { await loop.run() })
            }
            return stopped
        }
        order.withLock { $0 = wantedOrder }
        for running in stopped {
            running.task.cancel()
            running.loop.stop()
        }
        logger.info("scrape targets applied", metadata: ["targets": "\(wanted.count)", "stopped": "\(stopped.count)"])
    }

    /// The status of every target, in configuration order.
    public func targetStatuses() -> [TargetStatus] {
        let keys = order.withLock { $0 }
        let running = loops.withLock { $0 }
        return keys.compactMap { running[$0]?.loop.status.withLock { $0 } }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        stopAll()
    }

    /// Cancels every loop without writing staleness markers (the process is stopping).
    public func stopAll() {
        let all = loops.withLock { running in
            defer { running = [:] }
            return Array(running.values)
        }
        for running in all { running.task.cancel() }
        for running in all { _ = running.task }
    }
}
