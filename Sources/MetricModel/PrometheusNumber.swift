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

    /// Appends the decimal digits of `value` to `out`, formed last digit first in a scratch buffer
    /// and appended at once.
    public static func appendDigits(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            var first = scratch.count
            var rest = value
            repeat {
                first -= 1
                scratch[first] = UInt8(truncatingIfNeeded: 48 &+ rest % 10)
                rest /= 10
            } while rest > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[first...]))
        }
    }

    /// Appends `format(value)`'s UTF-8 bytes to `out`, without building intermediate strings
    /// (the API writes one per sample of every answer).
    public static func append(_ value: Double, to out: inout [UInt8]) {
        if value.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if value.isInfinite {
            out.append(value < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out.append(contentsOf: "Inf".utf8)
            return
        }
        if value == 0 {
            if value.sign == .minus { out.append(UInt8(ascii: "-")) }
            out.append(UInt8(ascii: "0"))
            return
        }
        // Whole numbers below 2^53 (counters, counts) are their integer's digits.
        if value.magnitude < 9_007_199_254_740_992, value.rounded(.towardZero) == value {
            if value < 0 { out.append(UInt8(ascii: "-")) }
            appendDigits(UInt64(value.magnitude), to: &out)
            return
        }
        var text = value.magnitude.description
        let laidOut: Bool = text.withUTF8 { utf8 in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
                // Shortest digits of Swift's description, the decimal point's position and the exponent.
                var count = 0, point = -1, exponent = 0, index = 0
                while index < utf8.count {
                    let byte = utf8[index]
                    if byte == UInt8(ascii: ".") {
                        point = count
                    } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                        var negative = false
                        index += 1
                        if index < utf8.count, utf8[index] == UInt8(ascii: "-") || utf8[index] == UInt8(ascii: "+") {
                            negative = utf8[index] == UInt8(ascii: "-")
                            index += 1
                        }
                        while index < utf8.count { exponent = exponent * 10 + Int(utf8[index] &- 48); index += 1 }
                        if negative { exponent = -exponent }
                        break
                    } else {
                        guard count < digits.count else { return false }
                        digits[count] = byte
                        count += 1
                    }
                    index += 1
                }
                if point < 0 { point = count }
                point += exponent
                // Trim leading zeros (moving the point with them) and trailing zeros after the point.
                var first = 0
                while count - first > 1, digits[first] == UInt8(ascii: "0") { first += 1; point -= 1 }
                while count - first > 1, digits[count - 1] == UInt8(ascii: "0"), count - first > point { count -= 1 }
                let significant = count - first
                if value < 0 { out.append(UInt8(ascii: "-")) }
                if point <= 0 {
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "."))
                    for _ in 0 ..< -point { out.append(UInt8(ascii: "0")) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[first ..< count]))
                } else if point >= significant {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[first ..< count]))
                    for _ in 0 ..< point - significant { out.append(UInt8(ascii: "0")) }
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[first ..< first + point]))
                    out.append(UInt8(ascii: "."))
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[first + point ..< count]))
                }
                return true
            }
        }
        if !laidOut { out.append(contentsOf: format(value).utf8) }
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
