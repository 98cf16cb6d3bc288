import MetricModel
import SwiftProtobuf

/// Reads a `PrometheusProto` scrape body — varint-length-delimited
/// `io.prometheus.client.MetricFamily` messages — by translating it into the text format 0.0.4,
/// which `ExpositionParser` then reads like any other body (so the scrape cache, limits and
/// relabeling see one grammar).
///
/// Contract: `isProtobuf(contentType:)` is true for the media type
/// `application/vnd.google.protobuf` (case-insensitive, parameters ignored). `textExposition`
/// writes, per family, `# HELP` (when non-empty) and `# TYPE`, then its samples as Prometheus's
/// protobuf parser yields them without native histograms: counter, gauge and untyped values;
/// summary quantiles (`quantile` label) then `_sum` and `_count`; classic histogram buckets
/// (`_bucket` with `le`; `le` and `quantile` in Prometheus's OpenMetrics float form, `1.0` not
/// `1`; a `+Inf` bucket added when the target sent none) then `_sum` and
/// `_count` (gauge histograms the same, typed `histogram`). Counts use the float variant when it
/// is positive. A metric's `timestamp_ms` becomes the line's timestamp. Families' units come back
/// in `units` (the text format has no UNIT line). A truncated or malformed stream throws
/// `ExpositionError` whose line is the 1-based index of the message.
public enum ProtobufExposition {
    public static func isProtobuf(contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return media.filter { $0 != " " && $0 != "\t" }.lowercased() == "application/vnd.google.protobuf"
    }

    public struct Translation: Sendable {
        public var text: [UInt8] = []
        /// Family name → unit, for families that declared one.
        public var units: [String: String] = [:]
    }

    public static func textExposition(_ body: [UInt8]) throws(ExpositionError) -> Translation {
        var out = Translation()
        var position = 0
        var index = 0
        while position < body.count {
            index += 1
            var length: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < body.count, shift < 64 else {
                    throw ExpositionError(line: index, message: "protobuf: truncated message length")
                }
                let byte = body[position]
                position += 1
                length |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            guard length <= UInt64(body.count - position) else {
                throw ExpositionError(line: index, message: "protobuf: message of \(length) bytes but \(body.count - position) left")
            }
            let end = position + Int(length)
            let family: Io_Prometheus_Client_MetricFamily
            do {
                family = try Io_Prometheus_Client_MetricFamily(serializedBytes: Array(body[position..<end]))
            } catch {
                throw ExpositionError(line: index, message: "protobuf: invalid MetricFamily: \(error)")
            }
            position = end
            append(family, to: &out)
        }
        return out
    }

    static func append(_ family: Io_Prometheus_Client_MetricFamily, to out: inout Translation) {
        let name = family.name
        if !family.help.isEmpty { ExpositionWriter.appendHelp(metricName: name, help: family.help, to: &out.text) }
        if !family.unit.isEmpty { out.units[name] = family.unit }
        let type: MetricType
        switch family.type {
        case .counter: type = .counter
        case .gauge: type = .gauge
        case .summary: type = .summary
        case .histogram, .gaugeHistogram: type = .histogram
        case .untyped: type = .unknown
        }
        ExpositionWriter.appendType(metricName: name, type: type, to: &out.text)
        for metric in family.metric {
            let labels = metric.label.map { Label($0.name, $0.value) }
            let timestamp = metric.hasTimestampMs ? metric.timestampMs : nil
            func sample(_ suffix: String, _ value: Double, _ extra: Label? = nil) {
                ExpositionWriter.appendSample(name: name + suffix, labels: extra.map { labels + [$0] } ?? labels,
                                              value: value, timestamp: timestamp, to: &out.text)
            }
            switch family.type {
            case .counter: sample("", metric.counter.value)
            case .gauge: sample("", metric.gauge.value)
            case .untyped: sample("", metric.untyped.value)
            case .summary:
                let summary = metric.summary
                for quantile in summary.quantile {
                    sample("", quantile.value, Label("quantile", openMetricsFloat(quantile.quantile)))
                }
                sample("_sum", summary.sampleSum)
                sample("_count", Double(summary.sampleCount))
            case .histogram, .gaugeHistogram:
                let histogram = metric.histogram
                let count = histogram.sampleCountFloat > 0 ? histogram.sampleCountFloat : Double(histogram.sampleCount)
                var sawInfinity = false
                for bucket in histogram.bucket {
                    let cumulative = bucket.cumulativeCountFloat > 0 ? bucket.cumulativeCountFloat : Double(bucket.cumulativeCount)
                    if bucket.upperBound == .infinity { sawInfinity = true }
                    sample("_bucket", cumulative, Label("le", openMetricsFloat(bucket.upperBound)))
                }
                if !sawInfinity { sample("_bucket", count, Label("le", "+Inf")) }
                sample("_sum", histogram.sampleSum)
                sample("_count", count)
            }
        }
    }

    /// Go's `fmt.Sprint` of a float with `.0` added to integral values, as Prometheus writes
    /// `le` and `quantile` values from protobuf.
    static func openMetricsFloat(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        let magnitude = abs(value)
        var text = magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e21) ? "\(value)" : PrometheusNumber.format(value)
        if !text.contains(".") && !text.contains("e") { text += ".0" }
        return text
    }
}
