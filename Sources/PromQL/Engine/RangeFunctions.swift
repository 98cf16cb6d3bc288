import Foundation
import MetricModel

/// The window a range-vector argument covers at one step, for extrapolating functions.
struct RangeWindow {
    var start: Timestamp
    var end: Timestamp
    var seconds: Double
}

/// Functions over range vectors (`rate`, `*_over_time`, ...), each applied per series.
enum RangeFunctions {
    /// Computes the function for one series; nil means "no output for this series".
    static func apply(_ name: String, _ s: RangeSeries, _ window: RangeWindow, _ args: [Double], at t: Timestamp,
                      _ evaluator: Evaluator) throws(QueryError) -> Double? {
        let values = s.values, times = s.timestamps
        switch name {
        case "rate": return extrapolatedRate(s, window, isCounter: true, isRate: true)
        case "increase": return extrapolatedRate(s, window, isCounter: true, isRate: false)
        case "delta": return extrapolatedRate(s, window, isCounter: false, isRate: false)
        case "irate": return instantValue(s, isRate: true)
        case "idelta": return instantValue(s, isRate: false)
        case "count_over_time": return Double(values.count)
        case "present_over_time": return 1
        case "last_over_time": return values.last
        case "first_over_time": return values.first
        case "ts_of_last_over_time": return times.last.map { Double($0) / 1000 }
        case "ts_of_first_over_time": return times.first.map { Double($0) / 1000 }
        case "max_over_time": return compare(s, returnTimestamp: false) { $0 > $1 || $1.isNaN }
        case "min_over_time": return compare(s, returnTimestamp: false) { $0 < $1 || $1.isNaN }
        case "ts_of_max_over_time": return compare(s, returnTimestamp: true) { $0 >= $1 || $1.isNaN }
        case "ts_of_min_over_time": return compare(s, returnTimestamp: true) { $0 <= $1 || $1.isNaN }
        case "sum_over_time":
            var sum = 0.0, c = 0.0
            for v in values { (sum, c) = kahanAdd(v, sum, c) }
            return sum.isInfinite ? sum : sum + c
        case "avg_over_time": return average(values)
        case "quantile_over_time":
            let q = args[0]
            if q.isNaN || q < 0 || q > 1 { evaluator.warn("quantile value should be between 0 and 1, got \(goFormatG(q))") }
            return quantileOf(q, Array(values))
        case "stddev_over_time": return variance(values).squareRoot()
        case "stdvar_over_time": return variance(values)
        case "mad_over_time":
            if values.contains(where: \.isNaN) { return .nan }
            let median = quantileOf(0.5, Array(values))
            return quantileOf(0.5, values.map { abs($0 - median) })
        case "changes":
            var changes = 0.0
            var previous = values.first!
            for v in values.dropFirst() {
                if v != previous && !(v.isNaN && previous.isNaN) { changes += 1 }
                previous = v
            }
            return changes
        case "resets":
            var resets = 0.0
            var previous = values.first!
            for v in values.dropFirst() {
                if v < previous { resets += 1 }
                previous = v
            }
            return resets
        case "deriv":
            guard values.count >= 2 else { return nil }
            return linearRegression(s, interceptTime: times.first!).slope
        case "predict_linear":
            guard values.count >= 2 else { return nil }
            let (slope, intercept) = linearRegression(s, interceptTime: t)
            return slope * args[0] + intercept
        case "double_exponential_smoothing":
            let sf = args[0], tf = args[1]
            if sf <= 0 || sf >= 1 { throw .execution("invalid smoothing factor. Expected: 0 < sf < 1, got: \(goFormatF6(sf))") }
            if tf <= 0 || tf >= 1 { throw .execution("invalid trend factor. Expected: 0 < tf < 1, got: \(goFormatF6(tf))") }
            return doubleExponentialSmoothing(Array(values), sf, tf)
        default:
            throw .execution("function \"\(name)\" is not evaluated by Ember")
        }
    }

    static func compare(_ s: RangeSeries, returnTimestamp: Bool, _ better: (Double, Double) -> Bool) -> Double? {
        guard var best = s.values.first, var bestT = s.timestamps.first else { return nil }
        for (v, time) in zip(s.values, s.timestamps) where better(v, best) {
            best = v
            bestT = time
        }
        return returnTimestamp ? Double(bestT) / 1000 : best
    }

    static func average(_ values: ArraySlice<Double>) -> Double {
        var sum = values.first!, count = 1.0, mean = 0.0, c = 0.0
        var incremental = false
        for (i, v) in values.dropFirst().enumerated() {
            count = Double(i + 2)
            if !incremental {
                let (s, nc) = kahanAdd(v, sum, c)
                if !s.isInfinite { sum = s; c = nc; continue }
                incremental = true
                mean = sum / (count - 1)
                c /= count - 1
            }
            let q = (count - 1) / count
            (mean, c) = kahanAdd(v / count, q * mean, q * c)
        }
        return incremental ? mean + c : sum / count + c / count
    }

    static func variance(_ values: ArraySlice<Double>) -> Double {
        var count = 0.0, mean = 0.0, cMean = 0.0, aux = 0.0, cAux = 0.0
        for v in values {
            count += 1
            let delta = v - (mean + cMean)
            (mean, cMean) = kahanAdd(delta / count, mean, cMean)
            (aux, cAux) = kahanAdd(delta * (v - (mean + cMean)), aux, cAux)
        }
        return (aux + cAux) / count
    }

