import MetricModel
import Storage

/// Server-wide query settings, from the command line.
public struct EngineOptions: Sendable {
    /// `--query.lookback-delta`, milliseconds.
    public var lookbackDelta: Int64 = 5 * 60_000
    /// `--query.timeout`, milliseconds.
    public var timeout: Int64 = 2 * 60_000
    /// `--query.max-samples`.
    public var maxSamples = 50_000_000
    /// `--query.max-concurrency`.
    public var maxConcurrency = 20
    /// The step of subqueries written without one (`x[5m:]`): Prometheus's global evaluation
    /// interval, milliseconds.
    public var defaultSubqueryStep: Int64 = 60_000

    public init(lookbackDelta: Int64 = 5 * 60_000, timeout: Int64 = 2 * 60_000,
                maxSamples: Int = 50_000_000, maxConcurrency: Int = 20, defaultSubqueryStep: Int64 = 60_000) {
        self.defaultSubqueryStep = defaultSubqueryStep
        self.lookbackDelta = lookbackDelta
        self.timeout = timeout
        self.maxSamples = maxSamples
        self.maxConcurrency = maxConcurrency
    }
}

/// Per-request overrides (the API's `timeout` and `lookback_delta` parameters).
public struct QueryOptions: Sendable {
    public var timeout: Int64?
    public var lookbackDelta: Int64?
    public init(timeout: Int64? = nil, lookbackDelta: Int64? = nil) {
        self.timeout = timeout
        self.lookbackDelta = lookbackDelta
    }
}

/// Parses and evaluates PromQL over a `Queryable`.
///
/// Contract: a query that does not parse fails with `QueryError.badData` carrying the parser's
/// positioned message; evaluation failures are `QueryError.execution`. Instant vectors come back
/// with the evaluation time as their timestamp, as in Prometheus.
public final class Engine: Sendable {
    public let queryable: any Queryable
    public let options: EngineOptions

    let gate: ConcurrencyGate
    /// Whether whole-query paths (`SteppedAggregate`, `selectorMatrix`) may answer; tests turn
    /// them off to get the step-by-step answer to compare with.
    let wholeQueryPaths: Bool

    public convenience init(queryable: any Queryable, options: EngineOptions = EngineOptions()) {
        self.init(queryable: queryable, options: options, wholeQueryPaths: true)
    }

    init(queryable: any Queryable, options: EngineOptions = EngineOptions(), wholeQueryPaths: Bool) {
        self.queryable = queryable
        self.options = options
        self.gate = ConcurrencyGate(limit: options.maxConcurrency)
        self.wholeQueryPaths = wholeQueryPaths
    }

    /// Queries admitted and not yet finished (waiting ones excluded); a cancelled query leaves
    /// this count as soon as its evaluation notices the cancellation.
    public var runningQueries: Int { gate.activeCount }

    /// Evaluates `text` at one instant.
    public func instantQuery(_ text: String, at time: Timestamp, options overrides: QueryOptions = QueryOptions())
        async throws(QueryError) -> QueryValue {
        try await execute(text, start: time, end: time, step: 0, options: overrides).value
    }

