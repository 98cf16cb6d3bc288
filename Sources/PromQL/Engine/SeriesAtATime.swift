import MetricModel
import Storage

/// An aggregation evaluated for every step of a query at once (the one step of an instant
/// query included), series by series, reading each series once and holding none of them.
///
/// Contract: for `op by/without (...) (selector)` and `op by/without (...) (f(selector[range]))`
/// with `op` one of `sum`, `avg`, `count`, `min`, `max`, `group`, `stddev`, `stdvar` and `f` a
/// range function of one argument, `outputs[i]` is exactly what step-at-a-time evaluation
/// returns at `start + i * step`: the same groups in the same order, the same floats (each group
/// folds its inputs in series order, as the step-at-a-time path does), the same `dropName`.
/// `samples[i]` is the number of samples step-at-a-time evaluation accounts at that step, so the
/// caller can replay the sample limit exactly. Each series' group is found once per query
/// instead of once per step, which is where step-at-a-time evaluation spends its time.
final class SteppedAggregate {
    let start: Timestamp
    let step: Int64
    let outputs: [[Element]]
    let samples: [Int]

    init(start: Timestamp, step: Int64, outputs: [[Element]], samples: [Int]) {
        self.start = start
        self.step = step
        self.outputs = outputs
        self.samples = samples
    }

    /// The step index of `t`, or nil when `t` is not one of the query's steps (inside a subquery).
    func stepIndex(_ t: Timestamp) -> Int? {
        guard step > 0 else { return t == start ? 0 : nil }
        guard t >= start, (t - start) % step == 0 else { return nil }
        let i = Int((t - start) / step)
        return i < outputs.count ? i : nil
    }
}

/// What the evaluator knows about one aggregate node: not yet tried, not eligible, or computed.
enum SteppedAggregateState {
    case ineligible
    case ready(SteppedAggregate)
}

extension Evaluator {
    /// Range functions of one range-vector argument whose value depends only on the window's
    /// samples, and that are cheap to call per series and step.
    static let steppedRangeFunctions: Set<String> = [
        "rate", "increase", "delta", "irate", "idelta", "count_over_time", "sum_over_time", "avg_over_time",
        "min_over_time", "max_over_time", "last_over_time", "first_over_time", "present_over_time", "changes",
        "resets", "stddev_over_time", "stdvar_over_time", "deriv",
    ]

    /// Largest steps × groups table built at once; beyond it step-at-a-time evaluation is used.
    static let steppedCellLimit = 1 << 20

    /// The aggregate's value at `t` from a whole-query evaluation, or nil when that does not
    /// apply (other shapes, subqueries, times off the step grid); the caller then evaluates
    /// step by step.
    func steppedAggregate(_ expr: AggregateExpr, param: Node?, _ inner: Node, at t: Timestamp)
        throws(QueryError) -> [Element]? {
        guard wholeQueryPaths, end >= start, param == nil, subqueryDepth == 0 else { return nil }
        let key: ObjectIdentifier
        switch inner {
        case let .selector(selector): key = ObjectIdentifier(selector)
        case let .call(_, args) where args.count == 1:
            guard case let .matrix(selector) = args[0] else { return nil }
            key = ObjectIdentifier(selector)
        default: return nil
        }
        let computed: SteppedAggregate
        switch stepped[key] {
        case .ineligible?: return nil
        case let .ready(value)?: computed = value
        case nil:
            guard let value = try computeSteppedAggregate(expr, inner) else {
                stepped[key] = .ineligible
                return nil
            }
            stepped[key] = .ready(value)
            computed = value
        }
        guard let i = computed.stepIndex(t) else { return nil }
        try account(computed.samples[i])
        return computed.outputs[i]
    }

