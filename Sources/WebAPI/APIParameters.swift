import Foundation
import MetricModel

/// A request's parameters: the URL query merged with a form-encoded body, decoded as Go's
/// `url.ParseQuery` does (`+` is a space, `%XX` escapes, repeated keys kept in order).
///
/// Contract: body values come after URL values for the same key, matching Prometheus (which
/// reads `r.Form`, URL and body merged).
public struct APIParameters: Sendable {
    public private(set) var pairs: [(String, String)] = []

    public init(query: String?, body: String?) {
        for part in [query, body] {
            guard let part, !part.isEmpty else { continue }
            for item in part.split(separator: "&", omittingEmptySubsequences: true) {
                let pieces = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = Self.decode(pieces[0])
                let value = pieces.count > 1 ? Self.decode(pieces[1]) : ""
                pairs.append((key, value))
            }
        }
    }

    /// The first value of `key`, or nil.
    public subscript(key: String) -> String? { pairs.first { $0.0 == key }?.1 }

    /// Every value of `key`, in order (e.g. `match[]`).
    public func all(_ key: String) -> [String] { pairs.filter { $0.0 == key }.map(\.1) }

    /// Form decoding: `+` is a space and `%XX` a byte. Text with a malformed escape is kept as
    /// written (with `+` still a space); decoded bytes that are not UTF-8 read as U+FFFD.
    static func decode(_ text: Substring) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else { return String(text) }
        let decoded = PercentDecoding.decode(utf8, plusIsSpace: true)
        if decoded.malformed {
            return String(decoding: utf8.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        }
        return String(decoding: decoded.bytes, as: UTF8.self)
    }

    /// Parses a time parameter as Prometheus does: Unix seconds with optional fraction, or RFC 3339.
    public static func parseTime(_ text: String) -> Timestamp? {
        if let seconds = Double(text), seconds.isFinite {
            // Far-out times clamp to Prometheus's API bounds instead of overflowing.
            let ms = (seconds * 1000).rounded()
            if ms <= Double(minTime) { return minTime }
            if ms >= Double(maxTime) { return maxTime }
            return Timestamp(ms)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Timestamp((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Timestamp((date.timeIntervalSince1970 * 1000).rounded()) }
        return nil
    }

    /// Parses a duration parameter: seconds as a float, or a Prometheus duration (`5m`). Milliseconds.
    public static func parseDuration(_ text: String) -> Int64? {
        if let seconds = Double(text), seconds.isFinite {
            let ms = seconds * 1000
            return ms.magnitude < 9.2e18 ? Int64(ms.rounded()) : nil
        }
        return try? PrometheusDuration.parse(text)
    }
}
