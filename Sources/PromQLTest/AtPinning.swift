import PromQL

/// The reference runner's step-invariance check (FORMAT.md §10.2): every selector and subquery
/// without `@` gets `@ t`, and the rewritten query must give the same result at other times.
enum AtPinning {
    /// Functions whose value depends on the evaluation time itself; cases using them are not pinned.
    static let timeDependent: Set<String> = [
        "time", "timestamp", "predict_linear", "minute", "hour", "day_of_week", "day_of_month",
        "day_of_year", "days_in_month", "month", "year", "start", "end", "range", "step",
    ]

    static func usesTimeDependentFunction(_ e: Expr) -> Bool {
        if case let .call(call) = e, timeDependent.contains(call.function.name) { return true }
        return e.children.contains(where: usesTimeDependentFunction)
    }

    /// `e` with `@ t` (milliseconds) on every selector and subquery that has none. The insides of
    /// a subquery are left alone: once the subquery has an `@`, its steps fix the inner times.
    static func pin(_ e: Expr, at t: Int64) -> Expr {
        switch e {
        case .number, .string: return e
        case var .vectorSelector(vs):
            if vs.at == nil { vs.at = .timestamp(t) }
            return .vectorSelector(vs)
        case var .matrixSelector(ms):
            if ms.selector.at == nil { ms.selector.at = .timestamp(t) }
            return .matrixSelector(ms)
        case var .subquery(sq):
            if sq.at == nil { sq.at = .timestamp(t) }
            return .subquery(sq)
        case var .paren(p):
            p.expr = pin(p.expr, at: t)
            return .paren(p)
        case var .unary(u):
            u.expr = pin(u.expr, at: t)
            return .unary(u)
        case var .binary(b):
            b.lhs = pin(b.lhs, at: t)
            b.rhs = pin(b.rhs, at: t)
            return .binary(b)
        case var .aggregate(a):
            a.expr = pin(a.expr, at: t)
            if let p = a.param { a.param = pin(p, at: t) }
            return .aggregate(a)
        case var .call(c):
            c.args = c.args.map { pin($0, at: t) }
            return .call(c)
        }
    }

    /// The times the pinned query runs at: −10t, 0, t/5, t and 10t (−1s, 0, 1s when t is 0).
    static func times(for t: Int64) -> [Int64] {
        t == 0 ? [-1000, 0, 1000] : [-10 * t, 0, t / 5, t, 10 * t]
    }
}
