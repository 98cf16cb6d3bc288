import MetricModel
import Storage

/// One sample of an instant vector during evaluation. `timestamp` is the sample's own time for
/// selector output (what `timestamp()` reports) and the evaluation time otherwise. `dropName`
/// marks a metric name that is removed at the end of evaluation (Prometheus 3's delayed
/// `__name__` removal).
struct Element {
    var labels: Labels
    var value: Double
    var timestamp: Timestamp
    var dropName: Bool
}

/// One series of a range vector during evaluation: samples in time order.
struct RangeSeries {
    var labels: Labels
    var timestamps: ArraySlice<Timestamp>
    var values: ArraySlice<Double>
    var dropName: Bool
}

/// A value during evaluation, in the four PromQL types.
enum EvalValue {
    case scalar(Double)
    case string(String)
    case vector([Element])
    case matrix([RangeSeries])

    var vector: [Element] {
        if case let .vector(v) = self { return v }
        return []
    }

    var scalar: Double {
        if case let .scalar(v) = self { return v }
        return .nan
    }
}

/// The labels a series has after delayed name removal: without `__name__`, `__type__` and `__unit__`.
extension Labels {
    var droppingMetricName: Labels { removing(["__name__", "__type__", "__unit__"]) }
}

/// Reads one series' samples window by window, keeping only the current window in memory.
///
/// Contract: `window(after:through:)` returns the samples with `after < t <= through`, staleness
/// markers included. Windows normally move forward; asking for an earlier window than a previous
/// one restarts the series' iterator, so any order is correct and forward order is cheap.
final class SeriesCursor {
    let labels: Labels
    let series: any Series
    private var iterator: any SampleIterator
    private var timestamps: [Timestamp] = []
    private var values: [Double] = []
    private var start = 0
    private var floor = Timestamp.min
    private var exhausted = false

    init(_ series: any Series) {
        self.series = series
        self.labels = series.labels
        self.iterator = series.makeIterator()
    }

    func window(after low: Timestamp, through high: Timestamp) -> (ArraySlice<Timestamp>, ArraySlice<Double>) {
        if low < floor {
            iterator = series.makeIterator()
            timestamps.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            start = 0
            floor = .min
            exhausted = false
        }
        // Work on locals and store them back once: stored properties of a class cost an
        // exclusivity check and a retain on every access, and this runs per series and step.
        var times: [Timestamp] = [], vals: [Double] = []
        swap(&times, &timestamps)
        swap(&vals, &values)
        var first = start
        while first < times.count, times[first] <= low { first += 1 }
        floor = max(floor, low)
        if first > 64, first * 2 > times.count {
            times.removeFirst(first)
            vals.removeFirst(first)
            first = 0
        }
        if !exhausted, first == times.count || times[times.count - 1] <= high {
            let source = iterator
            var more = true
            while first == times.count || times[times.count - 1] <= high {
                more = first == times.count ? source.seek(low &+ 1) : source.next()
                if !more { break }
                let time = source.timestamp
                if time > low {
                    times.append(time)
                    vals.append(source.value)
                }
            }
            if !more { exhausted = true }
        }
        var last = times.count
        while last > first, times[last - 1] > high { last -= 1 }
        start = first
        timestamps = times
        values = vals
        return (times[first..<last], vals[first..<last])
    }
}
