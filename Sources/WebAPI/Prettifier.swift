import MetricModel
import PromQL

/// Prometheus's `Prettify` (for `/api/v1/format_query`): an expression whose one-line text is
/// over 100 bytes is split over lines, two spaces of indent per level; shorter ones print as
/// their one-line text.
///
/// Contract: the same line breaks and indentation as Prometheus's prettier for every node kind;
/// the one-line pieces are `Expr.description` (Prometheus's `String()`).
enum Prettifier {
    static let maxCharactersPerLine = 100

    static func pretty(_ expr: Expr, level: Int = 0, width: Int = maxCharactersPerLine) -> String {
        let indent = String(repeating: "  ", count: level)
        let oneLine = expr.description
        let split = oneLine.utf8.count > width
        switch expr {
        case let .aggregate(a):
            guard split else { return indent + oneLine }
            var out = indent + aggregatePrefix(a) + "(\n"
            if let param = a.param { out += pretty(param, level: level + 1, width: width) + ",\n" }
            return out + pretty(a.expr, level: level + 1, width: width) + "\n" + indent + ")"
        case let .binary(b):
            guard split else { return indent + oneLine }
            return pretty(b.lhs, level: level + 1, width: width) + "\n" + indent + b.op.rawValue + (b.returnBool ? " bool" : "")
                + matchingText(b.matching) + "\n" + pretty(b.rhs, level: level + 1, width: width)
        case let .call(c):
            guard split else { return indent + oneLine }
            return indent + c.function.name + "(\n" + c.args.map { pretty($0, level: level + 1, width: width) }.joined(separator: ",\n")
                + "\n" + indent + ")"
        case let .paren(p):
            guard split else { return indent + oneLine }
            return indent + "(\n" + pretty(p.expr, level: level + 1, width: width) + "\n" + indent + ")"
        case let .subquery(s):
            // As upstream: no indent of its own when short, the inner expression's when split.
            guard split else { return oneLine }
            let suffix = String(oneLine.dropFirst(s.expr.description.count))
            return pretty(s.expr, level: level, width: width) + suffix
        case let .unary(u):
            let child = pretty(u.expr, level: level, width: width).trimmingWhitespace()
            return indent + u.op.rawValue + child
        case .vectorSelector, .matrixSelector, .number, .string:
            return indent + oneLine
        }
    }

    /// `sum`, `sum by (a, b) `, `sum without (a) ` — Prometheus's `ShortString`.
    static func aggregatePrefix(_ a: AggregateExpr) -> String {
        if a.without { return a.op.rawValue + " without (" + labelList(a.grouping) + ") " }
        if !a.grouping.isEmpty { return a.op.rawValue + " by (" + labelList(a.grouping) + ") " }
        return a.op.rawValue
    }

    /// ` on (a)`, ` ignoring (a) group_left (b)`, ` fill (0)` — Prometheus's `getMatchingStr`.
    static func matchingText(_ matching: VectorMatching?) -> String {
        guard let m = matching else { return "" }
        var out = ""
        let grouped = m.cardinality == .manyToOne || m.cardinality == .oneToMany
        if !m.matchingLabels.isEmpty || m.on || grouped {
            out += (m.on ? " on (" : " ignoring (") + labelList(m.matchingLabels) + ")"
        }
        if grouped {
            out += (m.cardinality == .manyToOne ? " group_left (" : " group_right (") + labelList(m.include) + ")"
        }
        switch (m.fill.lhs, m.fill.rhs) {
        case let (l?, r?) where l == r: out += " fill (\(PrometheusNumber.format(l)))"
        default:
            if let l = m.fill.lhs { out += " fill_left (\(PrometheusNumber.format(l)))" }
            if let r = m.fill.rhs { out += " fill_right (\(PrometheusNumber.format(r)))" }
        }
        return out
    }

    static func labelList(_ names: [String]) -> String {
        names.map { isValidLegacyLabelName($0) ? $0 : goQuoted($0) }.joined(separator: ", ")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
