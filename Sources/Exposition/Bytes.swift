// Byte classes, UTF-8 validation and Go-style quoting shared by the parser and the writer.

let asciiSpace = UInt8(ascii: " "), asciiTab = UInt8(ascii: "\t"), asciiNewline = UInt8(ascii: "\n")
let asciiHash = UInt8(ascii: "#"), asciiQuote = UInt8(ascii: "\""), asciiBackslash = UInt8(ascii: "\\")
let asciiBraceOpen = UInt8(ascii: "{"), asciiBraceClose = UInt8(ascii: "}")
let asciiComma = UInt8(ascii: ","), asciiEqual = UInt8(ascii: "=")

/// `[a-zA-Z_]`
@inline(__always) func isLabelNameStart(_ c: UInt8) -> Bool {
    let lower = c | 0x20
    return (lower >= 97 && lower <= 122) || c == 95
}

/// `[a-zA-Z_:]`
@inline(__always) func isMetricNameStart(_ c: UInt8) -> Bool { isLabelNameStart(c) || c == 58 }

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

@inline(__always) func isBlank(_ c: UInt8) -> Bool { c == asciiSpace || c == asciiTab }

/// Length of the well-formed UTF-8 sequence starting at `i` (RFC 3629: no overlongs, no surrogates),
/// or nil.
func utf8SequenceLength(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> Int? {
    let lead = b[i]
    if lead < 0x80 { return 1 }
    var length = 0
    var low: UInt8 = 0x80, high: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED: length = 3; high = 0x9F
    case 0xF0: length = 4; low = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; high = 0x8F
    default: return nil
    }
    guard i + length <= end else { return nil }
    let second = b[i + 1]
    guard second >= low && second <= high else { return nil }
    for k in 2..<length where b[i + k] & 0xC0 != 0x80 { return nil }
    return length
}

func isValidUTF8(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    while i < end {
        if b[i] < 0x80 { i += 1; continue }
        guard let length = utf8SequenceLength(b, i, end) else { return false }
        i += length
    }
    return true
}

/// Quotes bytes the way Go's `%q` shows them: printable text as is, `"` and `\` escaped, control
/// characters as `\n`, `\t`, `\r` or `\xNN`, bytes that are not UTF-8 as `\xNN`.
func goQuote(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
    let hex = Array("0123456789abcdef".utf8)
    var out: [UInt8] = [asciiQuote]
    var i = start
    while i < end {
        let c = b[i]
        switch c {
        case asciiQuote: out += [asciiBackslash, asciiQuote]
        case asciiBackslash: out += [asciiBackslash, asciiBackslash]
        case asciiNewline: out += Array("\\n".utf8)
        case asciiTab: out += Array("\\t".utf8)
        case 13: out += Array("\\r".utf8)
        case 0x20..<0x7F: out.append(c)
        default:
            if c >= 0x80, let length = utf8SequenceLength(b, i, end) {
                out += b[i..<(i + length)]
                i += length
                continue
            }
            out += [asciiBackslash, UInt8(ascii: "x"), hex[Int(c >> 4)], hex[Int(c & 15)]]
        }
        i += 1
    }
    out.append(asciiQuote)
    return String(decoding: out, as: UTF8.self)
}

/// Decodes a span, resolving backslash escapes: `\\` and `\n` always, `\"` when `quotes` is set.
/// Any other escape is kept as written (backslash included), as Prometheus does.
func unescape(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, quotes: Bool) -> String {
    let span = UnsafeBufferPointer(rebasing: b[start..<end])
    guard span.contains(asciiBackslash) else { return String(decoding: span, as: UTF8.self) }
    var out: [UInt8] = []
    out.reserveCapacity(span.count)
    var i = start
    while i < end {
        let c = b[i]
        if c == asciiBackslash, i + 1 < end {
            let n = b[i + 1]
            if n == asciiBackslash || (quotes && n == asciiQuote) { out.append(n); i += 2; continue }
            if n == UInt8(ascii: "n") { out.append(asciiNewline); i += 2; continue }
            out.append(c); out.append(n); i += 2; continue
        }
        out.append(c)
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}
