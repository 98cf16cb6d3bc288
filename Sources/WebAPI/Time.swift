import Foundation
import MetricModel

/// RFC 3339 with milliseconds in UTC, as Prometheus prints times in its API.
func rfc3339(_ milliseconds: Timestamp) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}
