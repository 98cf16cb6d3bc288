import CoreMetrics
import Foundation
import Logging
import MetricModel
import Storage
import SwiftProtobuf

/// Accepts Prometheus remote-write 1.0 requests (`POST /api/v1/write`): a snappy block holding a
/// protobuf `prometheus.WriteRequest`, appended to storage through one `Appender`.
///
/// Contract, following Prometheus 3.x's write handler:
/// - `Content-Encoding` other than empty or `snappy` → 415; a corrupt snappy block → 400
///   ("snappy: corrupt input"), checked before the content type, as Prometheus's middleware does.
/// - `Content-Type` must be `application/x-protobuf`, optionally with `proto=prometheus.WriteRequest`
///   (remote-write 2.0's `io.prometheus.write.v2.Request` is not accepted yet) → else 415.
/// - A body that is not a valid `WriteRequest` → 400; nothing is appended.
/// - Series without a metric name, with an empty label name or a repeated label name are skipped
///   (and counted), as Prometheus does; the rest of the request is still written.
/// - The first sample storage rejects as out of order, duplicate or out of bounds (including a
///   timestamp more than 10 minutes ahead of now) rolls the whole request back and answers 400 with
///   Prometheus's message ("out of order sample", ...): remote write 1.0 has no partial writes, and a
///   4xx stops the sender from retrying. Any other storage failure rolls back and answers 500.
/// - Success → 204. Exemplars and metadata are decoded and ignored; native histograms are skipped.
/// - Rejected samples are logged at error level and skipped series at warning level, as Prometheus
///   does; skipped series count in `prometheus_api_remote_write_invalid_labels_samples_total`.
public struct RemoteWriteReceiver: Sendable {
    public let storage: any Appendable
    public var logger = Logger(label: "ember.remote-write", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Series skipped for invalid labels (Prometheus counts them under this name, one per series).
    public var invalidLabelsCounter: CoreMetrics.Counter?
    /// Largest snappy-decoded body accepted.
    public var maxDecodedBytes = 256 << 20
    /// Samples further than this ahead of `now` are out of bounds (Prometheus: 10 minutes).
    public var maxAheadMilliseconds: Int64 = 10 * 60_000
    /// The current time in milliseconds; a seam for tests.
    public var now: @Sendable () -> Timestamp = { Timestamp(Date().timeIntervalSince1970 * 1000) }

    public init(storage: any Appendable) {
        self.storage = storage
    }

    /// A receiver that logs through `logger` and counts in `metricsFactory`'s registry.
    public init(storage: any Appendable, logger: Logger, metricsFactory: any MetricsFactory) {
        self.storage = storage
        self.logger = logger
        self.invalidLabelsCounter = Counter(label: "prometheus_api_remote_write_invalid_labels_samples_total",
                                            factory: metricsFactory)
    }

    /// Handles one request body with its `Content-Type` and `Content-Encoding` headers.
    public func receive(body: [UInt8], contentType: String?, contentEncoding: String?) -> RemoteWriteOutcome {
        if let encoding = contentEncoding, !encoding.isEmpty, encoding != "snappy" {
            return .failure(415, "\(encoding) encoding (compression) is not accepted by this server; only snappy is acceptable")
        }
        let decoded: [UInt8]
        do { decoded = try Snappy.decompress(body, maxDecodedBytes: maxDecodedBytes) } catch {
            return .failure(400, error.description)
        }
        if let problem = Self.contentTypeProblem(contentType) { return .failure(415, problem) }
        let request: Prometheus_WriteRequest
        var options = BinaryDecodingOptions()
        options.discardUnknownFields = true  // native histograms, and anything newer senders add
        do { request = try Prometheus_WriteRequest(serializedBytes: decoded, options: options) } catch {
            return .failure(400, "decoding the remote write request: \(Self.describe(error))")
        }
        return write(request)
    }

    /// Appends every valid series of `request` in one batch.
    public func write(_ request: Prometheus_WriteRequest) -> RemoteWriteOutcome {
        let appender = storage.appender()
        let maxTime = now() + maxAheadMilliseconds
        var skippedSeries = 0
        var appended = 0
        for series in request.timeseries {
            guard let labels = Self.validLabels(series.labels) else {
                skippedSeries += 1
                logger.warning("Invalid metric names or labels", metadata: [
                    "got": "\(series.labels.map { "\($0.name)=\(quoteLabelValue($0.value))" })"])
                continue
            }
            var ref: SeriesRef = 0
            for sample in series.samples {
                do throws(AppendError) {
                    if sample.timestamp > maxTime {
                        appender.rollback()
                        logRejected("out of bounds: timestamp is too far in the future", labels, sample.timestamp)
                        return .failure(400, "out of bounds: timestamp is too far in the future")
                    }
                    ref = try appender.append(ref, labels, sample.timestamp, sample.value)
                    appended += 1
                } catch {
                    appender.rollback()
                    logRejected(error.description, labels, sample.timestamp)
                    return .failure(Self.status(of: error), error.description)
                }
            }
        }
        if skippedSeries > 0 { invalidLabelsCounter?.increment(by: Int64(skippedSeries)) }
        do throws(AppendError) {
            try appender.commit()
        } catch {
            logger.error("Committing a remote write request failed", metadata: ["err": "\(error)"])
            return .failure(500, error.description)
        }
        return RemoteWriteOutcome(status: 204, message: nil, samplesAppended: appended, seriesSkipped: skippedSeries)
    }

    private func logRejected(_ error: String, _ labels: Labels, _ timestamp: Timestamp) {
        logger.error("Rejected sample from remote write; the request is rolled back",
                     metadata: ["err": "\(error)", "series": "\(labels)", "timestamp": "\(timestamp)"])
    }

    /// 400 for the rejections a retry cannot fix, 500 for storage failures.
    static func status(of error: AppendError) -> Int {
        switch error {
        case .outOfOrder, .duplicateSampleForTimestamp, .outOfBounds: return 400
        case .invalidLabels, .storage, .unknownReference: return 500
        }
    }

    /// The label set sorted by name, or nil when Prometheus would skip the series: no (or an empty)
    /// `__name__`, an empty label name, or a name given twice.
    static func validLabels(_ pairs: [Prometheus_Label]) -> Labels? {
        var sorted = pairs
        sorted.sort { $0.name < $1.name }
        var hasName = false
        for (index, pair) in sorted.enumerated() {
            if pair.name.isEmpty { return nil }
            if index > 0, sorted[index - 1].name == pair.name { return nil }
            if pair.name == Labels.metricName {
                guard !pair.value.isEmpty else { return nil }
                hasName = true
            }
        }
        guard hasName else { return nil }
        return Labels(sorted.filter { !$0.value.isEmpty }.map { Label($0.name, $0.value) })
    }

    /// Why a `Content-Type` is not a remote-write 1.0 one, in Prometheus's words; nil when it is.
    /// An absent header counts as `application/x-protobuf`.
    static func contentTypeProblem(_ header: String?) -> String? {
        let contentType = (header ?? "").trimmingCharacters(in: .whitespaces)
        guard !contentType.isEmpty else { return nil }
        let parts = contentType.split(separator: ";", omittingEmptySubsequences: false)
        guard parts[0] == "application/x-protobuf" else {
            return "expected application/x-protobuf as the first (media) part, got \(contentType) content-type"
        }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", omittingEmptySubsequences: false)
            guard pair.count == 2 else {
                return "as per https://www.rfc-editor.org/rfc/rfc9110#parameter expected parameters to be key-values, got \(parameter) in \(contentType) content-type"
            }
            guard pair[0] == "proto" else { continue }
            switch pair[1] {
            case "prometheus.WriteRequest": return nil
            case "io.prometheus.write.v2.Request":
                return "io.prometheus.write.v2.Request protobuf message is not accepted by this server; only accepts prometheus.WriteRequest"
            default:
                return "got \(contentType) content type; unknown type for remote write protobuf message \(pair[1]), supported: prometheus.WriteRequest, io.prometheus.write.v2.Request"
            }
        }
        return nil
    }

    /// A protobuf decoding error in words.
    static func describe(_ error: any Error) -> String {
        guard let binary = error as? BinaryDecodingError else { return "\(error)" }
        switch binary {
        case .truncated: return "the protobuf message is truncated"
        case .invalidUTF8: return "a string field is not valid UTF-8"
        case .malformedProtobuf: return "the protobuf message is malformed"
        case .messageDepthLimit: return "the protobuf message nests too deeply"
        default: return "\(binary)"
        }
    }
}

/// What a remote-write request came to: the HTTP status, the error text for a failure (sent as
/// plain text), and for a success how many samples were appended and series skipped.
public struct RemoteWriteOutcome: Equatable, Sendable {
    public var status: Int
    public var message: String?
    public var samplesAppended = 0
    public var seriesSkipped = 0

    public init(status: Int, message: String?, samplesAppended: Int = 0, seriesSkipped: Int = 0) {
        self.status = status
        self.message = message
        self.samplesAppended = samplesAppended
        self.seriesSkipped = seriesSkipped
    }

    static func failure(_ status: Int, _ message: String) -> RemoteWriteOutcome {
        RemoteWriteOutcome(status: status, message: message)
    }
}