    static func linearRegression(_ s: RangeSeries, interceptTime: Timestamp) -> (slope: Double, intercept: Double) {
        var n = 0.0, sumX = 0.0, cX = 0.0, sumY = 0.0, cY = 0.0, sumXY = 0.0, cXY = 0.0, sumX2 = 0.0, cX2 = 0.0
        let initY = s.values.first!
        var constY = true
        for (v, time) in zip(s.values, s.timestamps) {
            if constY, v != initY { constY = false }
            n += 1
            let x = Double(time - interceptTime) / 1e3
            (sumX, cX) = kahanAdd(x, sumX, cX)
            (sumY, cY) = kahanAdd(v, sumY, cY)
            (sumXY, cXY) = kahanAdd(x * v, sumXY, cXY)
            (sumX2, cX2) = kahanAdd(x * x, sumX2, cX2)
        }
        if constY {
            if initY.isInfinite { return (.nan, .nan) }
            return (0, initY)
        }
        sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }

    static func doubleExponentialSmoothing(_ values: [Double], _ sf: Double, _ tf: Double) -> Double? {
        guard values.count >= 2 else { return nil }
        var s0 = 0.0, s1 = values[0], b = values[1] - values[0]
        for i in 1..<values.count {
            let x = sf * values[i]
            if i - 1 != 0 { b = tf * (s1 - s0) + (1 - tf) * b }
            let y = (1 - sf) * (s1 + b)
            (s0, s1) = (s1, x + y)
        }
        return s1
    }

    /// `irate` / `idelta`: from the last two samples.
    static func instantValue(_ s: RangeSeries, isRate: Bool) -> Double? {
        guard s.values.count >= 2 else { return nil }
        let last = s.values[s.values.endIndex - 1], previous = s.values[s.values.endIndex - 2]
        let interval = s.timestamps[s.timestamps.endIndex - 1] - s.timestamps[s.timestamps.endIndex - 2]
        guard interval != 0 else { return nil }
        var result = last
        if !isRate || !(last < previous) { result = last - previous }
        if isRate { result /= Double(interval) / 1000 }
        return result
    }

    /// `rate`, `increase` and `delta` with Prometheus's extrapolation to the window edges.
    static func extrapolatedRate(_ s: RangeSeries, _ window: RangeWindow, isCounter: Bool, isRate: Bool) -> Double? {
        extrapolatedRate(times: s.timestamps, values: s.values, window, isCounter: isCounter, isRate: isRate)
    }

    /// The same over any pair of collections (the all-steps path passes buffer slices, which
    /// cost no retain per step).
    static func extrapolatedRate<Times: RandomAccessCollection, Values: RandomAccessCollection>(
        times: Times, values: Values, _ window: RangeWindow, isCounter: Bool, isRate: Bool
    ) -> Double? where Times.Element == Timestamp, Values.Element == Double {
        guard values.count >= 2 else { return nil }
        var result = values.last! - values.first!
        if isCounter {
            var previous = values.first!
            for v in values.dropFirst() {
                if v < previous { result += previous }
                previous = v
            }
        }
        return extrapolated(result, firstT: times.first!, lastT: times.last!, first: values.first!,
                            count: values.count, window, isCounter: isCounter, isRate: isRate)
    }

    /// `rate`/`increase` over a window of buffers whose counter resets were found once for the
    /// whole series: `resets` are the indices k in the window (past its first sample) where
    /// `values[k] < values[k - 1]`, ascending. Adds the same terms in the same order as the scan,
    /// so the result is bit for bit the same, at a cost per reset instead of per sample.
    static func extrapolatedRate(times: Slice<UnsafeBufferPointer<Timestamp>>,
                                 values: Slice<UnsafeBufferPointer<Double>>,
                                 resets: Slice<UnsafeBufferPointer<Int>>,
                                 _ window: RangeWindow, isRate: Bool) -> Double? {
        guard values.count >= 2 else { return nil }
        var result = values.last! - values.first!
        for k in resets { result += values[k - 1] }
        return extrapolated(result, firstT: times.first!, lastT: times.last!, first: values.first!,
                            count: values.count, window, isCounter: true, isRate: isRate)
    }

    /// Prometheus's extrapolation of `result` (last minus first, plus counter corrections) from
    /// the sampled interval towards the window's edges.
    @inline(__always)
    private static func extrapolated(_ result: Double, firstT: Timestamp, lastT: Timestamp, first: Double,
                                     count: Int, _ window: RangeWindow, isCounter: Bool, isRate: Bool) -> Double {
        var durationToStart = Double(firstT - window.start) / 1000
        var durationToEnd = Double(window.end - lastT) / 1000
        let sampledInterval = Double(lastT - firstT) / 1000
        let averageBetween = sampledInterval / Double(count - 1)
        let threshold = averageBetween * 1.1
        if durationToStart >= threshold { durationToStart = averageBetween / 2 }
        if isCounter, result > 0, first >= 0 {
            let durationToZero = sampledInterval * (first / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        if durationToEnd >= threshold { durationToEnd = averageBetween / 2 }
        var factor = 1.0
        if sampledInterval != 0 { factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval }
        if isRate { factor /= window.seconds }
        return result * factor
    }
}
