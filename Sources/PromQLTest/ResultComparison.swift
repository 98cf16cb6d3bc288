import MetricModel
import PromQL

/// Compares a query result with an `eval` case's expectations (FORMAT.md §9).
///
/// Contract: `compare` returns nil on a match, else a one-line reason naming the first difference.
enum ResultComparison {
    static func compare(_ evalCase: EvalCase, _ value: QueryValue) -> String? {
        if let expected = evalCase.expectString {
            guard case let .string(_, s) = value else { return "expected a string, got a \(value.typeName)" }
            return s == expected ? nil : "expected string \"\(expected)\", got \"\(s)\""
        }
        if let expected = evalCase.scalar {
            guard case let .scalar(_, v) = value else { return "expected scalar \(expected), got a \(value.typeName)" }
            return almostEqual(expected, v) ? nil : "expected scalar \(format(expected)), got \(format(v))"
        }
        switch evalCase.mode {
        case .instant where evalCase.rangeVector == nil:
            guard case let .vector(elements) = value else { return "expected a vector, got a \(value.typeName)" }
            return compareVector(evalCase, elements)
        case let .instant(t):
            let r = evalCase.rangeVector!
            guard case let .matrix(series) = value else { return "expected a range vector, got a \(value.typeName)" }
            _ = t
            return compareMatrix(evalCase, series, start: r.start, step: r.step)
        case let .range(start, _, step):
            guard case let .matrix(series) = value else { return "expected a matrix, got a \(value.typeName)" }
            if evalCase.ordered { return "expect ordered is not allowed on a range query" }
            return compareMatrix(evalCase, series, start: start, step: step)
        }
    }

    static func compareVector(_ evalCase: EvalCase, _ elements: [VectorElement]) -> String? {
        guard elements.count == evalCase.series.count else {
            return "expected \(evalCase.series.count) series, got \(elements.count): \(describe(elements))"
        }
        var expectedByLabels: [Labels: (Int, Double?)] = [:]
        for (i, s) in evalCase.series.enumerated() { expectedByLabels[s.labels] = (i, s.values.first ?? nil) }
        for (position, element) in elements.enumerated() {
            guard let (index, expected) = expectedByLabels[element.labels] else {
                return "unexpected series \(element.labels) \(format(element.value)) in \(describe(elements))"
            }
            if evalCase.ordered, index != position {
                return "series \(element.labels) at position \(position + 1), expected at \(index + 1)"
            }
            guard let want = expected else { return "expected a histogram for \(element.labels)" }
            if !almostEqual(want, element.value) {
                return "\(element.labels): expected \(format(want)), got \(format(element.value))"
            }
        }
        return nil
    }

    static func compareMatrix(_ evalCase: EvalCase, _ series: [MatrixSeries], start: Timestamp, step: Int64) -> String? {
        for i in series.indices.dropFirst() where !(series[i - 1].labels < series[i].labels) {
            return "matrix is not sorted by labels (\(series[i - 1].labels) before \(series[i].labels))"
        }
        guard series.count == evalCase.series.count else {
            return "expected \(evalCase.series.count) series, got \(series.count): \(series.map { $0.labels.description }.joined(separator: ", "))"
        }
        var expectedByLabels: [Labels: ExpectedSeries] = [:]
        for s in evalCase.series { expectedByLabels[s.labels] = s }
        for got in series {
            guard let want = expectedByLabels[got.labels] else { return "unexpected series \(got.labels)" }
            var points: [(Timestamp, Double)] = []
            for (j, v) in want.values.enumerated() { if let v { points.append((start + Int64(j) * step, v)) } }
            guard points.count == got.timestamps.count else {
                return "\(got.labels): expected \(points.count) points, got \(got.timestamps.count): "
                    + zip(got.timestamps, got.values).map { "\(format($1))@\($0)" }.joined(separator: " ")
            }
            for (k, (t, v)) in points.enumerated() {
                if got.timestamps[k] != t { return "\(got.labels): point \(k) at \(got.timestamps[k]), expected at \(t)" }
                if !almostEqual(v, got.values[k]) {
                    return "\(got.labels): at \(t) expected \(format(v)), got \(format(got.values[k]))"
                }
            }
        }
        return nil
    }

    static func describe(_ elements: [VectorElement]) -> String {
        "{" + elements.prefix(6).map { "\($0.labels) \(format($0.value))" }.joined(separator: "; ")
            + (elements.count > 6 ? "; ..." : "") + "}"
    }

    static func format(_ v: Double) -> String {
        if v.isStaleMarker { return "stale" }
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        return "\(v)"
    }

    /// The reference runner's float equality: relative tolerance 1e-6, NaN equals NaN, the
    /// staleness marker equals only itself.
    static func almostEqual(_ a: Double, _ b: Double) -> Bool {
        if a.isStaleMarker || b.isStaleMarker { return a.isStaleMarker && b.isStaleMarker }
        if a.isNaN && b.isNaN { return true }
        if a == b { return true }
        let minNormal = 2.2250738585072014e-308
        let absSum = abs(a) + abs(b)
        let diff = abs(a - b)
        if a == 0 || b == 0 || absSum < minNormal { return diff < 1e-6 * minNormal }
        return diff / min(absSum, Double.greatestFiniteMagnitude) < 1e-6
    }
}
