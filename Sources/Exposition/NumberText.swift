#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number parsing straight from bytes, accepting what Prometheus's textparse accepts.
///
/// Floats: Go's `strconv.ParseFloat` forms minus `p`, `P` and `_` (Prometheus keeps to pre-Go-1.13
/// syntax): `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?`, `[+-]?inf`, `[+-]?infinity`, `nan`,
/// letters in any case. A finite literal too large for a Double is out of range, as in Go.
/// Exact (Clinger) fast path; longer or far-exponent literals go to `strtod` through a stack
/// buffer, so no heap allocation happens either way. (`strtod` reads the C locale's decimal point;
/// Ember never calls `setlocale`.)
enum NumberText {
    enum Outcome: Equatable {
        case value(Double)
        case invalid
        case outOfRange
    }

    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    static func parseFloat(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Outcome {
        var i = start
        guard i < end else { return .invalid }
        var negative = false
        if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            negative = b[i] == UInt8(ascii: "-")
            i += 1
            guard i < end else { return .invalid }
        }
        let lowered = b[i] | 0x20
        if lowered == UInt8(ascii: "i") {
            if matchesIgnoringCase(b, i, end, "inf") || matchesIgnoringCase(b, i, end, "infinity") {
                return .value(negative ? -.infinity : .infinity)
            }
            return .invalid
        }
        if lowered == UInt8(ascii: "n") {
            return i == start && matchesIgnoringCase(b, i, end, "nan") ? .value(.nan) : .invalid
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var inexact = false
        var sawDigit = false, sawPoint = false
        while i < end {
            let c = b[i]
            if isDigit(c) {
                sawDigit = true
                if mantissa == 0 && c == 48 {
                    if sawPoint { exponent -= 1 }
                } else if significant < 19 {
                    mantissa = mantissa * 10 + UInt64(c - 48)
                    significant += 1
                    if sawPoint { exponent -= 1 }
                } else {
                    if c != 48 { inexact = true }
                    if !sawPoint { exponent += 1 }
                }
            } else if c == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        guard sawDigit else { return .invalid }
        if i < end {
            guard b[i] | 0x20 == UInt8(ascii: "e") else { return .invalid }
            i += 1
            var exponentNegative = false
            if i < end, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                exponentNegative = b[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0
            let digitsStart = i
            while i < end, isDigit(b[i]) {
                if written < 1_000_000 { written = written * 10 + Int(b[i] - 48) }
                i += 1
            }
            guard i > digitsStart, i == end else { return .invalid }
            exponent += exponentNegative ? -written : written
        }
        if mantissa == 0 { return .value(negative ? -0.0 : 0.0) }
        if !inexact && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            var result = Double(mantissa)
            if exponent >= 0 { result *= exactPowersOfTen[exponent] } else { result /= exactPowersOfTen[-exponent] }
            return .value(negative ? -result : result)
        }
        let result = withUnsafeTemporaryAllocation(of: CChar.self, capacity: end - start + 1) { buffer in
            for k in start..<end { buffer[k - start] = CChar(bitPattern: b[k]) }
            buffer[end - start] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return result.isInfinite ? .outOfRange : .value(result)
    }

    /// Parses `digits` (no sign) into an Int64; nil on overflow or a non-digit.
    static func parseMilliseconds(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        guard start < end else { return nil }
        var total: Int64 = 0
        for i in start..<end {
            guard isDigit(b[i]) else { return nil }
            let (product, o1) = total.multipliedReportingOverflow(by: 10)
            let (sum, o2) = product.addingReportingOverflow(Int64(b[i] - 48))
            if o1 || o2 { return nil }
            total = sum
        }
        return total
    }

    /// OpenMetrics seconds (a float) to milliseconds: rounded to the microsecond first, then
    /// truncated, so `1.005` is 1005 ms (Prometheus's `int64(ts*1000)` gives 1004). Nil for NaN,
    /// infinities and values beyond Int64 milliseconds.
    static func secondsToMilliseconds(_ seconds: Double) -> Int64? {
        guard seconds.isFinite, (seconds * 1000).magnitude < 9.2e18 else { return nil }
        if seconds.magnitude >= 1e12 { return Int64(seconds * 1000) }
        return Int64((seconds * 1_000_000).rounded()) / 1000
    }

    private static func matchesIgnoringCase(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                            _ word: StaticString) -> Bool {
        guard end - start == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for k in 0..<(end - start) where b[start + k] | 0x20 != w[k] { return false }
        return true
    }
}
