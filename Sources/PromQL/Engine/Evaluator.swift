import MetricModel
import Storage

/// Evaluates a planned expression one step at a time.
///
/// Contract: instant selectors read each series' newest sample in `(t - offset - lookback,
/// t - offset]` (left-open, Prometheus 3) and skip series whose newest sample is a staleness
/// marker; range selectors read `(t - offset - range, t - offset]` without staleness markers;
/// `@` pins the time before the offset applies. Series are read lazily through `SeriesCursor`s,
/// so only the current window of each series is held. Evaluation checks the deadline,
/// cancellation and the sample limit as it goes and throws the matching `QueryError`.
final class Evaluator {
    let queryable: any Queryable
    let start: Timestamp
    let end: Timestamp
    let step: Int64
    let lookbackDelta: Int64
    let limits: EvaluationLimits
    /// True for range queries: outputs are then checked for duplicate label sets at every step,
    /// as Prometheus does when it assembles series from steps.
    var checkDuplicatesPerStep: Bool { start != end }
    var warnings: [String] = []
    var infos: [String] = []
    /// Samples held by the current step (selector output and intermediate results).
    var stepSamples = 0
    /// Samples held by the result assembled so far (range queries), for `peakSamples`.
    var resultSamples = 0
    /// Sample counts and preparation time for `QueryStats`.
    var totalSamples: Int64 = 0
    var samplesRead: Int64 = 0
    var peakSamples = 0
    var preparation: Duration = .zero
    /// Aggregates evaluated for all steps at once, by their selector (see `SteppedAggregate`).
    var stepped: [ObjectIdentifier: SteppedAggregateState] = [:]
    /// How many subqueries the current evaluation is inside; their inner steps are not the query's.
    var subqueryDepth = 0
    /// Whether aggregates and selectors may be evaluated for all steps at once.
    var wholeQueryPaths = true

    init(queryable: any Queryable, start: Timestamp, end: Timestamp, step: Int64, lookbackDelta: Int64,
         limits: EvaluationLimits) {
        self.queryable = queryable
        self.start = start
        self.end = end
        self.step = step
        self.lookbackDelta = lookbackDelta
        self.limits = limits
    }

    func warn(_ text: String) {
        let full = "PromQL warning: " + text
        if !warnings.contains(full) { warnings.append(full) }
    }

    func info(_ text: String) {
        let full = "PromQL info: " + text
        if !infos.contains(full) { infos.append(full) }
    }

    /// Adds `count` samples to the current step's total and fails when it passes the limit.
    func account(_ count: Int, held: Int = 0) throws(QueryError) {
        stepSamples += count
        peakSamples = max(peakSamples, stepSamples + held + resultSamples)
        if stepSamples + held > limits.maxSamples {
            throw .execution("query processing would load too many samples into memory in query execution")
        }
    }

    // MARK: evaluation

    func eval(_ node: Node, at t: Timestamp) throws(QueryError) -> EvalValue {
        try limits.check()
        switch node {
        case let .number(v): return .scalar(v)
        case let .string(s): return .string(s)
        case let .selector(selector): return .vector(try selectInstant(selector, at: t))
        case let .matrix(selector):
            let series = try selectRange(selector, at: t)
            guard selector.anchored || selector.smoothed else { return .matrix(series) }
            let base = (selector.at ?? t) - selector.offset
            return .matrix(series.compactMap { ExtendedRange.extend($0, from: base - selector.range, to: base, smoothed: selector.smoothed) })
        case let .subquery(subquery): return .matrix(try evalSubquery(subquery, at: t))
        case let .negate(inner):
            switch try eval(inner, at: t) {
            case let .scalar(v): return .scalar(-v)
            case let .vector(elements):
                return .vector(elements.map { Element(labels: $0.labels, value: -$0.value, timestamp: $0.timestamp, dropName: true) })
            case let other: return other
            }
        case let .binary(expr, lhs, rhs):
            return try evalBinary(expr, lhs, rhs, at: t)
        case let .aggregate(expr, param, inner):
            if let whole = try steppedAggregate(expr, param: param, inner, at: t) { return .vector(whole) }
            return .vector(try evalAggregate(expr, param: param, inner, at: t))
        case let .call(call, args):
            return try evalCall(call, args, at: t)
        }
    }

