import MetricModel
import PromQL

/// The typed parameters Prometheus's handlers share, each failing with Prometheus's exact text.
extension APIParameters {
    /// Prometheus's `MinTime` in milliseconds: the default `start` of label, series and
    /// exemplar lookups.
    public static let minTime: Timestamp = -9_223_309_901_257_974_000
    /// Prometheus's `MaxTime` in milliseconds: the default `end`.
    public static let maxTime: Timestamp = 9_223_309_901_257_974_999

    /// A time parameter, or `defaultValue` when absent or empty.
    /// Error: `invalid parameter "start": invalid time value for 'start': cannot parse "x" to a valid timestamp`.
    func time(_ name: String, default defaultValue: Timestamp) throws(APIError) -> Timestamp {
        guard let text = self[name], !text.isEmpty else { return defaultValue }
        guard let time = Self.parseTime(text) else {
            throw .invalidParameter(name, "invalid time value for '\(name)': cannot parse \(goQuoted(text)) to a valid timestamp")
        }
        return time
    }

    /// `limit` as Prometheus's `parseLimitParam` reads it: 0 (no limit) when absent; a Go
    /// `strconv.Atoi` error or "limit must be non-negative" otherwise.
    func limit() throws(APIError) -> Int {
        guard let text = self["limit"], !text.isEmpty else { return 0 }
        guard let limit = Int(text) else {
            let digits = text.drop { $0 == "+" || $0 == "-" }
            let integerLike = text.count - digits.count <= 1 && !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit)
            throw .invalidParameter("limit", "strconv.Atoi: parsing \(goQuoted(text)): " + (integerLike ? "value out of range" : "invalid syntax"))
        }
        if limit < 0 { throw .invalidParameter("limit", "limit must be non-negative") }
        return limit
    }

    /// Every `match[]` as a series selector (Prometheus's `parseMatchersParam`). Each must parse
    /// as a plain vector selector and have a matcher that does not match the empty string.
    /// `invalidParameterName` wraps parse errors as `invalid parameter "<name>": ...` (the series
    /// endpoint does; the label endpoints report the parser's text as it is).
    func matcherSets(invalidParameterName: String? = nil) throws(APIError) -> [[LabelMatcher]] {
        var sets: [[LabelMatcher]] = []
        for text in all("match[]") {
            do {
                sets.append(try parseMetricSelector(text))
            } catch {
                if let name = invalidParameterName { throw .invalidParameter(name, error.description) }
                throw .badData(error.description)
            }
        }
        for set in sets where set.allSatisfy(\.matchesEmpty) {
            let message = "match[] must contain at least one non-empty matcher"
            if let name = invalidParameterName { throw .invalidParameter(name, message) }
            throw .badData(message)
        }
        return sets
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
