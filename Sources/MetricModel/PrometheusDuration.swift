/// Durations in Prometheus's notation: `1y2w3d4h5m6s7ms`, units descending, each at most once.
///
/// Contract: `parse` accepts exactly what Prometheus's `model.ParseDuration` accepts (`0` included;
/// `y` = 365d, `w` = 7d) and returns milliseconds; `format` prints Prometheus's canonical form
/// (`1h30m`, `0s`, `90d`), so `parse(format(x)) == x` for every non-negative x.
public enum PrometheusDuration {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let text: String
        public var description: String { "not a valid duration string: \(quoteLabelValue(text))" }
    }

    private static let units: [(String, Int64)] = [
        ("y", 365 * 24 * 3_600_000), ("w", 7 * 24 * 3_600_000), ("d", 24 * 3_600_000),
        ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Parses a duration; the result is in milliseconds.
    public static func parse(_ text: String) throws(ParseError) -> Int64 {
        if text == "0" { return 0 }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw ParseError(text: text) }
        var index = 0
        var total: Int64 = 0
        var lastUnit = -1
        while index < bytes.count {
            var number: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                let (product, overflow1) = number.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = product.addingReportingOverflow(Int64(bytes[index] - 48))
                if overflow1 || overflow2 { throw ParseError(text: text) }
                number = sum
                index += 1
            }
            guard index > start else { throw ParseError(text: text) }
            var unitEnd = index
            while unitEnd < bytes.count, !(bytes[unitEnd] >= 48 && bytes[unitEnd] <= 57) { unitEnd += 1 }
            // "ms" must win over "m" followed by "s": units are letters only, digits end them.
            let unitText = String(decoding: bytes[index..<unitEnd], as: UTF8.self)
            guard let unitIndex = units.firstIndex(where: { $0.0 == unitText }), unitIndex > lastUnit else {
                throw ParseError(text: text)
            }
            lastUnit = unitIndex
            let (part, overflow3) = number.multipliedReportingOverflow(by: units[unitIndex].1)
            let (sum, overflow4) = total.addingReportingOverflow(part)
            if overflow3 || overflow4 { throw ParseError(text: text) }
            total = sum
            index = unitEnd
        }
        return total
    }

    /// Formats milliseconds in Prometheus's canonical form. Years and weeks are used only when they
    /// divide the whole duration exactly (`90d`, not `12w6d`), as `model.Duration.String` does.
    public static func format(_ milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds.magnitude
        var out = milliseconds < 0 ? "-" : ""
        for (index, (unit, size)) in units.enumerated() {
            let exactOnly = index < 2
            let size = UInt64(size)
            if exactOnly && rest % size != 0 { continue }
            if rest >= size {
                out += "\(rest / size)\(unit)"
                rest %= size
            }
        }
        return out
    }
}
