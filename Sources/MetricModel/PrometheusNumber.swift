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

    /// "00" "01" ... "99": two digits per division when printing integers (a static string, so
    /// reading it needs no lazy initialisation).
    private static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// The most bytes `writeShort` and `writeDigits` write.
    public static let shortTextLimit = 24

    /// Writes the decimal digits of `value` at `out` (at most 20 bytes); returns how many.
    @inline(__always)
    public static func writeDigits(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let length = digitCount(value)
        let pairs = digitPairs.utf8Start
        var end = length
        var rest = value
        while rest >= 100 {
            let pair = Int(rest % 100) &* 2
            rest /= 100
            end &-= 2
            out[end] = pairs[pair]
            out[end &+ 1] = pairs[pair &+ 1]
        }
        if rest >= 10 {
            out[0] = pairs[Int(rest) &* 2]
            out[1] = pairs[Int(rest) &* 2 &+ 1]
        } else {
            out[0] = UInt8(truncatingIfNeeded: 48 &+ rest)
        }
        return length
    }

    /// How many decimal digits `value` has (1 for 0), by comparisons alone.
    @inline(__always)
    static func digitCount(_ value: UInt64) -> Int {
        if value < 10_000_000_000 {
            if value < 100_000 {
                if value < 100 { return value < 10 ? 1 : 2 }
                return value < 1_000 ? 3 : (value < 10_000 ? 4 : 5)
            }
            if value < 10_000_000 { return value < 1_000_000 ? 6 : 7 }
            return value < 100_000_000 ? 8 : (value < 1_000_000_000 ? 9 : 10)
        }
        if value < 1_000_000_000_000_000 {
            if value < 1_000_000_000_000 { return value < 100_000_000_000 ? 11 : 12 }
            if value < 100_000_000_000_000 { return value < 10_000_000_000_000 ? 13 : 14 }
            return 15
        }
        if value < 100_000_000_000_000_000 { return value < 10_000_000_000_000_000 ? 16 : 17 }
        return value < 1_000_000_000_000_000_000 ? 18 : (value < 10_000_000_000_000_000_000 ? 19 : 20)
    }

    /// Writes `format(value)` at `out` when it is short — the specials, zero, whole numbers below
    /// 2^53 and decimals of at most 15 significant digits, at most `shortTextLimit` bytes — and
    /// returns its length; returns 0, writing nothing, for any other value.
    @inline(__always)
    public static func writeShort(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let magnitude = value.magnitude
        var sign = 0
        if value.sign == .minus, !value.isNaN {
            out[0] = UInt8(ascii: "-")
            sign = 1
        }
        // Whole numbers below 2^53 (counters, counts) are their integer's digits.
        if magnitude < 9_007_199_254_740_992, magnitude.rounded(.towardZero) == magnitude {
            return sign &+ writeDigits(UInt64(magnitude), to: out + sign)
        }
        if value.isNaN || value.isInfinite {
            let text: StaticString = value.isNaN ? "NaN" : (value < 0 ? "-Inf" : "+Inf")
            out.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
            return text.utf8CodeUnitCount
        }
        let written = writeShortDecimal(magnitude, to: out + sign)
        return written == 0 ? 0 : sign &+ written
    }

    /// The most bytes `writeLong` writes: a sign, "0.", 323 zeros and a digit for the smallest
    /// subnormal; the largest finite value has 309 digits.
    public static let longTextLimit = 330

    /// Writes `format(value)` at `out`, which must have room for `longTextLimit` bytes, for the
    /// values `writeShort` declines (any value works): Swift's shortest digits laid out without
    /// an exponent. Returns the length written.
    public static func writeLong(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        guard value.isFinite, value != 0 else { return copy(format(value), to: out) }
        var text = value.magnitude.description
        let written: Int = text.withUTF8 { utf8 in
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
                        guard count < digits.count else { return 0 }
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
                var end = 0
                func put(_ byte: UInt8) { out[end] = byte; end += 1 }
                func put(_ range: Range<Int>) {
                    (out + end).update(from: digits.baseAddress! + range.lowerBound, count: range.count)
                    end += range.count
                }
                if value < 0 { put(UInt8(ascii: "-")) }
                if point <= 0 {
                    put(UInt8(ascii: "0"))
                    put(UInt8(ascii: "."))
                    (out + end).initialize(repeating: UInt8(ascii: "0"), count: -point)
                    end += -point
                    put(first ..< count)
                } else if point >= significant {
                    put(first ..< count)
                    (out + end).initialize(repeating: UInt8(ascii: "0"), count: point - significant)
                    end += point - significant
                } else {
                    put(first ..< first + point)
                    put(UInt8(ascii: "."))
                    put(first + point ..< count)
                }
                return end
            }
        }
        return written > 0 ? written : copy(format(value), to: out)
    }

    /// Copies `text`'s UTF-8 bytes to `out`; returns how many.
    private static func copy(_ text: String, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var text = text
        return text.withUTF8 { utf8 in
            out.update(from: utf8.baseAddress!, count: utf8.count)
            return utf8.count
        }
    }

    /// 10^0 ... 10^22, every one exact in a Double (5^22 < 2^53), built by exact multiplication.
    private static let exactPowersOfTen: [Double] = {
        var powers: [Double] = [1]
        for _ in 1...22 { powers.append(powers[powers.count - 1] * 10) }
        return powers
    }()

    /// Writes a non-whole `magnitude` (positive) in [1e-5, 1e14) whose shortest decimal has at
    /// most 15 significant digits (at most 22 bytes), without the general float printer, and
    /// returns its length; returns 0, writing nothing, for any other value.
    ///
    /// Why it is exact: take K decimal places so that m = magnitude·10^K stays below 10^15. If some
    /// decimal with at most K places and 15 digits reads back as the value, the product is within
    /// 0.2 of that decimal's digits m (relative error 2^-53 of the value times m < 10^15, plus the
    /// product's own rounding), so rounding it gives m; `m / 10^K == magnitude` is then an exactly
    /// rounded division, the same test a correct parser's reading makes. Decimals of at most 15
    /// significant digits are further apart than doubles are, so that decimal is the only one of
    /// its length, and stripping m's trailing zeros gives the shortest, as Go's 'f', -1 prints it.
    static func writeShortDecimal(_ magnitude: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        guard magnitude >= 1e-5, magnitude < 1e14 else { return 0 }
        // floor(log10(2^e)) for the binary exponent, then at most one step down to keep m < 10^15.
        let decimalExponent = (Int(magnitude.exponent) &* 78913) >> 18
        var places = 14 - decimalExponent
        guard places >= 1, places <= 22 else { return 0 }
        let powers = exactPowersOfTen
        var scaled = magnitude * powers[places]
        if scaled >= 1e15 {
            places -= 1
            guard places >= 1 else { return 0 }
            scaled = magnitude * powers[places]
        }
        // Round to the nearest integer (ties to even) by adding and taking away 2^52: exact for
        // 0 <= scaled < 2^52, and no call into the C library.
        let digits = (scaled + 0x1p52) - 0x1p52
        guard digits < 1e15, digits / powers[places] == magnitude else { return 0 }
        var whole = UInt64(digits)
        // At most 14 trailing zeros (m < 10^15): strip 8, 4, 2 and 1 of them, each at most once.
        if places >= 8, whole % 100_000_000 == 0 { whole /= 100_000_000; places -= 8 }
        if places >= 4, whole % 10_000 == 0 { whole /= 10_000; places -= 4 }
        if places >= 2, whole % 100 == 0 { whole /= 100; places -= 2 }
        if places >= 1, whole % 10 == 0 { whole /= 10; places -= 1 }
        guard places > 0 else { return 0 }  // a whole number: the caller's integer path prints it
        // The digits, then the point moved in: "123" with 5 places is "0.00123", with 1 "12.3".
        let length = writeDigits(whole, to: out)
        if length > places {
            let point = length &- places
            (out + point + 1).update(from: out + point, count: places)
            out[point] = UInt8(ascii: ".")
            return length &+ 1
        }
        let zeros = places &- length
        (out + 2 + zeros).update(from: out, count: length)
        out[0] = UInt8(ascii: "0")
        out[1] = UInt8(ascii: ".")
        for index in 0..<zeros { out[2 &+ index] = UInt8(ascii: "0") }
        return places &+ 2
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
