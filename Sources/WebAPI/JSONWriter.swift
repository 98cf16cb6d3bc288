import MetricModel
import PromQL

/// Appends JSON text to a byte buffer without building intermediate values, in the exact shapes
/// Prometheus's API writes.
///
/// Contract: strings are escaped per RFC 8259 (control characters as `\u00XX`); sample values are
/// written as JSON strings in Go's shortest 'f' form (`"NaN"`, `"+Inf"`); timestamps as JSON
/// numbers in seconds with up to millisecond precision (`1700000000.5`).
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    public mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            // Most label names and values need no escaping: copy them whole.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: utf8)
            } else {
                for byte in utf8 { escape(byte) }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            bytes.append(92)
            bytes.append(byte)
        case 10: bytes.append(92); bytes.append(110)
        case 13: bytes.append(92); bytes.append(114)
        case 9: bytes.append(92); bytes.append(116)
        case 0..<0x20:
            bytes.append(contentsOf: [92, 117, 48, 48])
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 15)])
        default: bytes.append(byte)
        }
    }

    /// `["a","b"]`; an empty list is `[]`, never `null`.
    public mutating func stringArray(_ items: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A JSON boolean.
    public mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    /// A timestamp in seconds as a JSON number: `1700000000`, `1700000000.5`, `1700000000.123`.
    public mutating func timestamp(_ milliseconds: Timestamp) {
        if milliseconds < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = milliseconds.magnitude
        decimal(magnitude / 1000)
        var fraction = magnitude % 1000
        guard fraction != 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var divisor: UInt64 = 100
        while fraction != 0 {
            bytes.append(UInt8(truncatingIfNeeded: 48 &+ fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// The decimal digits of `value`.
    private mutating func decimal(_ value: UInt64) { PrometheusNumber.appendDigits(value, to: &bytes) }

    /// `[<seconds>,"<value>"]`
    public mutating func samplePair(_ t: Timestamp, _ v: Double) {
        bytes.append(UInt8(ascii: "["))
        timestamp(t)
        bytes.append(UInt8(ascii: ","))
        bytes.append(UInt8(ascii: "\""))
        PrometheusNumber.append(v, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: "]"))
    }

    /// `{"name":"value",...}` in label order.
    public mutating func labels(_ labels: Labels) {
        bytes.append(UInt8(ascii: "{"))
        for (index, label) in labels.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(label.name)
            bytes.append(UInt8(ascii: ":"))
            string(label.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// `{"resultType":"vector","result":[...]}`, with `,"stats":{...}` before the brace when given.
    public mutating func queryData(_ value: QueryValue, stats: QueryStats? = nil) {
        raw("{\"resultType\":")
        string(value.typeName)
        raw(",\"result\":")
        switch value {
        case let .scalar(t, v):
            samplePair(t, v)
        case let .string(t, s):
            bytes.append(UInt8(ascii: "["))
            timestamp(t)
            bytes.append(UInt8(ascii: ","))
            string(s)
            bytes.append(UInt8(ascii: "]"))
        case let .vector(elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                raw("{\"metric\":")
                labels(element.labels)
                raw(",\"value\":")
                samplePair(element.timestamp, element.value)
                bytes.append(UInt8(ascii: "}"))
            }
            bytes.append(UInt8(ascii: "]"))
        case let .matrix(series):
            // About 30 bytes a point and 200 a label set: one allocation instead of a dozen doublings.
            bytes.reserveCapacity(bytes.count + series.reduce(0) { $0 + 200 + 30 * $1.timestamps.count })
            bytes.append(UInt8(ascii: "["))
            for (index, one) in series.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                raw("{\"metric\":")
                labels(one.labels)
                raw(",\"values\":[")
                for i in one.timestamps.indices {
                    if i > 0 { bytes.append(UInt8(ascii: ",")) }
                    samplePair(one.timestamps[i], one.values[i])
                }
                raw("]}")
            }
            bytes.append(UInt8(ascii: "]"))
        }
        if let stats {
            raw(",\"stats\":")
            queryStats(stats)
        }
        bytes.append(UInt8(ascii: "}"))
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

    /// A finite float as Go's `encoding/json` writes it: shortest decimal, exponent form (`1e-7`)
    /// only below 1e-6 or from 1e21.
    public mutating func number(_ value: Double) {
        let magnitude = abs(value)
        guard magnitude != 0, magnitude < 1e-6 || magnitude >= 1e21 else {
            raw(PrometheusNumber.format(value))
            return
        }
        var text = "\(value)"
        if let e = text.firstIndex(of: "e") {
            var exponent = text[text.index(after: e)...]
            let sign = exponent.first == "-" ? "-" : "+"
            if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
            while exponent.count > 2 && exponent.first == "0" { exponent = exponent.dropFirst() }
            if sign == "-" && exponent.count == 2 && exponent.first == "0" { exponent = exponent.dropFirst() }
            text = text[..<e] + "e" + sign + exponent
        }
        raw(text)
    }
}
