import Foundation
import MetricModel

/// Functions over instant vectors and scalars.
enum InstantFunctions {
    static let math: [String: @Sendable (Double) -> Double] = [
        "abs": { Swift.abs($0) }, "ceil": { $0.rounded(.up) }, "floor": { $0.rounded(.down) },
        "exp": { Foundation.exp($0) }, "sqrt": { $0.squareRoot() }, "ln": { Foundation.log($0) },
        "log2": { Foundation.log2($0) }, "log10": { Foundation.log10($0) },
        "sin": { Foundation.sin($0) }, "cos": { Foundation.cos($0) }, "tan": { Foundation.tan($0) },
        "asin": { Foundation.asin($0) }, "acos": { Foundation.acos($0) }, "atan": { Foundation.atan($0) },
        "sinh": { Foundation.sinh($0) }, "cosh": { Foundation.cosh($0) }, "tanh": { Foundation.tanh($0) },
        "asinh": { Foundation.asinh($0) }, "acosh": { Foundation.acosh($0) }, "atanh": { Foundation.atanh($0) },
        "rad": { $0 * Double.pi / 180 }, "deg": { $0 * 180 / Double.pi },
        "sgn": { $0 < 0 ? -1 : $0 > 0 ? 1 : $0 },
    ]

    static let calendar: [String: @Sendable (CivilTime) -> Double] = [
        "minute": { Double($0.minute) }, "hour": { Double($0.hour) }, "month": { Double($0.month) },
        "year": { Double($0.year) }, "day_of_month": { Double($0.day) }, "day_of_week": { Double($0.weekday) },
        "day_of_year": { Double($0.dayOfYear) }, "days_in_month": { Double($0.daysInMonth) },
    ]

    static func apply(_ name: String, _ vector: [Element], scalars: [Double], strings: [String], argCount: Int,
                      call: Call, at t: Timestamp, _ evaluator: Evaluator) throws(QueryError) -> [Element] {
        if let f = math[name] {
            return vector.map { Element(labels: $0.labels, value: f($0.value), timestamp: t, dropName: true) }
        }
        if let f = calendar[name] {
            if argCount == 0 {
                return [Element(labels: .empty, value: f(CivilTime(seconds: t / 1000)), timestamp: t, dropName: false)]
            }
            return vector.map { e in
                let seconds = e.value.isFinite && Swift.abs(e.value) < 9e18 ? Int64(e.value) : Int64.min
                return Element(labels: e.labels, value: f(CivilTime(seconds: seconds)), timestamp: t, dropName: true)
            }
        }
        switch name {
        case "round":
            let nearest = scalars.first ?? 1
            let inverse = 1.0 / nearest
            return vector.map { Element(labels: $0.labels, value: ($0.value * inverse + 0.5).rounded(.down) / inverse,
                                        timestamp: t, dropName: true) }
        case "clamp", "clamp_min", "clamp_max":
            let low = name == "clamp_max" ? -Double.infinity : scalars[0]
            let high = name == "clamp" ? scalars[1] : name == "clamp_max" ? scalars[0] : Double.infinity
            if high < low { return [] }
            return vector.map { Element(labels: $0.labels, value: Swift.max(low, Swift.min(high, $0.value)), timestamp: t, dropName: true) }
        case "absent":
            return vector.isEmpty ? [Element(labels: evaluator.absentLabels(call.args[0]), value: 1, timestamp: t, dropName: false)] : []
        case "sort", "sort_desc", "sort_by_label", "sort_by_label_desc":
            if evaluator.start != evaluator.end {
                evaluator.warn("sort is ineffective for range queries since results are always ordered by labels")
            }
            return sorted(name, vector, strings)
        case "histogram_quantile":
            return classicHistogram(vector, at: t, evaluator) { buckets, metric in
                let q = scalars[0]
                let (value, forced) = bucketQuantile(q, buckets)
                if forced {
                    evaluator.info("input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name \(goQuote(metric))")
                }
                return value
            } validate: {
                let q = scalars[0]
                if q.isNaN || q < 0 || q > 1 { evaluator.warn("quantile value should be between 0 and 1, got \(goFormatG(q))") }
            }
        case "histogram_fraction":
            return classicHistogram(vector, at: t, evaluator) { buckets, _ in
                bucketFraction(scalars[0], scalars[1], buckets)
            } validate: {}
        case "histogram_quantiles":
            let label = strings.first ?? ""
            for q in scalars where q.isNaN || q < 0 || q > 1 {
                evaluator.warn("quantile value should be between 0 and 1, got \(goFormatG(q))")
            }
            var out: [Element] = []
            for q in scalars {
                let text = openMetricsFloat(q)
                out += classicHistogram(vector, at: t, evaluator) { buckets, metric in
                    let (value, forced) = bucketQuantile(q, buckets)
                    if forced {
                        evaluator.info("input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name \(goQuote(metric))")
                    }
                    return value
                } validate: {}.map { e in
                    var e = e
                    e.labels = e.labels.setting(label, to: text)
                    return e
                }
            }
            return out
        case "histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev", "histogram_stdvar",
             "start_timestamp", "info":
            return []
        default:
            throw .execution("function \"\(name)\" is not evaluated by Ember")
        }
    }

