import MetricModel
import PromQL

/// A PromQL syntax tree as the JSON Prometheus's `/api/v1/parse_query` returns (its
/// `translateAST`): one object per node with a `"type"`, keys in Go's sorted map order.
///
/// Contract: selectors carry `name`, `matchers` (`{"name","type","value"}`), `offset` and `range`
/// in milliseconds, `timestamp` (ms or null) and `startOrEnd` (`"start"`, `"end"` or null);
/// number values are strings in Go's `'f'` form; absent sub-nodes are `null`, absent lists `[]`.
enum ASTJSON {
    static func write(_ expr: Expr, _ json: inout JSONWriter) {
        switch expr {
        case let .aggregate(a):
            json.raw("{\"expr\":"); write(a.expr, &json)
            json.raw(",\"grouping\":"); json.stringArray(a.grouping)
            json.raw(",\"op\":"); json.string(a.op.rawValue)
            json.raw(",\"param\":"); if let p = a.param { write(p, &json) } else { json.raw("null") }
            json.raw(",\"type\":\"aggregation\",\"without\":"); json.bool(a.without)
            json.raw("}")
        case let .binary(b):
            json.raw("{\"bool\":"); json.bool(b.returnBool)
            json.raw(",\"lhs\":"); write(b.lhs, &json)
            json.raw(",\"matching\":")
            if let m = b.matching {
                json.raw("{\"card\":"); json.string(m.cardinality.rawValue)
                json.raw(",\"fillValues\":{\"lhs\":"); optionalNumber(m.fill.lhs, &json)
                json.raw(",\"rhs\":"); optionalNumber(m.fill.rhs, &json)
                json.raw("},\"include\":"); json.stringArray(m.include)
                json.raw(",\"labels\":"); json.stringArray(m.matchingLabels)
                json.raw(",\"on\":"); json.bool(m.on)
                json.raw("}")
            } else {
                json.raw("null")
            }
            json.raw(",\"op\":"); json.string(b.op.rawValue)
            json.raw(",\"rhs\":"); write(b.rhs, &json)
            json.raw(",\"type\":\"binaryExpr\"}")
        case let .call(c):
            json.raw("{\"args\":[")
            for (index, arg) in c.args.enumerated() {
                if index > 0 { json.raw(",") }
                write(arg, &json)
            }
            json.raw("],\"func\":{\"argTypes\":"); json.stringArray(c.function.argTypes.map(\.rawValue))
            json.raw(",\"name\":"); json.string(c.function.name)
            json.raw(",\"returnType\":"); json.string(c.function.returnType.rawValue)
            json.raw(",\"variadic\":"); json.raw(String(c.function.variadic))
            json.raw("},\"type\":\"call\"}")
        case let .matrixSelector(m):
            let vs = m.selector
            json.raw("{\"anchored\":"); json.bool(vs.anchored)
            json.raw(",\"matchers\":"); matchers(vs.matchers, &json)
            json.raw(",\"name\":"); json.string(vs.name ?? "")
            json.raw(",\"offset\":"); json.raw(String(vs.offset))
            json.raw(",\"offsetExpr\":"); duration(vs.offsetExpr, &json)
            json.raw(",\"range\":"); json.raw(String(m.range))
            json.raw(",\"rangeExpr\":"); duration(m.rangeExpr, &json)
            json.raw(",\"smoothed\":"); json.bool(vs.smoothed)
            at(vs.at, &json)
            json.raw(",\"type\":\"matrixSelector\"}")
        case let .subquery(s):
            json.raw("{\"expr\":"); write(s.expr, &json)
            json.raw(",\"offset\":"); json.raw(String(s.offset))
            json.raw(",\"offsetExpr\":"); duration(s.offsetExpr, &json)
            json.raw(",\"range\":"); json.raw(String(s.range))
            json.raw(",\"rangeExpr\":"); duration(s.rangeExpr, &json)
            startOrEnd(s.at, &json)
            json.raw(",\"step\":"); json.raw(String(s.step))
            json.raw(",\"stepExpr\":"); duration(s.stepExpr, &json)
            timestamp(s.at, &json)
            json.raw(",\"type\":\"subquery\"}")
        case let .number(n):
            json.raw("{\"type\":\"numberLiteral\",\"val\":"); json.string(PrometheusNumber.format(n.value)); json.raw("}")
        case let .paren(p):
            json.raw("{\"expr\":"); write(p.expr, &json); json.raw(",\"type\":\"parenExpr\"}")
        case let .string(s):
            json.raw("{\"type\":\"stringLiteral\",\"val\":"); json.string(s.value); json.raw("}")
        case let .unary(u):
            json.raw("{\"expr\":"); write(u.expr, &json)
            json.raw(",\"op\":"); json.string(u.op.rawValue)
            json.raw(",\"type\":\"unaryExpr\"}")
        case let .vectorSelector(vs):
            json.raw("{\"anchored\":"); json.bool(vs.anchored)
            json.raw(",\"matchers\":"); matchers(vs.matchers, &json)
            json.raw(",\"name\":"); json.string(vs.name ?? "")
            json.raw(",\"offset\":"); json.raw(String(vs.offset))
            json.raw(",\"offsetExpr\":"); duration(vs.offsetExpr, &json)
            json.raw(",\"smoothed\":"); json.bool(vs.smoothed)
            at(vs.at, &json)
            json.raw(",\"type\":\"vectorSelector\"}")
        }
    }

