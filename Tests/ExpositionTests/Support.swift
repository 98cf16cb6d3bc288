import Exposition
import MetricModel
import Testing

/// One parsed entry, flattened for comparisons.
struct Parsed: Equatable, CustomStringConvertible {
    var entry: ExpositionEntry
    var series = ""
    var labels = Labels.empty
    var value = 0.0
    var timestamp: Int64?
    var name = ""
    var text = ""

    var description: String {
        switch entry {
        case .sample: return "\(labels) \(PrometheusNumber.format(value)) \(timestamp.map(String.init) ?? "-")"
        default: return "\(entry) \(name) \(text)"
        }
    }

    static func == (a: Parsed, b: Parsed) -> Bool {
        a.entry == b.entry && a.series == b.series && a.labels == b.labels && a.timestamp == b.timestamp
            && a.name == b.name && a.text == b.text
            && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
}

/// Parses a whole body; every sample's labels are decoded.
func parseAll(_ body: String, _ format: ExpositionFormat = .prometheusText) throws(ExpositionError) -> [Parsed] {
    var parser = ExpositionParser(bytes: Array(body.utf8), format: format)
    var out: [Parsed] = []
    while true {
        let entry = try parser.next()
        var item = Parsed(entry: entry)
        switch entry {
        case .eof: return out
        case .sample:
            item.series = String(decoding: parser.seriesBytes, as: UTF8.self)
            item.labels = try parser.labels()
            item.value = parser.value
            item.timestamp = parser.timestamp
        case .help: item.name = parser.metadataName; item.text = parser.helpText
        case .type: item.name = parser.metadataName; item.text = parser.metricType.rawValue
        case .unit: item.name = parser.metadataName; item.text = parser.unitText
        case .comment: item.text = parser.commentText
        }
        out.append(item)
    }
}

/// The error a body produces, as `line N: reason`.
func parseError(_ body: String, _ format: ExpositionFormat = .prometheusText) -> String? {
    do { _ = try parseAll(body, format); return nil } catch { return error.description }
}

func sample(_ labels: [String: String], _ value: Double, _ timestamp: Int64? = nil) -> (Labels, Double, Int64?) {
    (Labels(labels), value, timestamp)
}

/// The samples of a body as (labels, value, timestamp).
func samples(_ body: String, _ format: ExpositionFormat = .prometheusText) throws -> [(Labels, Double, Int64?)] {
    try parseAll(body, format).filter { $0.entry == .sample }.map { ($0.labels, $0.value, $0.timestamp) }
}

func sameSamples(_ a: [(Labels, Double, Int64?)], _ b: [(Labels, Double, Int64?)]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in
        x.0 == y.0 && x.2 == y.2 && (x.1.bitPattern == y.1.bitPattern || (x.1.isNaN && y.1.isNaN))
    }
}
