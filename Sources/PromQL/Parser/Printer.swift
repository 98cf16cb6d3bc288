import MetricModel

/// Seconds (as a duration literal's value) to the milliseconds Prometheus prints.
func literalMilliseconds(_ seconds: Double) -> Int64 {
    let ns = seconds * 1e9
    guard ns.magnitude < 9.2e18 else { return ns < 0 ? Int64.min / 1_000_000 : Int64.max / 1_000_000 }
    return Int64(ns) / 1_000_000
}

/// Label names print bare when they match `[a-zA-Z_][a-zA-Z0-9_]*`, otherwise Go-quoted.
func printLabelName(_ name: String) -> String {
    isValidLegacyLabelName(name) ? name : goQuote(name)
}

func printLabelList(_ labels: [String]) -> String {
    labels.map(printLabelName).joined(separator: ", ")
}

func printMatcher(_ m: LabelMatcher) -> String {
    var quoteName = m.name.isEmpty
    for (i, u) in m.name.unicodeScalars.enumerated() {
        let v = u.value
        let ok = v == 95 || (v >= 97 && v <= 122) || (v >= 65 && v <= 90) || (i > 0 && v >= 48 && v <= 57)
        if !ok { quoteName = true; break }
    }
    return (quoteName ? goQuote(m.name) : m.name) + m.kind.rawValue + goQuote(m.value)
}

func printAt(_ at: AtModifier?) -> String {
    switch at {
    case nil: return ""
    case let .timestamp(ms)?: return " @ " + goFormatF3(Double(ms) / 1000)
    case .start?: return " @ start()"
    case .end?: return " @ end()"
    }
}

func printOffset(_ ms: Int64, _ expr: DurationExpr?) -> String {
    if let expr { return " offset " + expr.description }
    if ms > 0 { return " offset " + PrometheusDuration.format(ms) }
    if ms < 0 { return " offset -" + PrometheusDuration.format(-ms) }
    return ""
}

extension DurationExpr {
    public var description: String {
        switch self {
        case let .number(v, isDuration):
            if isDuration {
                if v < 0 { return "-" + PrometheusDuration.format(literalMilliseconds(-v)) }
                return PrometheusDuration.format(literalMilliseconds(v))
            }
            return goFormatFloat(v)
        case .step: return "step()"
        case .range: return "range()"
        case let .minOf(a, b): return "min_of(\(a), \(b))"
        case let .maxOf(a, b): return "max_of(\(a), \(b))"
        case let .negate(e): return "-" + e.description
        case let .binary(op, a, b): return "\(a) \(op.rawValue) \(b)"
        case let .paren(e): return "(\(e))"
        }
    }
}

extension VectorSelector: CustomStringConvertible {
    /// Prometheus's printing of a selector without its range (name, sorted matchers, modifiers).
    public var description: String {
        bodyDescription + printAt(at) + (anchored ? " anchored" : smoothed ? " smoothed" : "")
            + printOffset(offset, offsetExpr)
    }

    var bodyDescription: String {
        var parts: [String] = []
        for m in matchers {
            if m.name == Labels.metricName, m.kind == .equal, m.value == (name ?? ""), !m.value.isEmpty { continue }
            parts.append(printMatcher(m))
        }
        var out = name ?? ""
        if !parts.isEmpty { out += "{" + parts.sorted().joined(separator: ",") + "}" }
        return out
    }
}

extension Expr {
    public var description: String {
        switch self {
        case let .number(n):
            if n.isDuration {
                if n.value < 0 { return "-" + PrometheusDuration.format(literalMilliseconds(-n.value)) }
                return PrometheusDuration.format(literalMilliseconds(n.value))
            }
            return goFormatFloat(n.value)
        case let .string(s):
            return goQuote(s.value)
        case let .vectorSelector(vs):
            return vs.description
        case let .matrixSelector(m):
            let vs = m.selector
            let rangeText = m.rangeExpr?.description ?? PrometheusDuration.format(m.range)
            let extended = vs.anchored ? " anchored" : vs.smoothed ? " smoothed" : ""
            return vs.bodyDescription + "[" + rangeText + "]" + extended + printAt(vs.at) + printOffset(vs.offset, vs.offsetExpr)
        case let .subquery(s):
            var step = ""
            if s.step != 0 { step = PrometheusDuration.format(s.step) } else if let e = s.stepExpr { step = e.description }
            let rangeText = s.rangeExpr?.description ?? PrometheusDuration.format(s.range)
            return s.expr.description + "[" + rangeText + ":" + step + "]" + printAt(s.at) + printOffset(s.offset, s.offsetExpr)
        case let .paren(p):
            return "(" + p.expr.description + ")"
        case let .unary(u):
            return u.op.rawValue + u.expr.description
        case let .binary(b):
            return b.lhs.description + " " + b.op.rawValue + (b.returnBool ? " bool" : "") + matchingDescription(b.matching)
                + " " + b.rhs.description
        case let .aggregate(a):
            var out = a.op.rawValue
            if a.without {
                out += " without (" + printLabelList(a.grouping) + ") "
            } else if !a.grouping.isEmpty {
                out += " by (" + printLabelList(a.grouping) + ") "
            }
            out += "("
            if let p = a.param { out += p.description + ", " }
            return out + a.expr.description + ")"
        case let .call(c):
            return c.function.name + "(" + c.args.map(\.description).joined(separator: ", ") + ")"
        }
    }

    func matchingDescription(_ vm: VectorMatching?) -> String {
        guard let vm else { return "" }
        var out = ""
        let grouped = vm.cardinality == .manyToOne || vm.cardinality == .oneToMany
        if !vm.matchingLabels.isEmpty || vm.on || grouped {
            out += " " + (vm.on ? "on" : "ignoring") + " (" + printLabelList(vm.matchingLabels) + ")"
        }
        if grouped {
            out += " group_" + (vm.cardinality == .manyToOne ? "left" : "right") + " (" + printLabelList(vm.include) + ")"
        }
        if let l = vm.fill.lhs, let r = vm.fill.rhs, l == r {
            out += " fill (" + goFormatG(l) + ")"
        } else {
            if let l = vm.fill.lhs { out += " fill_left (" + goFormatG(l) + ")" }
            if let r = vm.fill.rhs { out += " fill_right (" + goFormatG(r) + ")" }
        }
        return out
    }
}
