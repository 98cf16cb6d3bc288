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

    init(path: String, initial: PrometheusConfig, scrapeManager: ScrapeManager, logger: Logger, metrics: SelfMetrics) {
        self.path = path
        self.scrapeManager = scrapeManager
        self.logger = logger
        self.current = Mutex(initial)
        lastReloadOK = Gauge(label: "prometheus_config_last_reload_successful", factory: metrics.factory)
        lastReloadTime = Gauge(label: "prometheus_config_last_reload_success_timestamp_seconds", factory: metrics.factory)
        lastReloadOK.record(1)
        lastReloadTime.record(Date().timeIntervalSince1970.rounded(.down))
    }

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
            logger.info("Completed loading of configuration file", metadata: ["filename": "\(path)"])
            return nil
        } catch {
            lastReloadOK.record(0)
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
