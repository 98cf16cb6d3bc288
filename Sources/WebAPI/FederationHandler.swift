import Exposition
import Hummingbird
import MetricModel
import PromQL
import Storage

/// `/federate?match[]=...`: the latest sample of every matching series within the lookback
/// delta, in text format 0.0.4, as Prometheus's federation handler writes it.
///
/// Contract: series come grouped by metric name (`# TYPE <name> untyped` before each group, in
/// name order), each line `name{own labels, then external labels it lacks} value timestamp`,
/// where the external labels always include `instance` (empty when not configured). Staleness
/// markers and nameless series are left out. No `match[]` gives an empty body. A selector that
/// does not parse is a 400 with the parser's text as plain text.
enum FederationHandler {
    static func respond(_ params: APIParameters, queryable: any Queryable, lookbackDelta: Int64,
                        externalLabels: Labels, now: Timestamp = currentTimestamp()) -> Response {
        var sets: [[LabelMatcher]] = []
        for text in params.all("match[]") {
            do { sets.append(try parseMetricSelector(text)) } catch {
                return APIRouter.plain(.badRequest, error.description + "\n")
            }
        }
        let mint = now - lookbackDelta, maxt = now
        var latest: [Labels: (Timestamp, Double)] = [:]
        do {
            let querier = try queryable.querier(mint: mint, maxt: maxt)
            let hints = SelectHints(start: mint, end: maxt)
            for set in sets {
                let series = try querier.select(sorted: true, hints: hints, matchers: set)
                while let one = try series.next() {
                    if latest[one.labels] != nil { continue }
                    let iterator = one.makeIterator()
                    var last: (Timestamp, Double)?
                    while iterator.next() {
                        if iterator.timestamp > maxt { break }
                        if iterator.timestamp >= mint { last = (iterator.timestamp, iterator.value) }
                    }
                    if let last, !last.1.isStaleMarker { latest[one.labels] = last }
                }
            }
        } catch {
            return APIRouter.plain(.internalServerError, "\(error)\n")
        }
        var external = externalLabels.pairs
        if externalLabels["instance"] == nil {
            external.append(Label("instance", ""))
            external.sort { $0.name < $1.name }
        }
        var body: [UInt8] = []
        var lastName: String?
        for labels in latest.keys.sorted().groupedByMetricName() {
            guard let name = labels.metricName, let sample = latest[labels] else { continue }
            if name != lastName {
                ExpositionWriter.appendType(metricName: name, type: .unknown, to: &body)
                lastName = name
            }
            var pairs = labels.filter { $0.name != Labels.metricName }
            for label in external where labels[label.name] == nil { pairs.append(label) }
            ExpositionWriter.appendSample(name: name, labels: pairs, value: sample.1, timestamp: sample.0, to: &body)
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension Array where Element == Labels {
    /// Sorted by metric name only, keeping the existing (label) order within a name.
    func groupedByMetricName() -> [Labels] {
        enumerated().sorted { a, b in
            let na = a.element.metricName ?? "", nb = b.element.metricName ?? ""
            return na != nb ? na < nb : a.offset < b.offset
        }.map(\.element)
    }
}
