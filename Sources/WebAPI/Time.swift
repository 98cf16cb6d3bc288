import Foundation
import MetricModel

/// `YYYY-MM-DDTHH:MM:SS` in UTC for whole Unix seconds, without a date formatter (the targets
/// API prints one per target, so this stays allocation-light).
private func utcDateTime(_ seconds: Int64) -> String {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
    return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2)
        + "T" + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2)
}

/// Splits milliseconds into whole seconds (rounded down) and the millisecond remainder (0...999).
private func secondsAndMillis(_ milliseconds: Timestamp) -> (Int64, Int64) {
    let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    return (seconds, milliseconds - seconds * 1000)
}

/// RFC 3339 with milliseconds in UTC, as Prometheus prints times in its API.
func rfc3339(_ milliseconds: Timestamp) -> String {
    let (seconds, fraction) = secondsAndMillis(milliseconds)
    let digits = String(fraction)
    return utcDateTime(seconds) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
}

/// A time as Go's `time.Time` marshals to JSON (RFC 3339 with the fraction's trailing zeros
/// dropped, UTC): `2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.5Z`.
func goTime(_ milliseconds: Timestamp) -> String {
    let (seconds, fraction) = secondsAndMillis(milliseconds)
    guard fraction != 0 else { return utcDateTime(seconds) + "Z" }
    var digits = String(fraction)
    digits = String(repeating: "0", count: 3 - digits.count) + digits
    while digits.hasSuffix("0") { digits.removeLast() }
    return utcDateTime(seconds) + "." + digits + "Z"
}
