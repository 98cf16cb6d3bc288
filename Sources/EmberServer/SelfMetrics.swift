import CoreMetrics
import Foundation
import MetricModel
import Synchronization
import Prometheus
import TSDB

/// Ember's `/metrics`: a swift-prometheus registry fed through swift-metrics, plus gauges
/// refreshed at each scrape from the head and the process (`/proc/self`), under Prometheus's
/// metric names (`prometheus_tsdb_head_series`, `process_resident_memory_bytes`, ...).
public final class SelfMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    public let factory: PrometheusMetricsFactory
    private let database: Database
    private let startTime = Date().timeIntervalSince1970
    private let counted = Mutex<[String: Double]>([:])

    public init(database: Database) {
        self.database = database
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [.milliseconds(5), .milliseconds(25), .milliseconds(100),
                                                   .milliseconds(500), .seconds(1), .seconds(5), .seconds(30)]
        self.factory = factory
        Gauge(label: "prometheus_build_info", dimensions: [("version", EmberVersion.string), ("goversion", "swift")],
              factory: factory).record(1)
    }

    /// Refreshes the sampled gauges and renders everything in the text format.
    public func render() -> [UInt8] {
        let stats = database.head.stats
        let db = database.stats
        let blocks = database.blocks
        record("prometheus_tsdb_blocks_loaded", blocks.count)
        record("prometheus_tsdb_storage_blocks_bytes", Int(blocks.reduce(Int64(0)) { $0 + $1.sizeOnDisk }))
        record("prometheus_tsdb_lowest_timestamp", Int(blocks.first?.meta.minTime ?? (stats.minTime == .max ? 0 : stats.minTime)))
        record("prometheus_tsdb_compactions_total", db.compactionsTotal)
        record("prometheus_tsdb_compactions_failed_total", db.compactionsFailed)
        record("prometheus_tsdb_head_truncations_total", db.headCompactions)
        record("prometheus_tsdb_time_retentions_total", db.blocksDeletedByTime)
        record("prometheus_tsdb_size_retentions_total", db.blocksDeletedBySize)
        record("prometheus_tsdb_out_of_bound_samples_total", stats.outOfBoundsSamples)
        record("prometheus_tsdb_head_series", stats.series)
        record("prometheus_tsdb_head_chunks", stats.chunks)
        record("prometheus_tsdb_head_series_created_total", stats.seriesCreated)
        record("prometheus_tsdb_head_series_removed_total", stats.seriesRemoved)
        record("prometheus_tsdb_head_samples_appended_total", stats.samplesAppended)
        record("prometheus_tsdb_out_of_order_samples_total", stats.outOfOrderSamples)
        record("prometheus_tsdb_head_min_time", stats.minTime == .max ? 0 : Int(stats.minTime))
        record("prometheus_tsdb_head_max_time", stats.maxTime == .min ? 0 : Int(stats.maxTime))
        record("prometheus_tsdb_wal_writes_failed_total", stats.walWriteFailures)
        record("prometheus_tsdb_checkpoint_creations_total", stats.walCheckpoints)
        record("prometheus_tsdb_checkpoint_creations_failed_total", stats.walCheckpointFailures)
        let process = ProcessStats.read()
        record("process_resident_memory_bytes", process.residentBytes)
        record("process_virtual_memory_bytes", process.virtualBytes)
        record("process_open_fds", process.openFDs)
        record("process_cpu_seconds_total", process.cpuSeconds)
        Gauge(label: "process_start_time_seconds", factory: factory).record(startTime.rounded(.down))
        return registry.emitToBuffer()
    }

    /// Sets a gauge, or advances a counter (names ending `_total`) to a sampled running total.
    private func record(_ name: String, _ value: Int) { record(name, Double(value)) }

    private func record(_ name: String, _ value: Double) {
        guard name.hasSuffix("_total") else {
            Gauge(label: name, factory: factory).record(value)
            return
        }
        let delta = counted.withLock { last in
            defer { last[name] = value }
            return value - (last[name] ?? 0)
        }
        if delta > 0 { FloatingPointCounter(label: name, factory: factory).increment(by: delta) }
    }
}

/// Figures about this process from `/proc/self`.
struct ProcessStats {
    var residentBytes = 0
    var virtualBytes = 0
    var cpuSeconds = 0.0
    var openFDs = 0

    /// The process's thread count (`Threads:` in `/proc/self/status`), 0 when unreadable.
    static func threadCount() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    static func read() -> ProcessStats {
        var stats = ProcessStats()
        if let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = text.lastIndex(of: ")") {
            let fields = text[text.index(after: close)...].split(separator: " ")
            // After the command name: state is field 3, so utime is index 11, stime 12, vsize 20, rss 21.
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            if fields.count > 21 {
                stats.cpuSeconds = ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / ticks
                stats.virtualBytes = Int(fields[20]) ?? 0
                stats.residentBytes = (Int(fields[21]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
            }
        }
        stats.openFDs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return stats
    }
}
