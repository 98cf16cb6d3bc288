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
        // Grouping lists are short: a linear search is cheaper than building and hashing a set
        // for every series.
        if grouping.count > 8 {
            var names = Set(grouping)
            if without {
                names.insert(Labels.metricName)
                return labels.removing(names)
            }
            return Labels(sortedUnique: labels.pairs.filter { names.contains($0.name) })
        }
        if without {
            return Labels(sortedUnique: labels.pairs.filter { $0.name != Labels.metricName && !grouping.contains($0.name) })
        }
        guard !grouping.isEmpty else { return .empty }
        return Labels(sortedUnique: labels.pairs.filter { grouping.contains($0.name) })
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

    /// The running value of one output group of `sum`/`avg`/`count`/`min`/`max`/`group`/
    /// `stddev`/`stdvar` while its inputs are folded in, in input order (the order decides the
    /// float result). Plain numbers only, so a table of them (one per group and step) is cheap to
    /// fill; `quantile` keeps its inputs in `Group.values` instead.
    struct Fold {
        var value: Double
        var mean: Double
        var compensation = 0.0
        var count = 1.0
        var incrementalMean = false
        var dropName: Bool

        /// The fold started by its first input `f`.
        init(_ op: AggregateOperator, first f: Double, dropName: Bool) {
            self.value = f
            self.mean = f
            self.dropName = dropName
            switch op {
            case .stddev, .stdvar: value = (f.isNaN || f.isInfinite) ? .nan : 0
            case .group: value = 1
            default: break
            }
        }

        /// Folds in one more input after the first.
        @inline(__always) mutating func add(_ op: AggregateOperator, _ f: Double, dropName inputDropsName: Bool) {
            if inputDropsName { dropName = true }
            switch op {
            case .sum:
                (value, compensation) = kahanAdd(f, value, compensation)
            case .avg:
                count += 1
                let n = count
                if !incrementalMean {
                    let (s, c) = kahanAdd(f, value, compensation)
                    if !s.isInfinite {
                        value = s
                        compensation = c
                        break
                    }
                    incrementalMean = true
                    mean = value / (n - 1)
                    compensation /= n - 1
                }
                let ratio = (n - 1) / n
                (mean, compensation) = kahanAdd(f / n, ratio * mean, ratio * compensation)
            case .max:
                if value < f || value.isNaN { value = f }
            case .min:
                if value > f || value.isNaN { value = f }
            case .count:
                count += 1
            case .stddev, .stdvar:
                count += 1
                let delta = f - mean
                mean += delta / count
                value += delta * (f - mean)
            default:
                break
            }
        }

        /// The group's output value (not for `quantile`).
        func result(_ op: AggregateOperator) -> Double {
            switch op {
            case .avg:
                return incrementalMean ? mean + compensation : value / count + compensation / count
            case .count: return count
            case .stdvar: return value / count
            case .stddev: return (value / count).squareRoot()
            case .sum: return value + compensation
            default: return value
            }
        }
    }

    /// One output group: its labels, its fold, and for `quantile` its inputs.
    struct Group {
        var labels: Labels
        var fold: Fold
        var values: [Double] = []
        var dropName: Bool { fold.dropName }

        /// The group started by its first input `f`.
        init(_ op: AggregateOperator, labels: Labels, first f: Double, dropName: Bool) {
            self.labels = labels
            self.fold = Fold(op, first: f, dropName: dropName)
            if op == .quantile { values = [f] }
        }

        /// Folds in one more input after the first.
        @inline(__always) mutating func add(_ op: AggregateOperator, _ f: Double, dropName inputDropsName: Bool) {
            if op == .quantile {
                if inputDropsName { fold.dropName = true }
                values.append(f)
            } else {
                fold.add(op, f, dropName: inputDropsName)
            }
        }

        /// The group's output value; `q` is `quantile`'s parameter.
        func result(_ op: AggregateOperator, _ q: Double) -> Double {
            op == .quantile ? quantileOf(q, values) : fold.result(op)
        }
    }

    func aggregateGroups(_ expr: AggregateExpr, _ q: Double, _ input: [Element], at t: Timestamp) -> [Element] {
        if expr.op == .quantile, q.isNaN || q < 0 || q > 1 {
            warn("quantile value should be between 0 and 1, got \(goFormatG(q))")
        }
        var index: [Labels: Int] = [:]
        var groups: [Group] = []
        for e in input {
            let key = Self.groupLabels(e.labels, expr.grouping, without: expr.without)
            if let gi = index[key] {
                groups[gi].add(expr.op, e.value, dropName: e.dropName)
            } else {
                index[key] = groups.count
                groups.append(Group(expr.op, labels: key, first: e.value, dropName: e.dropName))
            }
        }
        return groups.map { g in
            Element(labels: g.labels, value: g.result(expr.op, q), timestamp: t, dropName: g.dropName)
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
