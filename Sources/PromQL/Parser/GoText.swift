// Text helpers reproducing the Go formatting rules Prometheus's messages and printer rely on
// (strconv.Quote, %q of a rune, %#U, string unquoting with Go escapes, float formats).

import Foundation
import MetricModel

/// Whether Go's `strconv.IsPrint` would call the scalar printable (approximation via Unicode
/// general categories: letters, marks, numbers, punctuation, symbols and the ASCII space).
func goIsPrint(_ s: Unicode.Scalar) -> Bool {
    if s.value < 0x80 { return s.value >= 0x20 && s.value < 0x7F }
    switch s.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
         .nonspacingMark, .spacingMark, .enclosingMark,
         .decimalNumber, .letterNumber, .otherNumber,
         .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
         .initialPunctuation, .finalPunctuation, .otherPunctuation,
         .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}

private func hex(_ v: UInt32, _ width: Int) -> String {
    let digits = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

private func appendEscaped(_ s: Unicode.Scalar, quote: Unicode.Scalar, into out: inout String) {
    if s == quote || s == "\\" {
        out.append("\\"); out.unicodeScalars.append(s); return
    }
    // U+FFFD stands in for bytes that were not UTF-8 (Swift strings cannot hold them); escaping it
    // keeps the printed text parseable, where a raw U+FFFD is an "invalid UTF-8 rune".
    if s.value == 0xFFFD { out += "\\ufffd"; return }
    if goIsPrint(s) { out.unicodeScalars.append(s); return }
    switch s {
    case "\u{07}": out += "\\a"
    case "\u{08}": out += "\\b"
    case "\u{0C}": out += "\\f"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case "\u{0B}": out += "\\v"
    default:
        if s.value < 0x20 || s.value == 0x7F { out += "\\x" + hex(s.value, 2) }
        else if s.value < 0x10000 { out += "\\u" + hex(s.value, 4) }
        else { out += "\\U" + hex(s.value, 8) }
    }
}

/// Go's `strconv.Quote`.
func goQuote(_ text: String) -> String {
    var out = "\""
    for s in text.unicodeScalars { appendEscaped(s, quote: "\"", into: &out) }
    out += "\""
    return out
}

/// Go's `%q` of a rune (`strconv.QuoteRune`); `-1` (end of input) prints as Go prints `eof`.
func goQuoteRune(_ r: Int32) -> String {
    guard r >= 0, let s = Unicode.Scalar(UInt32(r)) else { return "'\u{FFFD}'" }
    var out = "'"
    appendEscaped(s, quote: "'", into: &out)
    out += "'"
    return out
}

/// Go's `%#U` of a rune: `U+0063 'c'`.
func goUnicodeFormat(_ r: Int32) -> String {
    if r < 0 { return "U+FFFFFFFFFFFFFFFF" }
    let code = "U+" + hex(UInt32(r), 4).uppercased()
    if let s = Unicode.Scalar(UInt32(r)), goIsPrint(s) { return code + " '" + String(s) + "'" }
    return code
}

/// Unquotes a PromQL string token (`"…"`, `'…'` with Go escapes, or raw `` `…` ``).
/// Returns nil when the text is not a valid quoted string.
func goUnquote(_ text: String) -> String? {
    let scalars = Array(text.unicodeScalars)
    guard scalars.count >= 2, let quote = scalars.first, scalars.last == quote else { return nil }
    let body = scalars[1..<(scalars.count - 1)]
    if quote == "`" {
        if body.contains("`") { return nil }
        var out = String.UnicodeScalarView()
        for s in body where s != "\r" { out.append(s) }
        return String(out)
    }
    guard quote == "\"" || quote == "'" else { return nil }
    var out = String.UnicodeScalarView()
    var i = body.startIndex
    func hexValue(_ count: Int) -> UInt32? {
        var v: UInt32 = 0
        for _ in 0..<count {
            guard i < body.endIndex else { return nil }
            let d = digitVal(Int32(body[i].value))
            guard d < 16 else { return nil }
            v = v * 16 + UInt32(d)
            i += 1
        }
        return v
    }
    var pendingBytes: [UInt8] = []
    func flushBytes() {
        if !pendingBytes.isEmpty {
            out.append(contentsOf: String(decoding: pendingBytes, as: UTF8.self).unicodeScalars)
            pendingBytes.removeAll()
        }
    }
    while i < body.endIndex {
        let s = body[i]
        if s == quote || s == "\n" { return nil }
        if s != "\\" { flushBytes(); out.append(s); i += 1; continue }
        i += 1
        guard i < body.endIndex else { return nil }
        let e = body[i]
        i += 1
        switch e {
        case "a": flushBytes(); out.append("\u{07}")
        case "b": flushBytes(); out.append("\u{08}")
        case "f": flushBytes(); out.append("\u{0C}")
        case "n": flushBytes(); out.append("\n")
        case "r": flushBytes(); out.append("\r")
        case "t": flushBytes(); out.append("\t")
        case "v": flushBytes(); out.append("\u{0B}")
        case "\\": flushBytes(); out.append("\\")
        case "'", "\"":
            // Go accepts only the string's own quote character escaped.
            guard e == quote else { return nil }
            flushBytes(); out.append(e)
        case "x":
            guard let v = hexValue(2) else { return nil }
            pendingBytes.append(UInt8(v))
        case "0"..."7":
            var v = UInt32(e.value - 48)
            for _ in 0..<2 {
                guard i < body.endIndex, ("0"..."7").contains(body[i]) else { return nil }
                v = v * 8 + (body[i].value - 48)
                i += 1
            }
            guard v <= 255 else { return nil }
            pendingBytes.append(UInt8(v))
        case "u", "U":
            guard let v = hexValue(e == "u" ? 4 : 8), let scalar = Unicode.Scalar(v) else { return nil }
            flushBytes(); out.append(scalar)
        default:
            return nil
        }
    }
    flushBytes()
    return String(out)
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`.
func goFormatFloat(_ v: Double) -> String { PrometheusNumber.format(v) }

/// Go's `%v` (shortest `%g`) of a float64.
func goFormatG(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
    if v == 0 { return v.sign == .minus ? "-0" : "0" }
    // Shortest digits via Swift's description, exponent via log10 of the digits.
    let plain = PrometheusNumber.format(v.magnitude)
    var digits = plain.replacingOccurrences(of: ".", with: "")
    let intPart = plain.split(separator: ".", omittingEmptySubsequences: false)[0]
    var exponent: Int
    if intPart != "0" {
        exponent = intPart.count - 1
    } else {
        let frac = plain.split(separator: ".")[1]
        exponent = -((frac.firstIndex(where: { $0 != "0" }).map { frac.distance(from: frac.startIndex, to: $0) } ?? 0) + 1)
    }
    while digits.first == "0" { digits.removeFirst() }
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    let sign = v < 0 ? "-" : ""
    if exponent < -4 || exponent >= 6 {
        var mantissa = String(digits.first!)
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let expSign = exponent < 0 ? "-" : "+"
        let expDigits = String(abs(exponent))
        return sign + mantissa + "e" + expSign + (expDigits.count < 2 ? "0" + expDigits : expDigits)
    }
    return sign + plain
}

/// Go's `%f` (six decimals) of a float64, with Go's spelling of the specials.
func goFormatF6(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
    return String(format: "%.6f", v)
}

/// Go's `%.3f`.
func goFormatF3(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
    return String(format: "%.3f", v)
}

/// Unquotes a PromQL string literal (`"…"`, `'…'` with Go escapes, or raw `` `…` ``), as the
/// lexer does. Returns nil when `text` is not one valid quoted string.
public func unquotePromQLString(_ text: String) -> String? { goUnquote(text) }
