import Hummingbird
import MetricModel

/// What `/api/v1/status/tsdb` shows: the head's counts and four top-N rankings, each entry a
/// name and a count, largest first.
public struct TSDBStatus: Sendable, Equatable {
    public var numSeries = 0
    public var numLabelPairs = 0
    public var chunkCount = 0
    public var minTime: Timestamp = .max
    public var maxTime: Timestamp = .min
    public var seriesCountByMetricName: [(name: String, value: UInt64)] = []
    public var labelValueCountByLabelName: [(name: String, value: UInt64)] = []
    public var memoryInBytesByLabelName: [(name: String, value: UInt64)] = []
    public var seriesCountByLabelValuePair: [(name: String, value: UInt64)] = []
    public init() {}

    public static func == (a: TSDBStatus, b: TSDBStatus) -> Bool {
        func same(_ x: [(name: String, value: UInt64)], _ y: [(name: String, value: UInt64)]) -> Bool {
            x.count == y.count && zip(x, y).allSatisfy { $0.name == $1.name && $0.value == $1.value }
        }
        return a.numSeries == b.numSeries && a.numLabelPairs == b.numLabelPairs && a.chunkCount == b.chunkCount
            && a.minTime == b.minTime && a.maxTime == b.maxTime
            && same(a.seriesCountByMetricName, b.seriesCountByMetricName)
            && same(a.labelValueCountByLabelName, b.labelValueCountByLabelName)
            && same(a.memoryInBytesByLabelName, b.memoryInBytesByLabelName)
            && same(a.seriesCountByLabelValuePair, b.seriesCountByLabelValuePair)
    }
}

/// `/api/v1/status/tsdb` and `/api/v1/status/walreplay` as Prometheus 3.x serves them.
///
/// Contract: `limit` defaults to 10; anything but an integer in 1…10000 is `bad_data` with
/// Prometheus's text ("limit must be a positive number", "limit must not exceed 10000").
enum TSDBStatusHandlers {
    static let maxLimit = 10_000

    static func tsdb(_ params: APIParameters, status: @Sendable (Int) -> TSDBStatus) -> Response {
        var limit = 10
        if let text = params["limit"], !text.isEmpty {
            guard let parsed = Int(text), parsed >= 1 else { return APIResponse.badData("limit must be a positive number") }
            guard parsed <= maxLimit else { return APIResponse.badData("limit must not exceed \(maxLimit)") }
            limit = parsed
        }
        let stats = status(limit)
        return APIResponse.success { json in
            json.raw("{\"headStats\":{\"numSeries\":\(stats.numSeries),\"numLabelPairs\":\(stats.numLabelPairs)")
            json.raw(",\"chunkCount\":\(stats.chunkCount),\"minTime\":\(stats.minTime),\"maxTime\":\(stats.maxTime)}")
            let lists = [("seriesCountByMetricName", stats.seriesCountByMetricName),
                         ("labelValueCountByLabelName", stats.labelValueCountByLabelName),
                         ("memoryInBytesByLabelName", stats.memoryInBytesByLabelName),
                         ("seriesCountByLabelValuePair", stats.seriesCountByLabelValuePair)]
            for (key, entries) in lists {
                json.raw(",\"\(key)\":[")
                for (index, entry) in entries.enumerated() {
                    if index > 0 { json.raw(",") }
                    json.raw("{\"name\":"); json.string(entry.name); json.raw(",\"value\":\(entry.value)}")
                }
                json.raw("]")
            }
            json.raw("}")
        }
    }

    static func walReplay(_ status: (min: Int, max: Int, current: Int)) -> Response {
        APIResponse.success { json in
            json.raw("{\"min\":\(status.min),\"max\":\(status.max),\"current\":\(status.current)}")
        }
    }
}
