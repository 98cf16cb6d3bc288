import Foundation
import MetricModel

/// The parser's postfix modifiers (`[range]`, subqueries, `offset`, `@`, `anchored`/`smoothed`) and
/// the duration expressions they take.
extension Parser {
    // MARK: postfix modifiers

    mutating func parsePostfix(_ base: Expr) throws(PromQLParseError) -> Expr {
        var expr = base
        while true {
            let t = try peek()
            switch t.kind {
            case .leftBracket: expr = try parseRangeOrSubquery(expr)
            case .offset: expr = try parseOffset(expr)
            case .at: expr = try parseAt(expr)
            case .anchored, .smoothed: expr = try parseExtendedModifier(expr)
            default: return expr
            }
        }
    }

    func milliseconds(fromSeconds seconds: Double) -> Int64 {
        let ns = (seconds * 1e9).rounded()
        if !(ns.magnitude < 9.2e18) { return 0 }
        return Int64(ns) / 1_000_000
    }

    mutating func parseRangeOrSubquery(_ expr: Expr) throws(PromQLParseError) -> Expr {
        let open = advance()
        contexts.append(("subquery or range selector", "number, duration, step(), or range()"))
        let rangeD = try parsePositiveDuration()
        contexts.removeLast()
        let t = try peek()
        if t.kind == .rightBracket {
            let close = advance()
            let errRange = SourceRange(start: open.pos, end: close.end)
            guard case let .vectorSelector(vs) = expr else {
                throw error(errRange, "ranges only allowed for vector selectors")
            }
            if vs.offset != 0 || vs.offsetExpr != nil {
                throw error(errRange, "no offset modifiers allowed before range")
            }
            if vs.at != nil { throw error(errRange, "no @ modifiers allowed before range") }
            let (ms, dexpr) = split(rangeD)
            return .matrixSelector(MatrixSelector(selector: vs, range: ms, rangeExpr: dexpr,
                                                  position: SourceRange(start: vs.position.start, end: close.end)))
        }
        guard t.kind == .colon else { throw unexpected(t, "subquery or range", "\":\" or \"]\"") }
        _ = advance()
        var stepD: DurationExpr?
        if try peek().kind != .rightBracket {
            contexts.append(("subquery selector", "number, duration, step(), range(), or \"]\""))
            stepD = try parsePositiveDuration()
            contexts.removeLast()
        }
        let close = try peek()
        guard close.kind == .rightBracket else { throw unexpected(close, "subquery selector", "\"]\"") }
        _ = advance()
        let (rangeMs, rangeExpr) = split(rangeD)
        var stepMs: Int64 = 0
        var stepExpr: DurationExpr?
        if let stepD { (stepMs, stepExpr) = split(stepD) }
        return .subquery(SubqueryExpr(expr: expr, range: rangeMs, rangeExpr: rangeExpr, step: stepMs, stepExpr: stepExpr,
                                      position: SourceRange(start: expr.position.start, end: close.end)))
    }

    /// A literal duration becomes milliseconds; anything else stays an expression.
    func split(_ d: DurationExpr) -> (Int64, DurationExpr?) {
        if case let .number(v, _) = d { return (milliseconds(fromSeconds: v), nil) }
        return (0, d)
    }

    mutating func parsePositiveDuration() throws(PromQLParseError) -> DurationExpr {
        let startToken = try peek()
        let (d, r) = try parseDurationExpr(0)
        if case let .number(v, _) = d, v <= 0 {
            throw error(r ?? range(startToken), "duration must be greater than 0")
        }
        return d
    }

    func modifierTargetError(_ expr: Expr, _ what: String) -> PromQLParseError {
        error(expr.position, "\(what) modifier must be preceded by an instant vector selector or range vector selector or a subquery")
    }

    mutating func parseOffset(_ expr: Expr) throws(PromQLParseError) -> Expr {
        _ = advance()
        contexts.append(("offset", "number, duration, step(), or range()"))
        let (d, endPos) = try parseOffsetDuration()
        contexts.removeLast()
        var ms: Int64 = 0
        var dexpr: DurationExpr?
        if case let .number(v, _) = d { ms = milliseconds(fromSeconds: v) } else { dexpr = d }
        switch expr {
        case var .vectorSelector(vs):
            if vs.offset != 0 || vs.offsetExpr != nil { throw error(expr.position, "offset may not be set multiple times") }
            vs.offset = ms; vs.offsetExpr = dexpr
            vs.position.end = endPos
            return .vectorSelector(vs)
        case var .matrixSelector(m):
            if m.selector.offset != 0 || m.selector.offsetExpr != nil {
                throw error(expr.position, "offset may not be set multiple times")
            }
            m.selector.offset = ms; m.selector.offsetExpr = dexpr
            m.position.end = endPos
            return .matrixSelector(m)
        case var .subquery(s):
            if s.offset != 0 || s.offsetExpr != nil { throw error(expr.position, "offset may not be set multiple times") }
            s.offset = ms; s.offsetExpr = dexpr
            s.position.end = endPos
            return .subquery(s)
        default:
            throw modifierTargetError(expr, "offset")
        }
    }

