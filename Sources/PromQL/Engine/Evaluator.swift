import MetricModel
import Storage

/// Walks an expression tree and computes its value at one instant.
///
/// Contract: selectors read `(t - offset - lookbackDelta, t - offset]` (left-open, as in
/// Prometheus 3) and take each series' newest sample there, skipping series whose newest sample
/// is a staleness marker. Expression kinds not yet evaluated throw `QueryError.execution` naming
/// the kind, never a wrong answer.
struct Evaluator {
    let queryable: any Queryable
    let start: Timestamp
    let end: Timestamp
    let step: Int64
    let lookbackDelta: Int64

    mutating func evaluateInstant(_ expr: Expr, at time: Timestamp) throws(QueryError) -> QueryValue {
        switch expr {
        case let .number(literal):
            return .scalar(time, literal.value)
        case let .string(literal):
            return .string(time, literal.value)
        case let .paren(paren):
            return try evaluateInstant(paren.expr, at: time)
        case let .vectorSelector(selector):
            return .vector(try selectInstant(selector, at: time))
        case let .unary(unary):
            let value = try evaluateInstant(unary.expr, at: time)
            guard unary.op == .minus else { return value }
            switch value {
            case let .scalar(t, v): return .scalar(t, -v)
            case let .vector(elements):
                return .vector(elements.map { VectorElement(labels: $0.labels.withoutMetricName, timestamp: $0.timestamp, value: -$0.value) })
            default: return value
            }
        case .matrixSelector:
            throw .execution("range vector selectors are only supported inside functions, which Ember does not evaluate yet")
        case .subquery:
            throw .execution("subqueries are not evaluated by Ember yet")
        case .binary:
            throw .execution("binary expressions are not evaluated by Ember yet")
        case .aggregate:
            throw .execution("aggregations are not evaluated by Ember yet")
        case let .call(call):
            throw .execution("function \"\(call.function.name)\" is not evaluated by Ember yet")
        }
    }

    /// The time a selector reads at, after `@` and `offset`.
    func readTime(_ selector: VectorSelector, at time: Timestamp) -> Timestamp {
        var base = time
        switch selector.at {
        case let .timestamp(t)?: base = t
        case .start?: base = start
        case .end?: base = end
        case nil: break
        }
        return base - selector.offset
    }

    func selectInstant(_ selector: VectorSelector, at time: Timestamp) throws(QueryError) -> [VectorElement] {
        let readAt = readTime(selector, at: time)
        let mint = readAt - lookbackDelta + 1
        var result: [VectorElement] = []
        do {
            let querier = try queryable.querier(mint: mint, maxt: readAt)
            let set = try querier.select(sorted: true, hints: SelectHints(start: mint, end: readAt),
                                         matchers: selector.matchers)
            while let series = try set.next() {
                let iterator = series.makeIterator()
                guard iterator.seek(mint) else { continue }
                var lastT = iterator.timestamp, lastV = iterator.value
                guard lastT <= readAt else { continue }
                while iterator.next(), iterator.timestamp <= readAt {
                    lastT = iterator.timestamp
                    lastV = iterator.value
                }
                if lastV.isStaleMarker { continue }
                result.append(VectorElement(labels: series.labels, timestamp: time, value: lastV))
            }
        } catch let error as QueryError {
            throw error
        } catch {
            throw .execution("reading series: \(error)")
        }
        return result
    }
}
