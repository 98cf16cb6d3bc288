import PromQL

/// The answers of the query endpoints: `data` of `/api/v1/query` and `/api/v1/query_range`.
extension JSONWriter {
    /// `{"resultType":"vector","result":[...]}`, with `,"stats":{...}` before the brace when given.
    public mutating func queryData(_ value: QueryValue, stats: QueryStats? = nil) {
        literal("{\"resultType\":")
        string(value.typeName)
        literal(",\"result\":")
        switch value {
        case let .scalar(t, v):
            samplePair(t, v)
        case let .string(t, s):
            byte(UInt8(ascii: "["))
            timestamp(t)
            byte(UInt8(ascii: ","))
            string(s)
            byte(UInt8(ascii: "]"))
        case let .vector(elements):
            byte(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { byte(UInt8(ascii: ",")) }
                literal("{\"metric\":")
                labels(element.labels)
                literal(",\"value\":")
                samplePair(element.timestamp, element.value)
                byte(UInt8(ascii: "}"))
            }
            byte(UInt8(ascii: "]"))
        case let .matrix(series):
            byte(UInt8(ascii: "["))
            matrix(series)
            byte(UInt8(ascii: "]"))
        }
        if let stats {
            raw(",\"stats\":")
            queryStats(stats)
        }
        byte(UInt8(ascii: "}"))
    }

    /// The series of a matrix, comma-separated, in order.
    private mutating func matrix(_ series: [MatrixSeries]) {
        // About 30 bytes a point and 200 a label set: one allocation instead of a dozen doublings.
        out.reserve(series.reduce(0) { $0 + 200 + 30 * $1.timestamps.count })
        for (index, one) in series.enumerated() {
            if index > 0 { byte(UInt8(ascii: ",")) }
            literal("{\"metric\":")
            labels(one.labels)
            literal(",\"values\":[")
            for i in one.timestamps.indices {
                if i > 0 { byte(UInt8(ascii: ",")) }
                samplePair(one.timestamps[i], one.values[i])
            }
            literal("]}")
        }
    }

    /// Prometheus's `stats` object: `{"timings":{...},"samples":{...}}` in its field order (the
    /// per-step arrays, which need Prometheus's `promql-per-step-stats` feature, are left out).
    public mutating func queryStats(_ stats: QueryStats) {
        let timings: [(String, Double)] = [
            ("evalTotalTime", stats.evalTotal), ("resultSortTime", stats.resultSort),
            ("queryPreparationTime", stats.queryPreparation), ("innerEvalTime", stats.innerEval),
            ("execQueueTime", stats.execQueue), ("execTotalTime", stats.execTotal),
        ]
        raw("{\"timings\":{")
        for (index, (name, seconds)) in timings.enumerated() {
            if index > 0 { raw(",") }
            string(name)
            raw(":")
            number(seconds)
        }
        raw("},\"samples\":{\"totalQueryableSamples\":\(stats.totalQueryableSamples),")
        raw("\"samplesRead\":\(stats.samplesRead),\"peakSamples\":\(stats.peakSamples)}}")
    }
}
