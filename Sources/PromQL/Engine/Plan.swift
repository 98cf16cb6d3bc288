import MetricModel
import Storage

/// A selector of the plan: its matchers and time modifiers resolved to milliseconds, and the
/// series it reads, fetched once per query over the widest window any step needs.
final class SelectorNode {
    let matchers: [LabelMatcher]
    let offset: Int64
    /// The `@` time, resolved (`start()`/`end()` replaced by the query's times).
    let at: Timestamp?
    /// The range of a range selector (0 for instant selectors).
    let range: Int64
    /// Prometheus 3's extended selectors: `anchored` also reads one lookback before the range;
    /// `smoothed` one lookback on both sides, to interpolate at the edges.
    var anchored = false
    var smoothed = false
    /// The samples any step can need: `mint ... maxt` inclusive.
    var mint = Timestamp.max
    var maxt = Timestamp.min
    var cursors: [SeriesCursor]?
    let expr: Expr

    init(matchers: [LabelMatcher], offset: Int64, at: Timestamp?, range: Int64, expr: Expr) {
        self.matchers = matchers
        self.offset = offset
        self.at = at
        self.range = range
        self.expr = expr
    }

    /// Widens the read window for evaluation times `low ... high`, with `lookback` for instant
    /// selectors.
    func cover(_ low: Timestamp, _ high: Timestamp, lookback: Int64) {
        let base = at.map { ($0, $0) } ?? (low, high)
        var width = range > 0 ? range : lookback
        var after: Int64 = 0
        if anchored || smoothed { width = range + lookback }
        if smoothed { after = lookback }
        mint = min(mint, base.0 - offset - width + 1)
        maxt = max(maxt, base.1 - offset + after)
    }
}

/// A subquery of the plan, with its inner values memoised by evaluation time so overlapping
/// windows of consecutive steps evaluate each inner step once.
final class SubqueryNode {
    let inner: Node
    let range: Int64
    let step: Int64
    let offset: Int64
    let at: Timestamp?
    var memo: [Timestamp: EvalValue] = [:]
    var memoOrder: [Timestamp] = []

    init(inner: Node, range: Int64, step: Int64, offset: Int64, at: Timestamp?) {
        self.inner = inner
        self.range = range
        self.step = step
        self.offset = offset
        self.at = at
    }
}

/// The evaluation plan: the expression tree with durations, `@` and defaults resolved.
indirect enum Node {
    case number(Double)
    case string(String)
    case selector(SelectorNode)
    case matrix(SelectorNode)
    case subquery(SubqueryNode)
    case negate(Node)
    case binary(BinaryExpr, Node, Node)
    case aggregate(AggregateExpr, param: Node?, Node)
    case call(Call, [Node])
}

/// Builds a `Node` tree from a parsed expression for one query.
struct Planner {
    let start: Timestamp
    let end: Timestamp
    let step: Int64
    let lookback: Int64
    let defaultSubqueryStep: Int64

    private func milliseconds(_ d: DurationExpr?, _ fixed: Int64) -> Int64 {
        guard let d else { return fixed }
        let seconds = d.seconds(step: Double(step) / 1000, range: Double(end - start) / 1000)
        let nanoseconds = (seconds * 1e9).rounded(.towardZero)
        guard nanoseconds.isFinite, abs(nanoseconds) < 9.2e18 else { return 0 }
        return Int64(nanoseconds) / 1_000_000
    }

    private func resolve(_ at: AtModifier?) -> Timestamp? {
        switch at {
        case let .timestamp(t)?: return t
        case .start?: return start
        case .end?: return end
        case nil: return nil
        }
    }

    /// Plans `expr` for evaluation times `low ... high`.
    func plan(_ expr: Expr, _ low: Timestamp, _ high: Timestamp) -> Node {
        switch expr {
        case let .number(n): return .number(n.value)
        case let .string(s): return .string(s.value)
        case let .paren(p): return plan(p.expr, low, high)
        case let .vectorSelector(vs):
            let node = SelectorNode(matchers: vs.matchers, offset: milliseconds(vs.offsetExpr, vs.offset),
                                    at: resolve(vs.at), range: 0, expr: expr)
            node.smoothed = vs.smoothed
            node.cover(low, high, lookback: lookback)
            return .selector(node)
        case let .matrixSelector(ms):
            let vs = ms.selector
            let node = SelectorNode(matchers: vs.matchers, offset: milliseconds(vs.offsetExpr, vs.offset),
                                    at: resolve(vs.at), range: milliseconds(ms.rangeExpr, ms.range), expr: expr)
            node.anchored = vs.anchored
            node.smoothed = vs.smoothed
            node.cover(low, high, lookback: lookback)
            return .matrix(node)
        case let .subquery(sq):
            let range = milliseconds(sq.rangeExpr, sq.range)
            var step = milliseconds(sq.stepExpr, sq.step)
            if step <= 0 { step = defaultSubqueryStep }
            let offset = milliseconds(sq.offsetExpr, sq.offset)
            let at = resolve(sq.at)
            let base = at.map { ($0, $0) } ?? (low, high)
            let inner = plan(sq.expr, base.0 - offset - range + 1, base.1 - offset)
            return .subquery(SubqueryNode(inner: inner, range: range, step: step, offset: offset, at: at))
        case let .unary(u):
            let inner = plan(u.expr, low, high)
            return u.op == .minus ? .negate(inner) : inner
        case let .binary(b):
            return .binary(b, plan(b.lhs, low, high), plan(b.rhs, low, high))
        case let .aggregate(a):
            return .aggregate(a, param: a.param.map { plan($0, low, high) }, plan(a.expr, low, high))
        case let .call(c):
            return .call(c, c.args.map { plan($0, low, high) })
        }
    }
}