    // MARK: selectors

    func cursors(_ selector: SelectorNode) throws(QueryError) -> [SeriesCursor] {
        if let loaded = selector.cursors { return loaded }
        let result = try loadSeries(selector).map(SeriesCursor.init)
        selector.cursors = result
        return result
    }

    /// The selector's series from storage, sorted by labels (counted as preparation time).
    func loadSeries(_ selector: SelectorNode) throws(QueryError) -> [any Series] {
        let set = try openSeries(selector)
        let started = ContinuousClock.now
        defer { preparation += ContinuousClock.now - started }
        var result: [any Series] = []
        while let series = try nextSeries(from: set) {
            result.append(series)
            if result.count % 1024 == 0 { try limits.check() }
        }
        return result
    }

    /// A selection of the selector's series, sorted by labels, to be read one at a time with
    /// `nextSeries(from:)` (the selection itself counts as preparation time).
    func openSeries(_ selector: SelectorNode) throws(QueryError) -> any SeriesSet {
        let started = ContinuousClock.now
        defer { preparation += ContinuousClock.now - started }
        do {
            let querier = try queryable.querier(mint: selector.mint, maxt: selector.maxt)
            return try querier.select(sorted: true, hints: SelectHints(start: selector.mint, end: selector.maxt),
                                      matchers: selector.matchers)
        } catch let error as QueryError {
            throw error
        } catch {
            throw .execution("expanding series: \(error)")
        }
    }

    /// The next series of a selection, with storage errors reported as Prometheus does.
    func nextSeries(from set: any SeriesSet) throws(QueryError) -> (any Series)? {
        do {
            return try set.next()
        } catch let error as QueryError {
            throw error
        } catch {
            throw .execution("expanding series: \(error)")
        }
    }

    func selectInstant(_ selector: SelectorNode, at t: Timestamp) throws(QueryError) -> [Element] {
        let readAt = (selector.at ?? t) - selector.offset
        var out: [Element] = []
        if selector.smoothed {
            for cursor in try cursors(selector) {
                let (times, values) = cursor.window(after: readAt - lookbackDelta, through: readAt + lookbackDelta)
                if let v = ExtendedRange.smoothedValue(times, values, at: readAt) {
                    out.append(Element(labels: cursor.labels, value: v, timestamp: t, dropName: false))
                }
            }
            totalSamples += Int64(out.count)
            samplesRead += Int64(out.count)
            try account(out.count)
            return out
        }
        for cursor in try cursors(selector) {
            let (times, values) = cursor.window(after: readAt - lookbackDelta, through: readAt)
            guard let v = values.last, !v.isStaleMarker else { continue }
            out.append(Element(labels: cursor.labels, value: v, timestamp: times.last!, dropName: false))
        }
        totalSamples += Int64(out.count)
        samplesRead += Int64(out.count)
        try account(out.count)
        return out
    }