    private func computeSteppedAggregate(_ expr: AggregateExpr, _ inner: Node) throws(QueryError) -> SteppedAggregate? {
        switch expr.op {
        case .sum, .avg, .count, .min, .max, .group, .stddev, .stdvar: break
        default: return nil
        }
        let selector: SelectorNode
        var function: String?
        switch inner {
        case let .selector(s):
            guard !s.smoothed else { return nil }
            selector = s
        case let .call(call, args):
            guard case let .matrix(s) = args[0], !s.anchored, !s.smoothed,
                  Self.steppedRangeFunctions.contains(call.function.name) else { return nil }
            selector = s
            function = call.function.name
        default: return nil
        }
        let steps = step > 0 ? Int((end - start) / step) + 1 : 1
        guard steps <= Self.steppedCellLimit else { return nil }
        // The series are read one at a time (from storage, or from cursors another path loaded)
        // into buffers reused for all of them; only the groups' cells outlive a series.
        let set: any SeriesSet = if let loaded = selector.cursors {
            ArraySeriesSet(loaded.map(\.series))
        } else {
            try openSeries(selector)
        }

        var groupIndex: [Labels: Int] = [:]
        var groupLabels: [Labels] = []
        // cells[group * steps + step], plain numbers; firstSeries (-1: no input yet) orders a
        // step's groups as step-at-a-time does.
        var cells: [Fold] = []
        var firstSeries: [Int] = []
        var samples = [Int](repeating: 0, count: steps)
        var totalSamples = 0
        var statsRead = 0, statsQueried = 0
        let sampleBudget = limits.maxSamples.multipliedReportingOverflow(by: steps)
        let keepsName = function == "last_over_time" || function == "first_over_time"
        let checksCounters = function == "rate" || function == "increase"
        // Metrics not named like counters, with the first (step, series) that yielded a value.
        var nonCounters: [String: (step: Int, series: Int)] = [:]
        let op = expr.op
        // Each step reads (readAt - width, readAt]; readAt never decreases from one step to the next.
        let width = function == nil ? lookbackDelta : selector.range
        var times: [Timestamp] = [], values: [Double] = []
        // For rate and increase: where the series' counter resets (see extrapolatedRate(resets:)).
        var resets: [Int] = []
        let readFrom = selector.mint == .min ? .min : selector.mint - 1
        // rate, increase and delta (most panels) skip building a RangeSeries per step.
        let extrapolation: (isCounter: Bool, isRate: Bool)? = switch function {
        case "rate": (true, true)
        case "increase": (true, false)
        case "delta": (false, false)
        default: nil
        }

        var i = -1
        while let one = try nextSeries(from: set) {
            i += 1
            if i % 256 == 0 { try limits.check() }
            let labels = one.labels
            // The series' group: a query that would need too large a table is left to
            // step-at-a-time evaluation.
            let key = Self.groupLabels(labels, expr.grouping, without: expr.without)
            let g: Int
            if let known = groupIndex[key] {
                g = known
            } else {
                g = groupLabels.count
                guard (g + 1) * steps <= Self.steppedCellLimit else { return nil }
                groupIndex[key] = g
                groupLabels.append(key)
                cells.append(contentsOf: repeatElement(Fold(op, first: 0, dropName: false), count: steps))
                firstSeries.append(contentsOf: repeatElement(-1, count: steps))
            }
            times.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            one.appendSamples(after: readFrom, through: selector.maxt, timestamps: &times, values: &values)
            guard let function else {
                let outputs = Self.foldSelectorSteps(
                    times: times, values: values, start: start, step: step, steps: steps, at: selector.at,
                    offset: selector.offset, lookback: width, op: op, series: i, group: g,
                    cells: &cells, firstSeries: &firstSeries, samples: &samples)
                statsQueried += outputs
                statsRead += outputs
                continue
            }
            // Range functions never see staleness markers (instant selectors need them to skip a series).
            if values.contains(where: \.isStaleMarker) {
                var kept = 0
                for k in values.indices where !values[k].isStaleMarker {
                    times[kept] = times[k]
                    values[kept] = values[k]
                    kept += 1
                }
                times.removeLast(times.count - kept)
                values.removeLast(values.count - kept)
            }
            resets.removeAll(keepingCapacity: true)
            if extrapolation?.isCounter == true {
                for k in values.indices.dropFirst() where values[k] < values[k - 1] { resets.append(k) }
            }
            var resetLow = 0, resetHigh = 0
            var low = 0, high = 0
            var t = start
            var firstOutputStep = -1
            for s in 0..<steps {
                defer { t += step }
                let readAt = (selector.at ?? t) - selector.offset
                while high < times.count, times[high] <= readAt { high += 1 }
                while low < high, times[low] <= readAt - width { low += 1 }
                guard low < high else { continue }
                let count = high - low
                samples[s] += count
                totalSamples += count
                // Stats, as selectRange counts them: later steps read only what is new.
                if s > 0 {
                    var k = high
                    while k > low, times[k - 1] > readAt - step { k -= 1 }
                    statsRead += high - k
                } else {
                    statsRead += count
                }
                let window = RangeWindow(start: readAt - selector.range, end: readAt,
                                         seconds: Double(selector.range) / 1000)
                let result: Double?
                if let (isCounter, isRate) = extrapolation {
                    let (lo, hi) = (low, high)
                    // The resets inside the window: past its first sample, before its end.
                    while resetLow < resets.count, resets[resetLow] <= lo { resetLow += 1 }
                    if resetHigh < resetLow { resetHigh = resetLow }
                    while resetHigh < resets.count, resets[resetHigh] < hi { resetHigh += 1 }
                    let (rlo, rhi) = (resetLow, resetHigh)
                    result = times.withUnsafeBufferPointer { stamps in
                        values.withUnsafeBufferPointer { floats in
                            if !isCounter {
                                return RangeFunctions.extrapolatedRate(
                                    times: stamps[lo..<hi], values: floats[lo..<hi], window,
                                    isCounter: false, isRate: isRate)
                            }
                            return resets.withUnsafeBufferPointer { found in
                                RangeFunctions.extrapolatedRate(times: stamps[lo..<hi], values: floats[lo..<hi],
                                                                resets: found[rlo..<rhi], window, isRate: isRate)
                            }
                        }
                    }
                } else {
                    let input = RangeSeries(labels: labels, timestamps: times[low..<high],
                                            values: values[low..<high], dropName: false)
                    result = try RangeFunctions.apply(function, input, window, [], at: t, self)
                }
                guard let value = result else { continue }
                let dropName = !keepsName
                samples[s] += 1
                if firstOutputStep < 0 { firstOutputStep = s }
                let cell = g * steps + s
                if firstSeries[cell] < 0 {
                    cells[cell] = Fold(op, first: value, dropName: dropName)
                    firstSeries[cell] = i
                } else {
                    cells[cell].add(op, value, dropName: dropName)
                }
            }
            if checksCounters, firstOutputStep >= 0, let metric = labels.metricName,
               !["_total", "_sum", "_count", "_bucket"].contains(where: { metric.hasSuffix($0) }) {
                // Series come in increasing order, so only an earlier step can move the first sighting.
                if let seen = nonCounters[metric], seen.step <= firstOutputStep {} else {
                    nonCounters[metric] = (firstOutputStep, i)
                }
            }
            // A query the limit stops early is left to step-at-a-time evaluation, which fails
            // at the step Prometheus fails at.
            if sampleBudget.overflow == false, totalSamples > sampleBudget.partialValue { return nil }
        }

        self.totalSamples += Int64(totalSamples + statsQueried)
        self.samplesRead += Int64(statsRead)
        // Step-at-a-time evaluation notes a non-counter name when a series first yields a value.
        for (metric, _) in nonCounters.sorted(by: { ($0.value.step, $0.value.series) < ($1.value.step, $1.value.series) }) {
            info("metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(goQuote(metric))")
        }
        let groupCount = groupLabels.count

        var outputs: [[Element]] = []
        outputs.reserveCapacity(steps)
        var t = start
        for s in 0..<steps {
            var present: [(first: Int, group: Int)] = []
            for g in 0..<groupCount where firstSeries[g * steps + s] >= 0 {
                present.append((firstSeries[g * steps + s], g))
            }
            present.sort { $0.first < $1.first }
            outputs.append(present.map { entry in
                let cell = cells[entry.group * steps + s]
                return Element(labels: groupLabels[entry.group], value: cell.result(op), timestamp: t, dropName: cell.dropName)
            })
            t += step
        }
        return SteppedAggregate(start: start, step: step, outputs: outputs, samples: samples)
    }
}
