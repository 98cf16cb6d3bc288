import Foundation
import MetricModel

/// RFC 3339 with milliseconds in UTC, as Prometheus prints times in its API.
func rfc3339(_ milliseconds: Timestamp) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

/// A time as Go's `time.Time` marshals to JSON (RFC 3339 with the fraction's trailing zeros
/// dropped, UTC): `2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.5Z`.
func goTime(_ milliseconds: Timestamp) -> String {
    let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    let fraction = milliseconds - seconds * 1000
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    var text = formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
    guard fraction != 0 else { return text }
    var digits = String(fraction)
    digits = String(repeating: "0", count: 3 - digits.count) + digits
    while digits.hasSuffix("0") { digits.removeLast() }
    text.removeLast()  // "Z"
    return text + "." + digits + "Z"
}
