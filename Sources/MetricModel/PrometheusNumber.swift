/// Number text as Prometheus writes and reads it.
///
/// Contract: `format` gives Go's `strconv.FormatFloat(v, 'f', -1, 64)` — the shortest decimal that
/// round-trips, never in exponent form — except the specials, written `NaN`, `+Inf`, `-Inf`, which
/// is what Prometheus's API puts in JSON value strings. `parse` accepts Go's `ParseFloat` forms used
/// in expositions: decimals, exponents, `NaN`, `Inf`, `+Inf`, `-Inf` (any case).
public enum PrometheusNumber {
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        // Swift's description is the shortest round-tripping form; re-lay its digits without exponent.
        let text = value.magnitude.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...])!
        }
        var digits = ""
        var pointPosition = 0
        if let dot = mantissa.firstIndex(of: ".") {
            let whole = mantissa[..<dot], fraction = mantissa[mantissa.index(after: dot)...]
            digits = String(whole) + String(fraction)
            pointPosition = whole.count
        } else {
            digits = String(mantissa)
            pointPosition = mantissa.count
        }
        pointPosition += exponent
        // Trim leading zeros (keeping the point position consistent) and trailing zeros.
        while digits.count > 1, digits.first == "0" { digits.removeFirst(); pointPosition -= 1 }
        while digits.count > 1, digits.last == "0", digits.count > pointPosition { digits.removeLast() }
        var out = value < 0 ? "-" : ""
        if pointPosition <= 0 {
            out += "0." + String(repeating: "0", count: -pointPosition) + digits
        } else if pointPosition >= digits.count {
            out += digits + String(repeating: "0", count: pointPosition - digits.count)
        } else {
            let split = digits.index(digits.startIndex, offsetBy: pointPosition)
            out += digits[..<split] + "." + digits[split...]
        }
        return out
    }

    public static func parse<S: StringProtocol>(_ text: S) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        default: break
        }
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
                || first == UInt8(ascii: ".") || (first >= 48 && first <= 57) else { return nil }
        // Swift also accepts "infinity", "nan(...)" and hex forms; reject letters other than exponent.
        for byte in text.utf8 where (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) {
            if byte != UInt8(ascii: "e") && byte != UInt8(ascii: "E") { return nil }
        }
        return Double(String(text))
    }
}