    /// OpenMetrics float text: integral values keep a `.0` (`1.0`), others their shortest form.
    static func openMetricsFloat(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        let text = goFormatG(v)
        if text.contains(".") || text.contains("e") || text.contains("E") { return text }
        return text + ".0"
    }

    static func sorted(_ name: String, _ vector: [Element], _ labels: [String]) -> [Element] {
        switch name {
        case "sort":
            return vector.sorted { a, b in a.value < b.value || (b.value.isNaN && !a.value.isNaN) }
        case "sort_desc":
            return vector.sorted { a, b in a.value > b.value || (b.value.isNaN && !a.value.isNaN) }
        default:
            let descending = name == "sort_by_label_desc"
            return vector.sorted { a, b in
                for label in labels.dropFirst(0) {
                    let x = a.labels[label] ?? "", y = b.labels[label] ?? ""
                    if x == y { continue }
                    return naturalLess(x, y) != descending
                }
                return descending ? b.labels < a.labels : a.labels < b.labels
            }
        }
    }

    /// Natural ordering: runs of digits compare by numeric value, other text bytewise.
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        while i < x.count, j < y.count {
            if isDigit(x[i]), isDigit(y[j]) {
                var ei = i, ej = j
                while ei < x.count, isDigit(x[ei]) { ei += 1 }
                while ej < y.count, isDigit(y[ej]) { ej += 1 }
                let nx = x[i..<ei].drop { $0 == 48 }, ny = y[j..<ej].drop { $0 == 48 }
                if nx.count != ny.count { return nx.count < ny.count }
                if !nx.elementsEqual(ny) { return nx.lexicographicallyPrecedes(ny) }
                i = ei; j = ej
                continue
            }
            if x[i] != y[j] { return x[i] < y[j] }
            i += 1; j += 1
        }
        return x.count - i < y.count - j
    }

    typealias Bucket = (upperBound: Double, count: Double)

    /// Groups classic `le` buckets by their labels without `le` and applies `compute` per group.
    static func classicHistogram(_ vector: [Element], at t: Timestamp, _ evaluator: Evaluator,
                                 _ compute: ([Bucket], String) -> Double, validate: () -> Void) -> [Element] {
        validate()
        var index: [Labels: Int] = [:]
        var groups: [(labels: Labels, metric: String, buckets: [Bucket])] = []
        for e in vector {
            let le = e.labels["le"] ?? ""
            guard let bound = parseGoFloat(le) else {
                evaluator.warn("bucket label \"le\" is missing or has a malformed value of \(goQuote(le)) for metric name \(goQuote(e.labels.metricName ?? ""))")
                continue
            }
            let key = e.labels.removing(["le"])
            if let i = index[key] {
                groups[i].buckets.append((bound, e.value))
            } else {
                index[key] = groups.count
                groups.append((key, e.labels.metricName ?? "", [(bound, e.value)]))
            }
        }
        return groups.map { Element(labels: $0.labels, value: compute($0.buckets, $0.metric), timestamp: t, dropName: true) }
    }

    static func prepare(_ buckets: [Bucket]) -> [Bucket]? {
        let sorted = buckets.sorted { $0.upperBound < $1.upperBound }
        guard let last = sorted.last, last.upperBound == .infinity else { return nil }
        var merged: [Bucket] = []
        for b in sorted {
            if let l = merged.last, l.upperBound == b.upperBound {
                merged[merged.count - 1].count += b.count
            } else {
                merged.append(b)
            }
        }
        return merged
    }

    static func bucketQuantile(_ q: Double, _ input: [Bucket]) -> (Double, Bool) {
        if q.isNaN { return (.nan, false) }
        if q < 0 { return (-.infinity, false) }
        if q > 1 { return (.infinity, false) }
        guard var buckets = prepare(input) else { return (.nan, false) }
        var forced = false
        var previous = buckets[0].count
        for i in 1..<buckets.count {
            let current = buckets[i].count
            if current == previous { continue }
            if almostEqual(previous, current, 1e-12) {
                buckets[i].count = previous
                continue
            }
            if current < previous {
                buckets[i].count = previous
                forced = true
                continue
            }
            previous = current
        }
        guard buckets.count >= 2 else { return (.nan, forced) }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0 else { return (.nan, forced) }
        var rank = q * observations
        var b = 0
        while b < buckets.count - 1, !(buckets[b].count >= rank) { b += 1 }
        if b == buckets.count - 1 { return (buckets[buckets.count - 2].upperBound, forced) }
        if b == 0, buckets[0].upperBound <= 0 { return (buckets[0].upperBound, forced) }
        var bucketStart = 0.0
        let bucketEnd = buckets[b].upperBound
        var count = buckets[b].count
        if b > 0 {
            bucketStart = buckets[b - 1].upperBound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return (bucketStart + (bucketEnd - bucketStart) * (rank / count), forced)
    }

    static func bucketFraction(_ lower: Double, _ upper: Double, _ input: [Bucket]) -> Double {
        guard let buckets = prepare(input) else { return .nan }
        let count = buckets[buckets.count - 1].count
        if count == 0 || lower.isNaN || upper.isNaN { return .nan }
        if lower >= upper { return 0 }
        var rank = 0.0, lowerRank = 0.0, upperRank = 0.0
        var lowerSet = false, upperSet = false
        var lowerBound = buckets[0].upperBound <= 0 ? -Double.infinity : 0
        for (i, b) in buckets.enumerated() {
            if i > 0 { lowerBound = buckets[i - 1].upperBound }
            let upperBound = b.upperBound
            func interpolate(_ v: Double) -> Double {
                if lowerBound == -.infinity { return b.count }
                return rank + (b.count - rank) * (v - lowerBound) / (upperBound - lowerBound)
            }
            if !lowerSet, lowerBound >= lower { lowerRank = rank; lowerSet = true }
            if !upperSet, lowerBound >= upper { upperRank = rank; upperSet = true }
            if lowerSet, upperSet { break }
            if !lowerSet, lowerBound < lower, upperBound > lower { lowerRank = interpolate(lower); lowerSet = true }
            if !upperSet, lowerBound < upper, upperBound > upper { upperRank = interpolate(upper); upperSet = true }
            if lowerSet, upperSet { break }
            rank = b.count
        }
        if !lowerSet || lowerRank > count { lowerRank = count }
        if !upperSet || upperRank > count { upperRank = count }
        return (upperRank - lowerRank) / count
    }

    static func almostEqual(_ a: Double, _ b: Double, _ epsilon: Double) -> Bool {
        if a.isNaN && b.isNaN { return true }
        if a == b { return true }
        let minNormal = 2.2250738585072014e-308
        let absSum = Swift.abs(a) + Swift.abs(b), diff = Swift.abs(a - b)
        if a == 0 || b == 0 || absSum < minNormal { return diff < epsilon * minNormal }
        return diff / Swift.min(absSum, Double.greatestFiniteMagnitude) < epsilon
    }

    /// Go's `strconv.ParseFloat` for an `le` value: decimal, exponent, `Inf`/`NaN` forms.
    static func parseGoFloat(_ text: String) -> Double? {
        guard !text.isEmpty else { return nil }
        switch text.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: break
        }
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE_xXpPabcdefABCDEF".contains($0)) }) else { return nil }
        return Double(text)
    }
}

/// A UTC calendar breakdown of a Unix time in seconds (proleptic Gregorian).
struct CivilTime {
    var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, weekday: Int64, dayOfYear: Int64

    init(seconds: Int64) {
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        hour = rest / 3600
        minute = rest % 3600 / 60
        weekday = ((days % 7) + 11) % 7
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let cumulative: [Int64] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        dayOfYear = cumulative[Int(month - 1)] + day + (leap && month > 2 ? 1 : 0)
    }

    var daysInMonth: Int64 {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        switch month {
        case 2: return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
