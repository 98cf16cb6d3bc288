import MetricModel

extension Evaluator {
    /// An instant selector's value at each step of a range query, from one series' samples: calls
    /// `body(s, t, value)` for every step `s` (at time `t = start + s·step`) where the series has
    /// one — its last sample in `(readAt - lookback, readAt]`, where `readAt` is `t` (or `at`)
    /// minus `offset`, unless that sample is a staleness marker. `times` are increasing.
    ///
    /// The one definition of a selector's step values for the whole-query paths (plain selector
    /// matrices, stepped aggregates); it reads the buffers directly because it runs steps × series
    /// times per query.
    @inline(__always)
    static func forEachSelectorStep(
        times: UnsafeBufferPointer<Timestamp>, values: UnsafeBufferPointer<Double>, start: Timestamp, step: Int64,
        steps: Int, at: Timestamp?, offset: Int64, lookback: Int64, _ body: (Int, Timestamp, Double) -> Void
    ) {
        var next = 0
        var t = start
        for s in 0..<steps {
            defer { t += step }
            let readAt = (at ?? t) - offset
            while next < times.count, times[next] <= readAt { next += 1 }
            guard next > 0, times[next - 1] > readAt - lookback else { continue }
            let value = values[next - 1]
            guard !value.isStaleMarker else { continue }
            body(s, t, value)
        }
    }

    /// One series of an instant selector inside a stepped aggregate (`avg by (x) (metric)`):
    /// folds its value at every step (`forEachSelectorStep`) into `cells[group * steps + s]`,
    /// where `firstSeries` -1 marks a cell no series reached yet (it then records `series`), and
    /// adds one to `samples[s]` for each. Returns how many steps took a value.
    ///
    /// Works on the buffers directly: array accesses here (bounds and uniqueness checks on every
    /// write) cost as much as the folding.
    static func foldSelectorSteps(
        times: [Timestamp], values: [Double], start: Timestamp, step: Int64, steps: Int, at: Timestamp?,
        offset: Int64, lookback: Int64, op: AggregateOperator, series: Int, group: Int,
        cells: inout [Fold], firstSeries: inout [Int], samples: inout [Int]
    ) -> Int {
        precondition(times.count == values.count && samples.count == steps && cells.count >= (group + 1) * steps
                     && firstSeries.count == cells.count)
        let base = group * steps
        return times.withUnsafeBufferPointer { times in
            values.withUnsafeBufferPointer { values in
                cells.withUnsafeMutableBufferPointer { cells in
                    firstSeries.withUnsafeMutableBufferPointer { firstSeries in
                        samples.withUnsafeMutableBufferPointer { samples in
                            var outputs = 0
                            forEachSelectorStep(times: times, values: values, start: start, step: step, steps: steps,
                                                at: at, offset: offset, lookback: lookback) { s, _, value in
                                samples[s] += 1
                                outputs += 1
                                let cell = base + s
                                if firstSeries[cell] < 0 {
                                    cells[cell] = Fold(op, first: value, dropName: false)
                                    firstSeries[cell] = series
                                } else {
                                    cells[cell].add(op, value, dropName: false)
                                }
                            }
                            return outputs
                        }
                    }
                }
            }
        }
    }
}