    /// Evaluates `text` at `start, start+step, ...` up to `end`, returning a matrix sorted by labels.
    public func rangeQuery(_ text: String, start: Timestamp, end: Timestamp, step: Int64,
                           options overrides: QueryOptions = QueryOptions()) async throws(QueryError) -> QueryValue {
        guard step > 0 else {
            throw .badData("zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        guard end >= start else { throw .badData("end timestamp must not be before start time") }
        return try await execute(text, start: start, end: end, step: step, options: overrides).value
    }

    /// Evaluates `text` as an instant query (`step == 0`, at `start`) or a range query, returning the
    /// value with the warning and info annotations Prometheus would attach.
    public func execute(_ text: String, start: Timestamp, end: Timestamp, step: Int64,
                        options overrides: QueryOptions = QueryOptions()) async throws(QueryError) -> QueryResult {
        let expr: Expr
        do {
            expr = try parsePromQL(text)
        } catch {
            throw .badData(error.description)
        }
        if step > 0, expr.type != .vector, expr.type != .scalar {
            throw .badData("invalid expression type \"\(expr.type.documentedName)\" for range query, must be Scalar or instant Vector")
        }
        let clock = ContinuousClock()
        let execStart = clock.now
        let timeout = overrides.timeout ?? options.timeout
        let deadline = execStart + .milliseconds(timeout)
        try await gate.enter(deadline: deadline)
        defer { gate.leave() }
        let evalStart = clock.now
        let limits = EvaluationLimits(deadline: deadline, maxSamples: options.maxSamples)
        try limits.check()
        let lookback = overrides.lookbackDelta ?? options.lookbackDelta
        let evaluator = Evaluator(queryable: queryable, start: start, end: end, step: step,
                                  lookbackDelta: lookback, limits: limits)
        evaluator.wholeQueryPaths = wholeQueryPaths
        let planner = Planner(start: start, end: end, step: step, lookback: lookback,
                              defaultSubqueryStep: options.defaultSubqueryStep)
        let plan = planner.plan(expr, start, end)
        let innerStart = clock.now
        var sorting: Duration = .zero
        let value: QueryValue
        if step == 0 {
            value = try evaluateInstant(plan, evaluator, at: start, sorting: &sorting)
        } else {
            value = try await evaluateRange(plan, evaluator, start: start, end: end, step: step, sorting: &sorting)
        }
        let done = clock.now
        var stats = QueryStats()
        stats.execTotal = (done - execStart).seconds
        stats.execQueue = (evalStart - execStart).seconds
        stats.evalTotal = (done - evalStart).seconds
        stats.resultSort = sorting.seconds
        stats.queryPreparation = evaluator.preparation.seconds
        stats.innerEval = max(.zero, done - innerStart - sorting - evaluator.preparation).seconds
        stats.totalQueryableSamples = evaluator.totalSamples
        stats.samplesRead = evaluator.samplesRead
        stats.peakSamples = evaluator.peakSamples
        return QueryResult(value: value, warnings: evaluator.warnings, infos: evaluator.infos, stats: stats)
    }

    func evaluateInstant(_ plan: Node, _ evaluator: Evaluator, at time: Timestamp,
                         sorting: inout Duration) throws(QueryError) -> QueryValue {
        switch try evaluator.eval(plan, at: time) {
        case let .scalar(v): return .scalar(time, v)
        case let .string(s): return .string(time, s)
        case let .vector(elements):
            let out = elements.map { VectorElement(labels: $0.dropName ? $0.labels.droppingMetricName : $0.labels,
                                                   timestamp: time, value: $0.value) }
            var seen = Set<Labels>(minimumCapacity: out.count)
            for e in out where !seen.insert(e.labels).inserted {
                throw .execution("vector cannot contain metrics with the same labelset")
            }
            return .vector(out)
        case let .matrix(series):
            var merged: [Labels: MatrixSeries] = [:]
            for s in series {
                let labels = s.dropName ? s.labels.droppingMetricName : s.labels
                if merged[labels] != nil { throw .execution("vector cannot contain metrics with the same labelset") }
                merged[labels] = MatrixSeries(labels: labels, timestamps: Array(s.timestamps), values: Array(s.values))
            }
            let sortStart = ContinuousClock.now
            defer { sorting = ContinuousClock.now - sortStart }
            return .matrix(merged.values.sorted { $0.labels < $1.labels })
        }
    }

    func evaluateRange(_ plan: Node, _ evaluator: Evaluator, start: Timestamp, end: Timestamp, step: Int64,
                       sorting: inout Duration) async throws(QueryError) -> QueryValue {
        if evaluator.wholeQueryPaths, case let .selector(selector) = plan, !selector.smoothed {
            let series = try evaluator.selectorMatrix(selector)
            let sortStart = ContinuousClock.now
            defer { sorting = ContinuousClock.now - sortStart }
            // Selections come sorted by labels; sorting a sorted list only compares neighbours.
            return .matrix(series.sorted { $0.labels < $1.labels })
        }
        var index: [Labels: Int] = [:]
        var series: [MatrixSeries] = []
        // The series each position of the previous step's output went to: a step usually lists the
        // same series in the same order, and comparing with that series' labels (often the very same
        // storage) is much cheaper than hashing the label set.
        var previousSeries: [Int] = []
        var currentSeries: [Int] = []
        var held = 0
        var t = start
        var steps = 0
        while t <= end {
            // Long queries give other tasks (the HTTP server, scrapes) a turn now and then.
            steps += 1
            if steps % 64 == 0 { await Task.yield() }
            evaluator.stepSamples = 0
            evaluator.resultSamples = held
            let elements: [Element]
            switch try evaluator.eval(plan, at: t) {
            case let .scalar(v): elements = [Element(labels: .empty, value: v, timestamp: t, dropName: false)]
            case let .vector(v): elements = v
            default: elements = []
            }
            currentSeries.removeAll(keepingCapacity: true)
            for (position, e) in elements.enumerated() {
                let labels = e.dropName ? e.labels.droppingMetricName : e.labels
                let guess = position < previousSeries.count ? previousSeries[position] : -1
                if let i = guess >= 0 && series[guess].labels == labels ? guess : index[labels] {
                    currentSeries.append(i)
                    // A second value for one series at one step means two outputs share a label set.
                    if series[i].timestamps.last == t {
                        throw .execution("vector cannot contain metrics with the same labelset")
                    }
                    series[i].timestamps.append(t)
                    series[i].values.append(e.value)
                } else {
                    currentSeries.append(series.count)
                    index[labels] = series.count
                    series.append(MatrixSeries(labels: labels, timestamps: [t], values: [e.value]))
                }
            }
            swap(&previousSeries, &currentSeries)
            held += elements.count
            if held > evaluator.limits.maxSamples {
                throw .execution("query processing would load too many samples into memory in query execution")
            }
            evaluator.peakSamples = max(evaluator.peakSamples, held)
            t += step
        }
        let sortStart = ContinuousClock.now
        defer { sorting = ContinuousClock.now - sortStart }
        return .matrix(series.sorted { $0.labels < $1.labels })
    }
}

/// A query's value with the annotations Prometheus attaches to it.
///
/// Contract: `warnings` and `infos` hold each distinct annotation once, in Prometheus's wording
/// (`PromQL warning: ...`, `PromQL info: ...`); `stats` is what producing it cost.
public struct QueryResult: Sendable, Equatable {
    public var value: QueryValue
    public var warnings: [String]
    public var infos: [String]
    public var stats: QueryStats

    public init(value: QueryValue, warnings: [String] = [], infos: [String] = [], stats: QueryStats = QueryStats()) {
        self.value = value
        self.warnings = warnings
        self.infos = infos
        self.stats = stats
    }
}