    mutating func parseAt(_ expr: Expr) throws(PromQLParseError) -> Expr {
        _ = advance()
        contexts.append(("@", "timestamp"))
        var at: AtModifier
        var endPos: Int
        var t = try peek()
        if t.kind == .start || t.kind == .end {
            _ = advance()
            _ = try expect(.leftParen)
            endPos = try expect(.rightParen).end
            at = t.kind == .start ? .start : .end
        } else {
            var sign = 1.0
            if t.kind == .add || t.kind == .sub {
                _ = advance()
                if t.kind == .sub { sign = -1 }
                t = try peek()
            }
            guard t.kind == .number || t.kind == .duration else { throw unexpected(t) }
            _ = advance()
            endPos = t.end
            let ts = sign * (try numberLiteral(t)).value
            if ts.isNaN || ts.isInfinite || ts >= Double(Int64.max) || ts <= Double(Int64.min) {
                throw error(expr.position, "timestamp out of bounds for @ modifier: \(goFormatF6(ts))")
            }
            at = .timestamp(Int64((ts * 1000).rounded()))
        }
        contexts.removeLast()
        switch expr {
        case var .vectorSelector(vs):
            if vs.at != nil { throw error(expr.position, "@ <timestamp> may not be set multiple times") }
            vs.at = at; vs.position.end = endPos
            return .vectorSelector(vs)
        case var .matrixSelector(m):
            if m.selector.at != nil { throw error(expr.position, "@ <timestamp> may not be set multiple times") }
            m.selector.at = at; m.position.end = endPos
            return .matrixSelector(m)
        case var .subquery(s):
            if s.at != nil { throw error(expr.position, "@ <timestamp> may not be set multiple times") }
            s.at = at; s.position.end = endPos
            return .subquery(s)
        default:
            throw modifierTargetError(expr, "@")
        }
    }

    mutating func parseExtendedModifier(_ expr: Expr) throws(PromQLParseError) -> Expr {
        let t = advance()
        let anchored = t.kind == .anchored
        let word = anchored ? "anchored" : "smoothed"
        if !options.enableExtendedRangeSelectors {
            throw error(expr.position, "\(word) modifier is experimental and not enabled")
        }
        func apply(_ vs: inout VectorSelector) throws(PromQLParseError) {
            if anchored { vs.anchored = true } else { vs.smoothed = true }
            if vs.anchored && vs.smoothed {
                throw error(expr.position, "anchored and smoothed modifiers cannot be used together")
            }
        }
        switch expr {
        case var .vectorSelector(vs):
            try apply(&vs)
            vs.position.end = t.end
            return .vectorSelector(vs)
        case var .matrixSelector(m):
            try apply(&m.selector)
            m.position.end = t.end
            return .matrixSelector(m)
        case .subquery:
            throw error(expr.position, "\(word) modifier is not supported for subqueries")
        default:
            throw error(expr.position, "\(word) modifier not implemented")
        }
    }

    // MARK: duration expressions

    static func durationOperator(_ kind: TokenKind) -> (DurationOperator, Int)? {
        switch kind {
        case .add: return (.add, 1)
        case .sub: return (.sub, 1)
        case .mul: return (.mul, 2)
        case .div: return (.div, 2)
        case .mod: return (.mod, 2)
        case .pow: return (.pow, 3)
        default: return nil
        }
    }

    func requireDurationExpressions(_ at: Int) throws(PromQLParseError) {
        if !options.enableDurationExpressions {
            throw error(SourceRange(start: at, end: at), "experimental duration expression is not enabled")
        }
    }

