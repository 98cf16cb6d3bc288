import MetricModel
import Storage

extension Evaluator {
    /// The result of a range query whose expression is a plain instant selector, built series by
    /// series: each series' samples are read once and its value at every step picked from them,
    /// instead of evaluating every series at every step and joining the steps by label set.
    ///
    /// Contract: the same matrix, statistics and errors as step-at-a-time evaluation (see
    /// `Engine.evaluateRange`): at step `t` a series has the newest sample in `(readAt - lookback,
    /// readAt]` with `readAt = (@ ?? t) - offset`, unless that sample is a staleness marker; series
    /// without a value at any step are left out; the sample limit applies to the whole matrix,
    /// which is what the step-at-a-time path checks after each step. Not for `smoothed` selectors.
    func selectorMatrix(_ selector: SelectorNode) throws(QueryError) -> [MatrixSeries] {
        precondition(step > 0 && !selector.smoothed && subqueryDepth == 0)
        let steps = Int((end - start) / step) + 1
        let set = try openSeries(selector)
        let readFrom = selector.mint == .min ? .min : selector.mint - 1
        var times: [Timestamp] = [], values: [Double] = []
        // The picked points gather here and are copied out at their exact size: one allocation per
        // array and series instead of the doublings of appending to a fresh one.
        var pickedTimes: [Timestamp] = [], pickedValues: [Double] = []
        var held = 0
        var out: [MatrixSeries] = []
        var position = 0
        while let one = try nextSeries(from: set) {
            if position % 256 == 0 { try limits.check() }
            position += 1
            times.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            one.appendSamples(after: readFrom, through: selector.maxt, timestamps: &times, values: &values)
            pickedTimes.removeAll(keepingCapacity: true)
            pickedValues.removeAll(keepingCapacity: true)
            times.withUnsafeBufferPointer { times in
                values.withUnsafeBufferPointer { values in
                    Self.forEachSelectorStep(times: times, values: values, start: start, step: step, steps: steps,
                                             at: selector.at, offset: selector.offset, lookback: lookbackDelta) { _, t, value in
                        pickedTimes.append(t)
                        pickedValues.append(value)
                    }
                }
            }
            guard !pickedTimes.isEmpty else { continue }
            held += pickedTimes.count
            if held > limits.maxSamples {
                throw .execution("query processing would load too many samples into memory in query execution")
            }
            out.append(MatrixSeries(labels: one.labels, timestamps: Array(pickedTimes), values: Array(pickedValues)))
        }
        let total = Int64(held)
        totalSamples += total
        samplesRead += total
        peakSamples = max(peakSamples, held)
        return out
    }
}
