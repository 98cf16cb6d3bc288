import MetricModel

extension Evaluator {
    /// One series of an instant selector inside a stepped aggregate (`avg by (x) (metric)`):
    /// folds its value at every step — its last sample in `(readAt - lookback, readAt]`, where
    /// `readAt` is the step's time (or `at`) minus `offset`, skipped when that sample is a
    /// staleness marker — into `cells[group * steps + s]`, where `firstSeries` -1 marks a cell no
    /// series reached yet (it then records `series`), and adds one to `samples[s]` for each.
    /// Returns how many steps took a value. `times` are increasing.
    ///
    /// Works on the buffers directly: this loop runs steps × series times per query, and array
    /// accesses there (bounds and uniqueness checks on every write) cost as much as the folding.
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
                            var outputs = 0, next = 0
                            var t = start
                            for s in 0..<steps {
                                let readAt = (at ?? t) - offset
                                t += step
                                while next < times.count, times[next] <= readAt { next += 1 }
                                guard next > 0, times[next - 1] > readAt - lookback else { continue }
                                let value = values[next - 1]
                                guard !value.isStaleMarker else { continue }
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
