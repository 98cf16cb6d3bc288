import Config
import CoreMetrics
import Foundation
import Logging
import Scrape
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Loads the configuration file and applies it; reloads on SIGHUP (and on request).
///
/// Contract: a configuration that fails to load is logged with every problem and leaves the
/// running configuration untouched; `prometheus_config_last_reload_successful` tells which.
public final class ConfigReloader: Service, Sendable {
    private let path: String
    private let scrapeManager: ScrapeManager
    private let logger: Logger
    private let current: Mutex<PrometheusConfig?>
    private let lastReloadOK: Gauge
    private let lastReloadTime: Gauge
    /// Whether the last (re)load succeeded and when the configuration in force was loaded (ms).
    private let lastOutcome = Mutex<(success: Bool, time: Int64)>((true, 0))

    init(path: String, initial: PrometheusConfig, scrapeManager: ScrapeManager, logger: Logger, metrics: SelfMetrics) {
        self.path = path
        self.scrapeManager = scrapeManager
        self.logger = logger
        self.current = Mutex(initial)
        lastReloadOK = Gauge(label: "prometheus_config_last_reload_successful", factory: metrics.factory)
        lastReloadTime = Gauge(label: "prometheus_config_last_reload_success_timestamp_seconds", factory: metrics.factory)
        lastReloadOK.record(1)
        lastReloadTime.record(Date().timeIntervalSince1970.rounded(.down))
        lastOutcome.withLock { $0 = (true, Int64(Date().timeIntervalSince1970 * 1000)) }
    }

    /// Whether the last reload succeeded, and when the configuration in force was loaded (ms),
    /// for `/api/v1/status/runtimeinfo`.
    public var lastReload: (success: Bool, time: Int64) { lastOutcome.withLock { $0 } }

    /// The configuration in force.
    public var config: PrometheusConfig? { current.withLock { $0 } }

    /// Re-reads the file; applies it when valid. Returns the problems when not.
    @discardableResult
    public func reload() -> ConfigErrors? {
        logger.info("Loading configuration file", metadata: ["filename": "\(path)"])
        do {
            let config = try PrometheusConfig.load(file: path)
            for warning in config.warnings { logger.warning("\(warning)") }
            current.withLock { $0 = config }
            scrapeManager.apply(config)
            lastReloadOK.record(1)
            lastReloadTime.record(Date().timeIntervalSince1970.rounded(.down))
            lastOutcome.withLock { $0 = (true, Int64(Date().timeIntervalSince1970 * 1000)) }
            logger.info("Completed loading of configuration file", metadata: ["filename": "\(path)"])
            return nil
        } catch {
            lastReloadOK.record(0)
            lastOutcome.withLock { $0.success = false }
            logger.error("Error reloading config; the previous configuration stays in force",
                         metadata: ["filename": "\(path)", "err": "\(error)"])
            return error
        }
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }
}