    /// Parses a duration expression by precedence climbing; also returns the source range of the
    /// result when it is a plain literal (for "duration must be greater than 0").
    mutating func parseDurationExpr(_ minPrecedence: Int) throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        var (lhs, lhsRange) = try parseDurationUnary()
        return try continueDurationExpr(lhs: &lhs, lhsRange: &lhsRange, minPrecedence)
    }

    mutating func continueDurationExpr(lhs: inout DurationExpr, lhsRange: inout SourceRange?, _ minPrecedence: Int)
        throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        while true {
            let t = try peek()
            guard let (op, prec) = Parser.durationOperator(t.kind), prec >= minPrecedence else { break }
            try requireDurationExpressions(lhsRange?.start ?? t.pos)
            _ = advance()
            let (rhs, _) = try parseDurationExpr(op == .pow ? prec : prec + 1)
            if op == .div || op == .mod, case let .number(v, _) = rhs, v == 0 {
                throw error(range(t), op == .div ? "division by zero" : "modulo by zero")
            }
            lhs = .binary(op, lhs, rhs)
            lhsRange = nil
        }
        return (lhs, lhsRange)
    }

    mutating func parseDurationUnary() throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        let t = try peek()
        if t.kind == .add || t.kind == .sub {
            _ = advance()
            let (operand, r) = try parseDurationExpr(3)
            return try applyUnary(t, operand, r)
        }
        return try parseDurationPrimary()
    }

    func applyUnary(_ op: Token, _ operand: DurationExpr, _ r: SourceRange?) throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        if case let .number(v, isDuration) = operand {
            let value = op.kind == .sub ? -v : v
            if durationOutOfRange(value) { throw error(range(op), "duration out of range") }
            return (.number(value, isDuration: isDuration), SourceRange(start: op.pos, end: r?.end ?? op.end))
        }
        return (op.kind == .sub ? .negate(operand) : operand, nil)
    }

    func durationOutOfRange(_ v: Double) -> Bool {
        v > 9223372036.854775807 || v < -9223372036.854775808
    }

    mutating func durationLiteral(_ t: Token) throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        _ = advance()
        let n = try numberLiteral(t)
        if durationOutOfRange(n.value) { throw error(range(t), "duration out of range") }
        return (.number(n.value, isDuration: n.isDuration), range(t))
    }

    mutating func parseDurationPrimary() throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        let t = try peek()
        switch t.kind {
        case .number, .duration:
            return try durationLiteral(t)
        case .step, .range:
            _ = advance()
            _ = try expect(.leftParen)
            _ = try expect(.rightParen)
            try requireDurationExpressions(t.pos)
            return (t.kind == .step ? .step : .range, nil)
        case .minOf, .maxOf:
            _ = advance()
            _ = try expect(.leftParen)
            let (a, _) = try parseDurationExpr(0)
            _ = try expect(.comma)
            let (b, _) = try parseDurationExpr(0)
            _ = try expect(.rightParen)
            try requireDurationExpressions(t.pos)
            return (t.kind == .minOf ? .minOf(a, b) : .maxOf(a, b), nil)
        case .leftParen:
            _ = advance()
            let (inner, _) = try parseDurationExpr(0)
            _ = try expect(.rightParen)
            try requireDurationExpressions(t.pos)
            return (wrapParen(inner), nil)
        default:
            throw unexpected(t)
        }
    }

    func wrapParen(_ e: DurationExpr) -> DurationExpr {
        if case .paren = e { return e }
        return .paren(e)
    }

    /// The duration after `offset`: a signed literal, `step()`, `range()`, `min_of(..)`, `max_of(..)`
    /// or a parenthesised duration expression (only the last continues with arithmetic, as in
    /// Prometheus's grammar, so `x offset 5m * 2` is `(x offset 5m) * 2`). Returns the end offset.
    mutating func parseOffsetDuration() throws(PromQLParseError) -> (DurationExpr, Int) {
        let t = try peek()
        switch t.kind {
        case .add, .sub:
            _ = advance()
            let n = try peek()
            switch n.kind {
            case .number, .duration:
                _ = advance()
                let lit = try numberLiteral(n)
                let v = t.kind == .sub ? -lit.value : lit.value
                if durationOutOfRange(v) { throw error(range(t), "duration out of range") }
                return (.number(v, isDuration: lit.isDuration), n.end)
            case .step, .range, .minOf, .maxOf:
                let (inner, _) = try parseDurationPrimary()
                return (t.kind == .sub ? .negate(inner) : inner, tokens[index - 1].end)
            case .leftParen:
                let (inner, _) = try parseDurationPrimary()
                let wrapped = wrapParen(inner)
                return (t.kind == .sub ? .negate(wrapped) : wrapped, tokens[index - 1].end)
            default:
                // `unary_op duration_expr`: a sign applied to a whole duration expression.
                let (operand, r) = try parseDurationExpr(3)
                let (d, _) = try applyUnary(t, operand, r)
                return (d, tokens[index - 1].end)
            }
        case .number, .duration, .step, .range, .minOf, .maxOf:
            let (d, _) = try parseDurationPrimary()
            return (d, tokens[index - 1].end)
        case .leftParen:
            var (d, r) = try parseDurationPrimary()
            let (result, _) = try continueDurationExpr(lhs: &d, lhsRange: &r, 0)
            return (result, tokens[index - 1].end)
        default:
            throw unexpected(t)
        }
    }
}
