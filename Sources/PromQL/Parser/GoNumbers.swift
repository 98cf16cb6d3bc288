import Foundation

// MARK: - Go number and duration parsing

struct GoParseFailure: Error { let text: String }

/// Prometheus's `number()`: `strconv.ParseInt(s, 0, 64)`, else `strconv.ParseFloat(s, 64)`.
func goParseNumber(_ text: String) -> Result<Double, GoParseFailure> {
    if let i = goParseInt(text) { return .success(Double(i)) }
    let lower = text.lowercased()
    switch lower {
    case "inf", "+inf", "infinity", "+infinity": return .success(.infinity)
    case "-inf", "-infinity": return .success(-.infinity)
    case "nan": return .success(.nan)
    default: break
    }
    let invalid = GoParseFailure(text: "strconv.ParseFloat: parsing \(goQuote(text)): invalid syntax")
    var cleaned = text
    if text.contains("_") {
        guard goUnderscoreOK(text) else { return .failure(invalid) }
        cleaned = text.replacingOccurrences(of: "_", with: "")
    }
    let allowed = Set("0123456789.eE+-")
    guard !cleaned.isEmpty, cleaned.allSatisfy({ allowed.contains($0) }), let v = Double(cleaned) else {
        return .failure(invalid)
    }
    if v.isInfinite {
        return .failure(GoParseFailure(text: "strconv.ParseFloat: parsing \(goQuote(text)): value out of range"))
    }
    return .success(v)
}

/// `strconv.ParseInt(s, 0, 64)` for unsigned literals; nil on any error.
func goParseInt(_ text: String) -> Int64? {
    var s = Substring(text)
    guard !s.isEmpty else { return nil }
    var base = 10
    if s.hasPrefix("0x") || s.hasPrefix("0X") { base = 16; s = s.dropFirst(2) }
    else if s.hasPrefix("0o") || s.hasPrefix("0O") { base = 8; s = s.dropFirst(2) }
    else if s.hasPrefix("0b") || s.hasPrefix("0B") { base = 2; s = s.dropFirst(2) }
    else if s.hasPrefix("0") && s.count > 1 { base = 8; s = s.dropFirst(1) }
    if text.contains("_") {
        guard goUnderscoreOK(text) else { return nil }
        s = Substring(s.replacingOccurrences(of: "_", with: ""))
    }
    guard !s.isEmpty else { return nil }
    return Int64(s, radix: base)
}

/// Go's `underscoreOK`: underscores only between digits or after a base prefix.
func goUnderscoreOK(_ text: String) -> Bool {
    let b = Array(text.utf8)
    var saw: Character = "^"
    var i = 0
    var hex = false
    if b.count >= 2, b[0] == 48, [98, 66, 111, 79, 120, 88].contains(b[1]) {
        i = 2
        saw = "0"
        hex = b[1] == 120 || b[1] == 88
    }
    while i < b.count {
        let ch = b[i]
        if (ch >= 48 && ch <= 57) || (hex && ((ch >= 97 && ch <= 102) || (ch >= 65 && ch <= 70))) {
            saw = "0"
        } else if ch == 95 {
            if saw != "0" { return false }
            saw = "_"
        } else {
            if saw == "_" { return false }
            saw = "!"
        }
        i += 1
    }
    return saw != "_"
}

/// Prometheus's duration syntax (`model.ParseDuration`), in nanoseconds, with its error texts.
func goParseDuration(_ text: String) -> Result<Int64, GoParseFailure> {
    if text == "0" { return .success(0) }
    if text.isEmpty { return .failure(GoParseFailure(text: "empty duration string")) }
    let units: [String: (Int, UInt64)] = [
        "ms": (7, 1_000_000), "s": (6, 1_000_000_000), "m": (5, 60_000_000_000), "h": (4, 3_600_000_000_000),
        "d": (3, 86_400_000_000_000), "w": (2, 604_800_000_000_000), "y": (1, 31_536_000_000_000_000),
    ]
    let invalid = GoParseFailure(text: "not a valid duration string: \(goQuote(text))")
    let b = Array(text.utf8)
    var i = 0
    var lastUnitPos = 0
    var total: UInt64 = 0
    while i < b.count {
        guard b[i] >= 48 && b[i] <= 57 else { return .failure(invalid) }
        var j = i
        while j < b.count, b[j] >= 48, b[j] <= 57 { j += 1 }
        guard let v = UInt64(String(decoding: b[i..<j], as: UTF8.self)) else { return .failure(invalid) }
        var k = j
        while k < b.count, !(b[k] >= 48 && b[k] <= 57) { k += 1 }
        if k == j { return .failure(invalid) }
        let unit = String(decoding: b[j..<k], as: UTF8.self)
        guard let (pos, mult) = units[unit] else {
            return .failure(GoParseFailure(text: "unknown unit \(goQuote(unit)) in duration \(goQuote(text))"))
        }
        if pos <= lastUnitPos { return .failure(invalid) }
        lastUnitPos = pos
        if v > (UInt64(1) << 63) / mult { return .failure(GoParseFailure(text: "duration out of range")) }
        total &+= v * mult
        if total > UInt64(Int64.max) { return .failure(GoParseFailure(text: "duration out of range")) }
        i = k
    }
    return .success(Int64(total))
}

/// Go's `time.Duration.Seconds()`.
func goDurationSeconds(_ ns: Int64) -> Double {
    let sec = ns / 1_000_000_000
    let nsec = ns % 1_000_000_000
    return Double(sec) + Double(nsec) / 1e9
}