    /// `,"startOrEnd":..,"timestamp":..` (adjacent keys in the selectors' sorted order).
    static func at(_ at: AtModifier?, _ json: inout JSONWriter) {
        startOrEnd(at, &json)
        timestamp(at, &json)
    }

    static func startOrEnd(_ at: AtModifier?, _ json: inout JSONWriter) {
        json.raw(",\"startOrEnd\":")
        switch at {
        case .start?: json.raw("\"start\"")
        case .end?: json.raw("\"end\"")
        default: json.raw("null")
        }
    }

    static func timestamp(_ at: AtModifier?, _ json: inout JSONWriter) {
        json.raw(",\"timestamp\":")
        if case let .timestamp(ms)? = at { json.raw(String(ms)) } else { json.raw("null") }
    }

    static func matchers(_ matchers: [LabelMatcher], _ json: inout JSONWriter) {
        json.raw("[")
        for (index, m) in matchers.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"name\":"); json.string(m.name)
            json.raw(",\"type\":"); json.string(m.kind.rawValue)
            json.raw(",\"value\":"); json.string(m.value)
            json.raw("}")
        }
        json.raw("]")
    }

    static func optionalNumber(_ value: Double?, _ json: inout JSONWriter) {
        guard let value, value.isFinite else { json.raw("null"); return }
        json.raw(PrometheusNumber.format(value))
    }

    /// Duration expressions as `{"lhs","op","rhs","type":"durationExpr","wrapped"}` nodes with
    /// number literals `{"duration","type":"numberLiteral","val"}`.
    static func duration(_ expr: DurationExpr?, _ json: inout JSONWriter, wrapped: Bool = false) {
        guard let expr else { json.raw("null"); return }
        func node(_ op: String, _ lhs: DurationExpr?, _ rhs: DurationExpr?, _ json: inout JSONWriter) {
            json.raw("{\"lhs\":"); duration(lhs, &json)
            json.raw(",\"op\":"); json.string(op)
            json.raw(",\"rhs\":"); duration(rhs, &json)
            json.raw(",\"type\":\"durationExpr\",\"wrapped\":"); json.bool(wrapped)
            json.raw("}")
        }
        switch expr {
        case let .number(value, isDuration):
            json.raw("{\"duration\":"); json.bool(isDuration)
            json.raw(",\"type\":\"numberLiteral\",\"val\":"); json.string(PrometheusNumber.format(value))
            json.raw("}")
        case .step: node("step", nil, nil, &json)
        case .range: node("range", nil, nil, &json)
        case let .minOf(a, b): node("min_of", a, b, &json)
        case let .maxOf(a, b): node("max_of", a, b, &json)
        case let .negate(e): node("-", nil, e, &json)
        case let .binary(op, a, b): node(op.rawValue, a, b, &json)
        case let .paren(e): duration(e, &json, wrapped: true)
        }
    }
}
