import Logging
import MetricModel
import Storage
import Synchronization

/// Scrapes one target on its schedule until cancelled.
///
/// Contract: the first scrape is offset within the interval by a hash of the target, so many
/// targets do not fire together; scrapes never overlap (the timeout is at most the interval); each
/// scrape's samples are stamped with its scheduled start when the actual start is within
/// `timestampTolerance` of it, so that regular intervals encode to zero delta-of-deltas. After
/// every scrape the synthetic series `up`, `scrape_duration_seconds`, `scrape_samples_scraped`,
/// `scrape_samples_post_metric_relabeling` and `scrape_series_added` are appended. While a
/// `forcedError` is set (the pool is over its `target_limit`) nothing is fetched and every scrape
/// fails with it. When a scrape changed what the target declares about its metric families, the
/// loop publishes the whole set to its `MetadataStore` under its target's key; `release()` takes
/// it out again, and nothing is published after that.
final class ScrapeLoop: Sendable {
    static let timestampTolerance: Int64 = 10

    let target: ScrapeTarget
    let status: Mutex<TargetStatus>
    let forcedError = Mutex<String?>(nil)
    private let appender: Mutex<ScrapeAppender>
    private let scraper: HTTPScraper
    /// Where `run()` is meant to run (`Task(executorPreference:)`): a loop of the client's group.
    let executor: EventLoopExecutor
    private let storage: any Appendable
    private let logger: Logger
    private let metrics: ScrapeMetrics
    private let metadataStore: MetadataStore?
    /// The `metadataVersion` last published, and whether the loop was released (publish no more).
    private let published = Mutex<(version: Int, released: Bool)>((0, false))

    init(target: ScrapeTarget, scraper: HTTPScraper, storage: any Appendable, logger: Logger, metrics: ScrapeMetrics,
         metricRelabeler: Relabeler? = nil, trackTimestampsStaleness: Bool = false, metadataStore: MetadataStore? = nil) {
        self.target = target
        self.status = Mutex(TargetStatus(target: target))
        self.appender = Mutex(ScrapeAppender(target: target, metricRelabeler: metricRelabeler,
                                             trackTimestampsStaleness: trackTimestampsStaleness))
        self.scraper = scraper
        self.executor = EventLoopExecutor(scraper.client.eventLoopGroup.next())
        self.storage = storage
        self.logger = logger
        self.metrics = metrics
        self.metadataStore = metadataStore
    }

    /// The loop's first scheduled time at or after `now`: `offset + k·interval`.
    static func firstSchedule(now: Timestamp, interval: Int64, key: String) -> Timestamp {
        let offset = Int64(ScrapeCache.fnv1a(key.utf8) % UInt64(interval))
        let base = now - ((now - offset) % interval + interval) % interval
        return base < now ? base + interval : base
    }

    func run() async {
        var next = Self.firstSchedule(now: currentTimestamp(), interval: target.interval, key: target.key)
        while !Task.isCancelled {
            let wait = next - currentTimestamp()
            if wait > 0 {
                do { try await executor.eventLoop.sleep(milliseconds: wait) } catch { break }
            }
            let started = currentTimestamp()
            let stamp = abs(started - next) <= Self.timestampTolerance ? next : started
            await scrapeOnce(timestamp: stamp)
            // Skip missed slots rather than firing a burst after a stall.
            next += target.interval
            let now = currentTimestamp()
            if next <= now { next += ((now - next) / target.interval + 1) * target.interval }
        }
    }

    /// One scrape, its append and its report. Visible for tests.
    func scrapeOnce(timestamp: Timestamp) async {
        let clock = ContinuousClock()
        let start = clock.now
        var outcome = ScrapeAppender.Outcome()
        var failure: ScrapeError?
        do throws(ScrapeError) {
            if let forced = forcedError.withLock({ $0 }) { throw ScrapeError.limit(forced) }
            let (body, contentType) = try await scraper.fetch(target)
            outcome = await offLoop(if: body.count > Self.inlineBodyBytes) {
                appender.withLock { state in
                    state.append(body: body, contentType: contentType, timestamp: timestamp, to: storage)
                }
            }
            failure = outcome.failure
            publishMetadata()
        } catch {
            failure = error
            let series = appender.withLock { $0.cache.entries.count }
            await offLoop(if: series > Self.inlineSeries) {
                appender.withLock { $0.markAllStale(timestamp: timestamp, to: storage) }
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        report(timestamp: timestamp, up: failure == nil, seconds: seconds, outcome: outcome)
        status.withLock { status in
            status.health = failure == nil ? .up : .down
            status.lastError = failure.map { "\($0)" } ?? ""
            status.lastScrape = timestamp
            status.lastScrapeDuration = seconds
            status.lastSamples = outcome.samplesScraped
        }
        metrics.recordScrape(target: target, seconds: seconds, outcome: outcome, failure: failure)
        if let failure {
            logger.debug("scrape failed", metadata: ["target": "\(target.url)", "err": "\(failure)"])
        }
    }

    /// Bodies up to this size are parsed and appended on the event loop (about a millisecond for
    /// 1,000 series); larger ones move to the global pool so the loop's other connections wait no
    /// longer than that.
    static let inlineBodyBytes = 128 * 1024
    /// Staleness markers for up to this many series are written on the event loop.
    static let inlineSeries = 2_000

    /// Runs `work` on the global pool when `heavy`, else where the task runs now.
    private func offLoop<T: Sendable>(if heavy: Bool, _ work: @Sendable () -> T) async -> T {
        guard heavy else { return work() }
        return await withTaskExecutorPreference(globalConcurrentExecutor) { work() }
    }

    /// Releases what the loop owns (a `server_name` client, its entry in the metadata store); call
    /// after cancelling `run()`.
    func release() {
        scraper.shutdown()
        published.withLock { state in
            state.released = true
            metadataStore?.remove(key: target.key)
        }
    }

    private func publishMetadata() {
        guard let metadataStore else { return }
        let version = appender.withLock { $0.metadataVersion }
        published.withLock { state in
            guard !state.released, state.version != version else { return }
            state.version = version
            let families = appender.withLock { $0.families }
            metadataStore.replace(key: target.key, target: target.labels, families: families)
        }
    }

    /// Writes staleness markers for everything this target exposed (the target was removed).
    func stop() {
        let now = currentTimestamp()
        appender.withLock { $0.markAllStale(timestamp: now, to: storage) }
        let app = storage.appender()
        for name in Self.reportNames {
            _ = try? app.append(0, reportLabels(name), now, .staleMarker)
        }
        try? app.commit()
    }

    static let reportNames = ["up", "scrape_duration_seconds", "scrape_samples_scraped",
                              "scrape_samples_post_metric_relabeling", "scrape_series_added"]

    private func reportLabels(_ name: String) -> Labels { target.labels.setting(Labels.metricName, to: name) }

    private func report(timestamp: Timestamp, up: Bool, seconds: Double, outcome: ScrapeAppender.Outcome) {
        let values: [Double] = [up ? 1 : 0, seconds, Double(outcome.samplesScraped),
                                Double(outcome.samplesPostRelabeling), Double(outcome.seriesAdded)]
        let app = storage.appender()
        for (name, value) in zip(Self.reportNames, values) {
            _ = try? app.append(0, reportLabels(name), timestamp, value)
        }
        do { try app.commit() } catch { logger.error("appending scrape report failed", metadata: ["err": "\(error)"]) }
    }
}
