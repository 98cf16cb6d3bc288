import MetricModel

/// Prometheus 3's `anchored` and `smoothed` range selectors (`--enable-feature=promql-extended-range-selectors`).
///
/// Contract: the series handed in hold the samples of `(start - lookback, end]` (anchored) or
/// `(start - lookback, end + lookback]` (smoothed), staleness markers removed. Anchored windows
/// start at the last sample at or before the range start; smoothed windows interpolate linearly
/// at both edges.
enum ExtendedRange {
    static let anchoredFunctions: Set<String> = ["changes", "delta", "increase", "rate", "resets"]
    static let smoothedFunctions: Set<String> = ["delta", "increase", "rate"]

    /// Index of the first element of `times[0..<limit]` satisfying `predicate`, or `limit`.
    static func search(_ times: ArraySlice<Timestamp>, _ limit: Int, _ predicate: (Timestamp) -> Bool) -> Int {
        var low = 0, high = limit
        while low < high {
            let mid = (low + high) / 2
            if predicate(times[times.startIndex + mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }

    static func interpolate(_ t1: Timestamp, _ v1: Double, _ t2: Timestamp, _ v2: Double, at t: Timestamp, isCounter: Bool) -> Double {
        var y1 = v1
        if isCounter && v2 < v1 { y1 = 0 }
        return y1 + (v2 - y1) * Double(t - t1) / Double(t2 - t1)
    }

    static func apply(_ name: String, _ s: RangeSeries, _ window: RangeWindow, smoothed: Bool) -> Double? {
        switch name {
        case "rate": return rate(s, window, smoothed: smoothed, isCounter: true, isRate: true)
        case "increase": return rate(s, window, smoothed: smoothed, isCounter: true, isRate: false)
        case "delta": return rate(s, window, smoothed: smoothed, isCounter: false, isRate: false)
        case "changes", "resets":
            let times = s.timestamps, values = Array(s.values)
            let lastAtOrBefore = search(times, times.count) { $0 > window.start } - 1
            guard lastAtOrBefore + 1 < times.count else { return nil }
            let first = max(0, lastAtOrBefore)
            var count = 0.0
            for i in (first + 1)..<values.count {
                let previous = values[i - 1], current = values[i]
                if name == "changes" {
                    if current != previous && !(current.isNaN && previous.isNaN) { count += 1 }
                } else if current < previous {
                    count += 1
                }
            }
            return count
        default:
            return nil
        }
    }

    static func rate(_ s: RangeSeries, _ window: RangeWindow, smoothed: Bool, isCounter: Bool, isRate: Bool) -> Double? {
        let t = Array(s.timestamps), f = Array(s.values)
        guard !t.isEmpty else { return nil }
        var last = t.count - 1
        var first = max(0, search(s.timestamps, last) { $0 > window.start } - 1)
        if smoothed { last = search(s.timestamps, last) { $0 >= window.end } }
        if t[last] <= window.start { return nil }
        if smoothed && t[first] > window.end { return nil }
        let left = smoothed && t[first] < window.start
            ? interpolate(t[first], f[first], t[first + 1], f[first + 1], at: window.start, isCounter: isCounter) : f[first]
        let right = smoothed && last > 0 && t[last] > window.end
            ? interpolate(t[last - 1], f[last - 1], t[last], f[last], at: window.end, isCounter: isCounter) : f[last]
        var result = right - left
        if isCounter {
            if t[first] <= window.start { first += 1 }
            if t[last] >= window.end { last -= 1 }
            var correction = 0.0
            var previous = left
            if first <= last {
                for v in f[first...last] {
                    if v < previous { correction += previous }
                    previous = v
                }
            }
            if right < previous { correction += previous }
            result += correction
        }
        if isRate { result /= window.seconds }
        return result
    }

    /// A range selector's own value: the samples in the range with the edges picked or
    /// interpolated at `start` and `end`.
    static func extend(_ s: RangeSeries, from start: Timestamp, to end: Timestamp, smoothed: Bool) -> RangeSeries? {
        let t = Array(s.timestamps), f = Array(s.values)
        guard !t.isEmpty else { return nil }
        var last = t.count - 1
        var first = max(0, search(s.timestamps, last) { $0 > start } - 1)
        if smoothed { last = search(s.timestamps, last) { $0 >= end } }
        if t[last] <= start { return nil }
        let left = smoothed && t[first] < start ? interpolate(t[first], f[first], t[first + 1], f[first + 1], at: start, isCounter: false) : f[first]
        let right = smoothed && last > 0 && t[last] > end ? interpolate(t[last - 1], f[last - 1], t[last], f[last], at: end, isCounter: false) : f[last]
        if t[first] <= start { first += 1 }
        if t[last] >= end { last -= 1 }
        var times = [start], values = [left]
        if first <= last {
            times += t[first...last]
            values += f[first...last]
        }
        times.append(end)
        values.append(right)
        return RangeSeries(labels: s.labels, timestamps: times[...], values: values[...], dropName: s.dropName)
    }

    /// A smoothed instant selector's value at `t`: the sample at `t`, else the interpolation
    /// between its neighbours, else the last sample before `t`.
    static func smoothedValue(_ times: ArraySlice<Timestamp>, _ values: ArraySlice<Double>, at t: Timestamp) -> Double? {
        var kept: [(Timestamp, Double)] = []
        for (time, value) in zip(times, values) where !value.isStaleMarker { kept.append((time, value)) }
        var i = 0
        while i < kept.count, kept[i].0 < t { i += 1 }
        if i < kept.count, kept[i].0 == t { return kept[i].1 }
        if i > 0, i < kept.count { return interpolate(kept[i - 1].0, kept[i - 1].1, kept[i].0, kept[i].1, at: t, isCounter: false) }
        if i > 0 { return kept[i - 1].1 }
        return nil
    }
}
