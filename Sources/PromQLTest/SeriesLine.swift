import Foundation
import MetricModel
import PromQL

/// A series line of a `load` block or an `eval` expectation: a metric spec and a value sequence
/// (FORMAT.md §3).
///
/// Contract: `positions` has one entry per timestamp slot, in order (`NxK` expanded to K+1 items,
/// running sums added step by step as the reference runner does); histograms `{{...}}` are kept
/// only as `.histogram` markers. An `@st` line has `isStartTimestampLine` set and no positions.
struct SeriesLine {
    enum Position { case empty, float(Double), histogram }

    struct ParseError: Error { let message: String }

    var labels: Labels
    var positions: [Position]
    var isStartTimestampLine: Bool

    static func parse(_ text: String) throws(ParseError) -> SeriesLine {
        let chars = Array(text.unicodeScalars)
        var i = 0
        // The metric spec ends at the first space or tab outside braces and quotes.
        var depth = 0
        var quote: Unicode.Scalar?
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\" && q != "`" { i += 2; continue }
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" || c == "`" {
                quote = c
            } else if c == "{" {
                depth += 1
            } else if c == "}" {
                depth -= 1
            } else if (c == " " || c == "\t") && depth == 0 {
                break
            }
            i += 1
        }
        var spec = String(String.UnicodeScalarView(chars[0..<i]))
        let rest = String(String.UnicodeScalarView(chars[i...]))
        var isStart = false
        if spec.hasSuffix("@st") {
            isStart = true
            spec = String(spec.dropLast(3))
        }
        let labels = try parseMetricSpec(spec)
        if isStart { return SeriesLine(labels: labels, positions: [], isStartTimestampLine: true) }
        return SeriesLine(labels: labels, positions: try parseValues(rest), isStartTimestampLine: false)
    }

    static func parseMetricSpec(_ spec: String) throws(ParseError) -> Labels {
        let chars = Array(spec.unicodeScalars)
        var i = 0
        var pairs: [Label] = []
        func isIdent(_ c: Unicode.Scalar, first: Bool) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == ":" || (!first && c >= "0" && c <= "9")
        }
        var name = ""
        while i < chars.count, isIdent(chars[i], first: name.isEmpty) { name.unicodeScalars.append(chars[i]); i += 1 }
        if !name.isEmpty { pairs.append(Label(Labels.metricName, name)) }
        func skipSpaces() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        func readQuoted() throws(ParseError) -> String {
            let q = chars[i]
            var j = i + 1
            while j < chars.count, chars[j] != q { if chars[j] == "\\" && q != "`" { j += 1 }; j += 1 }
            guard j < chars.count else { throw ParseError(message: "unterminated string in \"\(spec)\"") }
            let raw = String(String.UnicodeScalarView(chars[i...j]))
            i = j + 1
            guard let value = unquotePromQLString(raw) else { throw ParseError(message: "invalid string \(raw)") }
            return value
        }
        if i < chars.count {
            guard chars[i] == "{" else { throw ParseError(message: "invalid metric spec \"\(spec)\"") }
            i += 1
            while true {
                skipSpaces()
                guard i < chars.count else { throw ParseError(message: "unterminated label set in \"\(spec)\"") }
                if chars[i] == "}" { i += 1; break }
                var labelName = ""
                var quotedName = false
                if chars[i] == "\"" || chars[i] == "'" || chars[i] == "`" {
                    labelName = try readQuoted()
                    quotedName = true
                } else {
                    while i < chars.count, isIdent(chars[i], first: labelName.isEmpty) { labelName.unicodeScalars.append(chars[i]); i += 1 }
                }
                skipSpaces()
                if quotedName, i < chars.count, chars[i] == "," || chars[i] == "}" {
                    pairs.append(Label(Labels.metricName, labelName))
                } else {
                    guard !labelName.isEmpty, i < chars.count, chars[i] == "=" else {
                        throw ParseError(message: "expected label=value in \"\(spec)\"")
                    }
                    i += 1
                    skipSpaces()
                    guard i < chars.count, chars[i] == "\"" || chars[i] == "'" || chars[i] == "`" else {
                        throw ParseError(message: "expected a quoted label value in \"\(spec)\"")
                    }
                    pairs.append(Label(labelName, try readQuoted()))
                }
                skipSpaces()
                if i < chars.count, chars[i] == "," { i += 1 }
            }
            guard i == chars.count else { throw ParseError(message: "unexpected text after labels in \"\(spec)\"") }
        }
        return Labels(pairs)
    }

    /// Splits the value part into items, keeping `{{...}}` literals whole.
    static func items(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var inHistogram = false
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if !inHistogram, c == "{", i + 1 < scalars.count, scalars[i + 1] == "{" {
                inHistogram = true
                current += "{{"
                i += 2
                continue
            }
            if inHistogram, c == "}", i + 1 < scalars.count, scalars[i + 1] == "}" {
                inHistogram = false
                current += "}}"
                i += 2
                continue
            }
            if !inHistogram, c == " " || c == "\t" {
                if !current.isEmpty { items.append(current); current = "" }
            } else {
                current.unicodeScalars.append(c)
            }
            i += 1
        }
        if !current.isEmpty { items.append(current) }
        return items
    }

    static func parseValues(_ text: String) throws(ParseError) -> [Position] {
        var positions: [Position] = []
        for item in items(text) {
            if item.contains("{{") {
                // Histogram literal, possibly `{{a}}+{{b}}xK`: count the positions only.
                var count = 1
                if let close = item.range(of: "}}", options: .backwards), let x = item[close.upperBound...].firstIndex(of: "x"),
                   let k = Int(item[item.index(after: x)...]) {
                    count = k + 1
                }
                positions.append(contentsOf: repeatElement(.histogram, count: count))
                continue
            }
            if item == "_" { positions.append(.empty); continue }
            if item == "stale" { positions.append(.float(.staleMarker)); continue }
            var base = Substring(item)
            var repeatCount: Int?
            if let x = item.lastIndex(of: "x") {
                guard let k = Int(item[item.index(after: x)...]), k >= 0 else {
                    throw ParseError(message: "invalid repetition in \"\(item)\"")
                }
                repeatCount = k
                base = item[..<x]
            }
            if base == "_" {
                positions.append(contentsOf: repeatElement(.empty, count: repeatCount ?? 1))
                continue
            }
            guard let k = repeatCount else {
                guard let v = parseTestNumber(String(base)) else { throw ParseError(message: "invalid value \"\(item)\"") }
                positions.append(.float(v))
                continue
            }
            // Find the operator between N and D: a + or - not at the start and not after an exponent mark.
            let scalars = Array(base.unicodeScalars)
            var opIndex: Int?
            var j = 1
            while j < scalars.count {
                if (scalars[j] == "+" || scalars[j] == "-") && scalars[j - 1] != "e" && scalars[j - 1] != "E" {
                    opIndex = j
                    break
                }
                j += 1
            }
            var start: Double, delta = 0.0
            if let op = opIndex {
                let n = String(String.UnicodeScalarView(scalars[0..<op]))
                let d = String(String.UnicodeScalarView(scalars[(op + 1)...]))
                guard let nv = parseTestNumber(n), let dv = parseTestNumber(d) else {
                    throw ParseError(message: "invalid value \"\(item)\"")
                }
                start = nv
                delta = scalars[op] == "-" ? -dv : dv
            } else {
                guard let nv = parseTestNumber(String(base)) else { throw ParseError(message: "invalid value \"\(item)\"") }
                start = nv
            }
            if base == "stale" {
                positions.append(contentsOf: repeatElement(.float(.staleMarker), count: k + 1))
                continue
            }
            for _ in 0...k {
                positions.append(.float(start))
                start += delta
            }
        }
        return positions
    }
}
