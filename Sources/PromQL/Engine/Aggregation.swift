import Foundation
import MetricModel

/// Kahan–Neumaier compensated addition, as Prometheus's `kahansum.Inc`.
@inline(__always) func kahanAdd(_ inc: Double, _ sum: Double, _ c: Double) -> (Double, Double) {
    let t = sum + inc
    var c = c
    if t.isInfinite {
        c = 0
    } else if abs(sum) >= abs(inc) {
        c += (sum - t) + inc
    } else {
        c += (inc - t) + sum
    }
    return (t, c)
}

/// Prometheus's `quantile`: linear interpolation between closest ranks of the sorted values.
func quantileOf(_ q: Double, _ values: [Double]) -> Double {
    guard !values.isEmpty, !q.isNaN else { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    let sorted = values.sorted { $0 < $1 || ($0.isNaN && !$1.isNaN) }
    let n = Double(sorted.count)
    let rank = q * (n - 1)
    let lower = max(0, rank.rounded(.down))
    let upper = min(n - 1, lower + 1)
    let weight = rank - rank.rounded(.down)
    return sorted[Int(lower)] * (1 - weight) + sorted[Int(upper)] * weight
}

extension Evaluator {
    /// The grouping key and output labels of an element under `by`/`without`.
    static func groupLabels(_ labels: Labels, _ grouping: [String], without: Bool) -> Labels {
        if without {
            var names = Set(grouping)
            names.insert(Labels.metricName)
            return labels.removing(names)
        }
        guard !grouping.isEmpty else { return .empty }
        let names = Set(grouping)
        return Labels(sortedUnique: labels.pairs.filter { names.contains($0.name) })
    }

    func evalAggregate(_ expr: AggregateExpr, param: Node?, _ inner: Node, at t: Timestamp) throws(QueryError) -> [Element] {
        var paramValue = Double.nan
        var label = ""
        if let param {
            switch try eval(param, at: t) {
            case let .scalar(v): paramValue = v
            case let .string(s): label = s
            default: break
            }
        }
        if expr.op == .countValues, !isValidUTF8LabelName(label) {
            throw .execution("invalid label name \(goQuote(label))")
        }
        let input = try eval(inner, at: t).vector
        switch expr.op {
        case .topk, .bottomk, .limitk, .limitRatio:
            return try aggregateK(expr, paramValue, input)
        case .countValues:
            return countValues(expr, label, input, at: t)
        default:
            return aggregateGroups(expr, paramValue, input, at: t)
        }
    }

    struct Group {
        var labels: Labels
        var value: Double
        var mean: Double
        var compensation = 0.0
        var count = 1.0
        var incrementalMean = false
        var values: [Double] = []
        var dropName: Bool
    }

    func aggregateGroups(_ expr: AggregateExpr, _ q: Double, _ input: [Element], at t: Timestamp) -> [Element] {
        if expr.op == .quantile, q.isNaN || q < 0 || q > 1 {
            warn("quantile value should be between 0 and 1, got \(goFormatG(q))")
        }
        var index: [Labels: Int] = [:]
        var groups: [Group] = []
        for e in input {
            let key = Self.groupLabels(e.labels, expr.grouping, without: expr.without)
            let f = e.value
            guard let gi = index[key] else {
                index[key] = groups.count
                var g = Group(labels: key, value: f, mean: f, dropName: e.dropName)
                switch expr.op {
                case .stddev, .stdvar: g.value = (f.isNaN || f.isInfinite) ? .nan : 0
                case .quantile: g.values = [f]
                case .group: g.value = 1
                default: break
                }
                groups.append(g)
                continue
            }
            if e.dropName { groups[gi].dropName = true }
            switch expr.op {
            case .sum:
                (groups[gi].value, groups[gi].compensation) = kahanAdd(f, groups[gi].value, groups[gi].compensation)
            case .avg:
                groups[gi].count += 1
                let n = groups[gi].count
                if !groups[gi].incrementalMean {
                    let (s, c) = kahanAdd(f, groups[gi].value, groups[gi].compensation)
                    if !s.isInfinite {
                        groups[gi].value = s
                        groups[gi].compensation = c
                        break
                    }
                    groups[gi].incrementalMean = true
                    groups[gi].mean = groups[gi].value / (n - 1)
                    groups[gi].compensation /= n - 1
                }
                let ratio = (n - 1) / n
                (groups[gi].mean, groups[gi].compensation) = kahanAdd(f / n, ratio * groups[gi].mean, ratio * groups[gi].compensation)
            case .max:
                if groups[gi].value < f || groups[gi].value.isNaN { groups[gi].value = f }
            case .min:
                if groups[gi].value > f || groups[gi].value.isNaN { groups[gi].value = f }
            case .count:
                groups[gi].count += 1
            case .stddev, .stdvar:
                groups[gi].count += 1
                let delta = f - groups[gi].mean
                groups[gi].mean += delta / groups[gi].count
                groups[gi].value += delta * (f - groups[gi].mean)
            case .quantile:
                groups[gi].values.append(f)
            default:
                break
            }
        }
        return groups.map { g in
            var value = g.value
            switch expr.op {
            case .avg:
                value = g.incrementalMean ? g.mean + g.compensation : g.value / g.count + g.compensation / g.count
            case .count: value = g.count
            case .stdvar: value = g.value / g.count
            case .stddev: value = (g.value / g.count).squareRoot()
            case .quantile: value = quantileOf(q, g.values)
            case .sum: value = g.value + g.compensation
            default: break
            }
            return Element(labels: g.labels, value: value, timestamp: t, dropName: g.dropName)
        }
    }

    func aggregateK(_ expr: AggregateExpr, _ param: Double, _ input: [Element]) throws(QueryError) -> [Element] {
        var ratio = 0.0
        var k = 0
        switch expr.op {
        case .limitRatio:
            if param == 0 { return [] }
            if param.isNaN { throw .execution("Ratio value is NaN") }
            if param > 1 { warn("ratio value should be between -1 and 1, got \(goFormatG(param)), capping to 1") }
            if param < -1 { warn("ratio value should be between -1 and 1, got \(goFormatG(param)), capping to -1") }
            ratio = min(1, max(-1, param))
        default:
            if param.isNaN { throw .execution("Parameter value is NaN") }
            if param < 1 { return [] }
            if param <= -9.223372036854775807e18 { throw .execution("Scalar value \(goFormatG(param)) underflows int64") }
            if param >= 9.223372036854775807e18 { throw .execution("Scalar value \(goFormatG(param)) overflows int64") }
            k = Int(min(param, Double(input.count)))
            if k < 1 { return [] }
        }
        var index: [Labels: Int] = [:]
        var groups: [[Element]] = []
        for e in input {
            let key = Self.groupLabels(e.labels, expr.grouping, without: expr.without)
            let gi: Int
            if let existing = index[key] { gi = existing } else {
                gi = groups.count
                index[key] = gi
                groups.append([])
            }
            switch expr.op {
            case .limitk:
                if groups[gi].count < k { groups[gi].append(e) }
            case .limitRatio:
                if Self.ratioSampleSelected(ratio, e.labels) { groups[gi].append(e) }
            default:
                groups[gi].append(e)
            }
        }
        var out: [Element] = []
        for group in groups {
            switch expr.op {
            case .topk:
                out += group.sorted { a, b in a.value > b.value || (b.value.isNaN && !a.value.isNaN) }.prefix(k)
            case .bottomk:
                out += group.sorted { a, b in a.value < b.value || (b.value.isNaN && !a.value.isNaN) }.prefix(k)
            default:
                out += group
            }
        }
        return out
    }

    /// Whether `limit_ratio(r, ...)` keeps a series: a stable hash of its labels mapped to
    /// [0, 1) is compared with the ratio (from the start for r > 0, from the end for r < 0).
    static func ratioSampleSelected(_ ratio: Double, _ labels: Labels) -> Bool {
        let offset = Double(stableHash(labels)) / Double(UInt64.max)
        return ratio >= 0 ? offset < ratio : offset >= 1 + ratio
    }

    func countValues(_ expr: AggregateExpr, _ label: String, _ input: [Element], at t: Timestamp) -> [Element] {
        var grouping = expr.grouping
        if !expr.without { grouping.append(label) }
        var index: [Labels: Int] = [:]
        var out: [Element] = []
        for e in input {
            let metric = e.labels.setting(label, to: goFormatFloat(e.value))
            let key = Self.groupLabels(metric, grouping, without: expr.without)
            if let i = index[key] {
                out[i].value += 1
            } else {
                index[key] = out.count
                out.append(Element(labels: key, value: 1, timestamp: t, dropName: false))
            }
        }
        return out
    }
}

/// An FNV-1a hash of a label set, stable across runs (Swift's `Hasher` is seeded per process).
func stableHash(_ labels: Labels) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for pair in labels.pairs {
        for byte in pair.name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0xff) &* 0x100_0000_01b3
        for byte in pair.value.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0xff) &* 0x100_0000_01b3
    }
    return hash
}

/// A label name is valid when it is non-empty UTF-8 (Prometheus 3's UTF-8 validation).
func isValidUTF8LabelName(_ name: String) -> Bool { !name.isEmpty && !name.contains("\u{FFFD}") }