    func selectRange(_ selector: SelectorNode, at t: Timestamp) throws(QueryError) -> [RangeSeries] {
        let readAt = (selector.at ?? t) - selector.offset
        var out: [RangeSeries] = []
        var count = 0
        var low = readAt - selector.range, high = readAt
        if selector.anchored || selector.smoothed { low -= lookbackDelta }
        if selector.smoothed { high += lookbackDelta }
        // Storage reads of a range query's later outer steps: only what the previous window lacked.
        let readSince: Timestamp? = step > 0 && t > start && subqueryDepth == 0 ? high - step : nil
        var read = 0
        for cursor in try cursors(selector) {
            var (times, values) = cursor.window(after: low, through: high)
            if values.contains(where: \.isStaleMarker) {
                var keptT: [Timestamp] = [], keptV: [Double] = []
                for (time, value) in zip(times, values) where !value.isStaleMarker {
                    keptT.append(time)
                    keptV.append(value)
                }
                times = keptT[...]
                values = keptV[...]
            }
            guard !times.isEmpty else { continue }
            count += times.count
            if let readSince {
                var index = times.endIndex
                while index > times.startIndex, times[index - 1] > readSince { index -= 1 }
                read += times.endIndex - index
            } else {
                read += times.count
            }
            out.append(RangeSeries(labels: cursor.labels, timestamps: times, values: values, dropName: false))
        }
        totalSamples += Int64(count)
        samplesRead += Int64(read)
        try account(count)
        return out
    }

    /// The subquery's range vector at `t`: the inner expression at every multiple of the step in
    /// `(t - offset - range, t - offset]`.
    func evalSubquery(_ subquery: SubqueryNode, at t: Timestamp) throws(QueryError) -> [RangeSeries] {
        let high = (subquery.at ?? t) - subquery.offset
        let low = high - subquery.range
        var first = subquery.step * (low / subquery.step)
        if first <= low { first += subquery.step }
        // Forget inner values older than this window: later steps only move forward.
        while let oldest = subquery.memoOrder.first, oldest <= low {
            subquery.memo[oldest] = nil
            subquery.memoOrder.removeFirst()
        }
        var index: [Labels: Int] = [:]
        var series: [(labels: Labels, times: [Timestamp], values: [Double], dropName: Bool)] = []
        var innerTime = first
        var count = 0
        // Each inner step holds its own samples plus the points collected so far, as in Prometheus.
        let held = stepSamples
        subqueryDepth += 1
        defer { subqueryDepth -= 1 }
        while innerTime <= high {
            let value: EvalValue
            if let cached = subquery.memo[innerTime] {
                value = cached
            } else {
                stepSamples = held + count
                subqueryDepth += 1
                defer { subqueryDepth -= 1 }
                value = try eval(subquery.inner, at: innerTime)
                if subquery.memoOrder.last.map({ $0 < innerTime }) ?? true {
                    subquery.memo[innerTime] = value
                    subquery.memoOrder.append(innerTime)
                }
            }
            let elements: [Element]
            switch value {
            case let .scalar(v): elements = [Element(labels: .empty, value: v, timestamp: innerTime, dropName: false)]
            case let .vector(v): elements = v
            default: elements = []
            }
            for e in elements {
                if let i = index[e.labels] {
                    series[i].times.append(innerTime)
                    series[i].values.append(e.value)
                    if e.dropName { series[i].dropName = true }
                } else {
                    index[e.labels] = series.count
                    series.append((e.labels, [innerTime], [e.value], e.dropName))
                }
            }
            count += elements.count
            innerTime += subquery.step
        }
        stepSamples = held
        try account(count)
        return series.sorted { $0.labels < $1.labels }.map { s in
            RangeSeries(labels: s.labels, timestamps: s.times[...], values: s.values[...], dropName: s.dropName)
        }
    }

    /// Fails with Prometheus's message when two elements share a label set.
    func checkUnique(_ elements: [Element]) throws(QueryError) {
        guard elements.count > 1 else { return }
        var seen = Set<Labels>(minimumCapacity: elements.count)
        for e in elements where !seen.insert(e.labels).inserted {
            throw .execution("vector cannot contain metrics with the same labelset")
        }
    }
}

/// The deadline, cancellation and sample limit of one query.
struct EvaluationLimits {
    var deadline: ContinuousClock.Instant?
    var maxSamples: Int

    func check() throws(QueryError) {
        if Task.isCancelled { throw .canceled("query was canceled in expression evaluation") }
        if let deadline, ContinuousClock.now > deadline {
            throw .timeout("query timed out in expression evaluation")
        }
    }
}
