import MetricModel

/// Prometheus's `checkAST`: type checks a parsed tree and reports the first error. Also applies the
/// rewrites Prometheus makes there (vector matching is dropped unless both sides are vectors).
struct Checker {
    let parser: Parser

    func error(_ range: SourceRange, _ message: String) -> PromQLParseError {
        parser.error(range, message)
    }

    /// Prometheus's operator range: from the first non-space after the left side to the last
    /// non-space before the right side (the end being one short, as upstream computes it).
    func operatorRange(_ b: BinaryExpr) -> SourceRange {
        let bytes = parser.bytes
        var start = b.lhs.position.end
        while start < bytes.count, isSpace(Int32(bytes[start])) { start += 1 }
        var end = b.rhs.position.start - 1
        while end > 0, end < bytes.count, isSpace(Int32(bytes[end])) { end -= 1 }
        return SourceRange(start: start, end: end)
    }

    mutating func expectType(_ e: Expr, _ want: ValueType, _ context: String) throws(PromQLParseError) -> Expr {
        let (checked, t) = try check(e)
        if t != want {
            throw error(e.position, "expected type \(want.documentedName) in \(context), got \(t.documentedName)")
        }
        return checked
    }

    mutating func check(_ expr: Expr, bypassEmptyMatcherCheck: Bool = false) throws(PromQLParseError) -> (Expr, ValueType) {
        switch expr {
        case .number, .string:
            return (expr, expr.type)

        case var .aggregate(a):
            a.expr = try expectType(a.expr, .vector, "aggregation expression")
            if let p = a.param {
                switch a.op {
                case .topk, .bottomk, .quantile, .limitk, .limitRatio:
                    a.param = try expectType(p, .scalar, "aggregation parameter")
                case .countValues:
                    a.param = try expectType(p, .string, "aggregation parameter")
                default: break
                }
            }
            return (.aggregate(a), .vector)

        case var .binary(b):
            let (l, lt) = try check(b.lhs)
            let (r, rt) = try check(b.rhs)
            b.lhs = l
            b.rhs = r
            if b.returnBool && !b.op.isComparison {
                throw error(operatorRange(b), "bool modifier can only be used on comparison operators")
            }
            if b.op.isComparison && !b.returnBool && rt == .scalar && lt == .scalar {
                throw error(operatorRange(b), "comparisons between scalars must use BOOL modifier")
            }
            if var m = b.matching {
                if b.op.isSetOperator && m.cardinality == .oneToOne { m.cardinality = .manyToMany }
                if m.on {
                    for l1 in m.matchingLabels where m.include.contains(l1) {
                        throw error(operatorRange(b), "label \(goQuote(l1)) must not occur in ON and GROUP clause at once")
                    }
                }
                b.matching = m
            }
            if lt != .scalar && lt != .vector {
                throw error(b.lhs.position, "binary expression must contain only scalar and instant vector types")
            }
            if rt != .scalar && rt != .vector {
                throw error(b.rhs.position, "binary expression must contain only scalar and instant vector types")
            }
            if let m = b.matching {
                if lt != .vector || rt != .vector {
                    if !m.matchingLabels.isEmpty {
                        throw error(b.position, "vector matching only allowed between instant vectors")
                    }
                    if !m.fill.isEmpty {
                        throw error(b.position, "filling in missing series only allowed between instant vectors")
                    }
                    b.matching = nil
                } else if b.op.isSetOperator {
                    if m.cardinality == .oneToMany || m.cardinality == .manyToOne {
                        throw error(b.position, "no grouping allowed for \(goQuote(b.op.rawValue)) operation")
                    }
                    if m.cardinality != .manyToMany {
                        throw error(b.position, "set operations must always be many-to-many")
                    }
                    if !m.fill.isEmpty {
                        throw error(b.position, "filling in missing series not allowed for set operators")
                    }
                }
            }
            if (lt == .scalar || rt == .scalar) && b.op.isSetOperator {
                throw error(b.position, "set operator \(goQuote(b.op.rawValue)) not allowed in binary scalar expression")
            }
            return (.binary(b), lt == .scalar && rt == .scalar ? .scalar : .vector)

        case var .call(c):
            let f = c.function
            let nargs = f.argTypes.count
            if f.variadic == 0 {
                if nargs != c.args.count {
                    throw error(c.position, "expected \(nargs) argument(s) in call to \(goQuote(f.name)), got \(c.args.count)")
                }
            } else {
                let na = nargs - 1
                if na > c.args.count {
                    throw error(c.position, "expected at least \(na) argument(s) in call to \(goQuote(f.name)), got \(c.args.count)")
                } else if f.variadic > 0, na + f.variadic < c.args.count {
                    throw error(c.position, "expected at most \(na + f.variadic) argument(s) in call to \(goQuote(f.name)), got \(c.args.count)")
                }
            }
            var infoBypass = false
            if f.name == "info" && c.args.count > 1 {
                let second = c.args[1]
                if second.type != .vector {
                    throw error(c.position, "expected type instant vector in call to function \"info\", got \(second.type.documentedName)")
                }
                if case let .vectorSelector(vs) = second {
                    if vs.name != nil {
                        throw error(second.position, "expected label selectors only, got vector selector instead")
                    }
                    infoBypass = true
                } else {
                    throw error(second.position, "expected label selectors only")
                }
            }
            for (i, arg) in c.args.enumerated() {
                var k = i
                if k >= nargs {
                    if f.variadic == 0 { break }
                    k = nargs - 1
                }
                let (checked, t) = try check(arg, bypassEmptyMatcherCheck: infoBypass && i == 1)
                if t != f.argTypes[k] {
                    throw error(arg.position, "expected type \(f.argTypes[k].documentedName) in call to function \(goQuote(f.name)), got \(t.documentedName)")
                }
                c.args[i] = checked
            }
            return (.call(c), f.returnType)

        case var .paren(p):
            let (inner, t) = try check(p.expr)
            p.expr = inner
            return (.paren(p), t)

        case var .unary(u):
            let (inner, t) = try check(u.expr)
            if t != .scalar && t != .vector {
                throw error(u.position, "unary expression only allowed on expressions of type scalar or instant vector, got \(goQuote(t.documentedName))")
            }
            u.expr = inner
            return (.unary(u), t)

        case var .subquery(s):
            let (inner, t) = try check(s.expr)
            if t != .vector {
                throw error(s.position, "subquery is only allowed on instant vector, got \(t.rawValue) instead")
            }
            s.expr = inner
            return (.subquery(s), .matrix)

        case let .matrixSelector(m):
            _ = try check(.vectorSelector(m.selector))
            return (expr, .matrix)

        case let .vectorSelector(vs):
            if let name = vs.name {
                for m in vs.matchers.dropLast() where m.name == Labels.metricName {
                    throw error(vs.position, "metric name must not be set twice: \(goQuote(name)) or \(goQuote(m.value))")
                }
            } else if !bypassEmptyMatcherCheck {
                if !vs.matchers.contains(where: { !$0.matches("") }) {
                    throw error(vs.position, "vector selector must contain at least one non-empty matcher")
                }
            }
            return (expr, .vector)
        }
    }
}
