import MetricModel
import PromQL

/// Appends JSON text to a byte buffer without building intermediate values, in the exact shapes
/// Prometheus's API writes.
///
/// Contract: strings are escaped per RFC 8259 (control characters as `\u00XX`); sample values are
/// written as JSON strings in Go's shortest 'f' form (`"NaN"`, `"+Inf"`); timestamps as JSON
/// numbers in seconds with up to millisecond precision (`1700000000.5`).
public struct JSONWriter: Sendable {
    var out: JSONBytes

    public init(capacity: Int = 256) { out = JSONBytes(capacity: capacity) }

    /// The text written so far (a copy).
    public var bytes: [UInt8] { out.withBytes { Array($0) } }

    /// Number of bytes written so far.
    public var count: Int { out.count }

    /// Lends the text written so far, without copying it.
    public func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try out.withBytes(body)
    }

    public mutating func raw(_ text: String) {
        var text = text
        text.withUTF8 { out.append($0) }
    }

    /// Appends text known when compiling, such as the punctuation around a value.
    @inline(__always)
    mutating func literal(_ text: StaticString) {
        out.append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) { out.append(value) }

    public mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            // Most label names and values need no escaping: copy them whole.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                let start = out.room(utf8.count &+ 2)
                start.pointee = UInt8(ascii: "\"")
                if let source = utf8.baseAddress { (start + 1).update(from: source, count: utf8.count) }
                start[utf8.count &+ 1] = UInt8(ascii: "\"")
                out.advance(utf8.count &+ 2)
                return
            }
            byte(UInt8(ascii: "\""))
            for byte in utf8 { escape(byte) }
            byte(UInt8(ascii: "\""))
        }
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    private mutating func escape(_ value: UInt8) {
        switch value {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            byte(92)
            byte(value)
        case 10: literal("\\n")
        case 13: literal("\\r")
        case 9: literal("\\t")
        case 0..<0x20:
            literal("\\u00")
            byte(Self.hexDigits.utf8Start[Int(value >> 4)])
            byte(Self.hexDigits.utf8Start[Int(value & 15)])
        default: byte(value)
        }
    }

    /// `["a","b"]`; an empty list is `[]`, never `null`.
    public mutating func stringArray(_ items: [String]) {
        byte(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { byte(UInt8(ascii: ",")) }
            string(item)
        }
        byte(UInt8(ascii: "]"))
    }

    /// A JSON boolean.
    public mutating func bool(_ value: Bool) { value ? literal("true") : literal("false") }

    /// A timestamp in seconds as a JSON number: `1700000000`, `1700000000.5`, `1700000000.123`.
    public mutating func timestamp(_ milliseconds: Timestamp) {
        let start = out.room(Self.timestampLimit)
        out.advance(Self.writeTimestamp(milliseconds, to: start))
    }

    /// The most bytes `writeTimestamp` writes: a sign, 16 digits of seconds, a point and 3 digits
    /// (and writeDigits' own room).
    static let timestampLimit = 1 + PrometheusNumber.shortTextLimit + 4

    /// Writes `timestamp(milliseconds)`'s text at `start`; returns its length.
    @inline(__always)
    static func writeTimestamp(_ milliseconds: Timestamp, to start: UnsafeMutablePointer<UInt8>) -> Int {
        var length = 0
        if milliseconds < 0 {
            start.pointee = UInt8(ascii: "-")
            length = 1
        }
        let magnitude = milliseconds.magnitude
        length &+= PrometheusNumber.writeDigits(magnitude / 1000, to: start + length)
        var fraction = magnitude % 1000
        guard fraction != 0 else { return length }
        start[length] = UInt8(ascii: ".")
        length &+= 1
        var divisor: UInt64 = 100
        while fraction != 0 {
            start[length] = UInt8(truncatingIfNeeded: 48 &+ fraction / divisor)
            length &+= 1
            fraction %= divisor
            divisor /= 10
        }
        return length
    }

    /// `[<seconds>,"<value>"]`
    public mutating func samplePair(_ t: Timestamp, _ v: Double) {
        // Room for the timestamp, the punctuation and a short value; long values are rare.
        let start = out.room(Self.timestampLimit + PrometheusNumber.shortTextLimit + 5)
        start.pointee = UInt8(ascii: "[")
        var length = 1 &+ Self.writeTimestamp(t, to: start + 1)
        start[length] = UInt8(ascii: ",")
        start[length &+ 1] = UInt8(ascii: "\"")
        length &+= 2
        let value = PrometheusNumber.writeShort(v, to: start + length)
        if value > 0 {
            start[length &+ value] = UInt8(ascii: "\"")
            start[length &+ value &+ 1] = UInt8(ascii: "]")
            out.advance(length &+ value &+ 2)
            return
        }
        out.advance(length)
        let long = out.room(PrometheusNumber.longTextLimit + 2)
        let written = PrometheusNumber.writeLong(v, to: long)
        long[written] = UInt8(ascii: "\"")
        long[written &+ 1] = UInt8(ascii: "]")
        out.advance(written &+ 2)
    }

    /// `{"name":"value",...}` in label order.
    public mutating func labels(_ labels: Labels) {
        byte(UInt8(ascii: "{"))
        for (index, label) in labels.enumerated() {
            if index > 0 { byte(UInt8(ascii: ",")) }
            string(label.name)
            byte(UInt8(ascii: ":"))
            string(label.value)
        }
        byte(UInt8(ascii: "}"))
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
