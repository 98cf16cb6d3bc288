import CoreMetrics

/// Ember's own scrape counters, under Prometheus's metric names so existing self-monitoring
/// dashboards read them unchanged.
final class ScrapeMetrics: Sendable {
    let outOfOrder: Counter
    let duplicates: Counter
    let bodyTooLarge: Counter
    let timeouts: Counter
    let sampleLimit: Counter
    let labelLimits: Counter
    let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
        outOfOrder = Counter(label: "prometheus_target_scrapes_sample_out_of_order_total", factory: factory)
        duplicates = Counter(label: "prometheus_target_scrapes_sample_duplicate_timestamp_total", factory: factory)
        bodyTooLarge = Counter(label: "prometheus_target_scrapes_exceeded_body_size_limit_total", factory: factory)
        timeouts = Counter(label: "prometheus_target_scrapes_timeout_total", factory: factory)
        sampleLimit = Counter(label: "prometheus_target_scrapes_exceeded_sample_limit_total", factory: factory)
        labelLimits = Counter(label: "prometheus_target_scrape_pool_exceeded_label_limits_total", factory: factory)
    }

    func recordScrape(target: ScrapeTarget, seconds: Double, outcome: ScrapeAppender.Outcome, failure: ScrapeError?) {
        if outcome.outOfOrder > 0 { outOfOrder.increment(by: outcome.outOfOrder) }
        if outcome.duplicates > 0 { duplicates.increment(by: outcome.duplicates) }
        switch failure {
        case .bodyTooLarge: bodyTooLarge.increment()
        case .timeout: timeouts.increment()
        case .limit("sample limit exceeded"): sampleLimit.increment()
        case let .limit(message) where message.hasPrefix("label_"): labelLimits.increment()
        default: break
        }
    }

    func poolTargets(job: String, count: Int) {
        Gauge(label: "prometheus_target_scrape_pool_targets", dimensions: [("scrape_job", job)], factory: factory)
            .record(count)
    }
}
