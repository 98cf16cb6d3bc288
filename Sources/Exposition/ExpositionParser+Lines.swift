import MetricModel

// Line-level grammar: which kind of line starts at the cursor, comments and metadata.
extension ExpositionParser {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// Text 0.0.4: blanks may lead a line, blank lines and `#` comments are allowed, the last line
    /// may lack its newline.
    mutating func nextText(_ b: Bytes) throws(ParseFailure) -> ExpositionEntry {
        while true {
            var i = pos
            while i < b.count, isBlank(b[i]) { i += 1 }
            guard i < b.count else {
                pos = i
                finished = true
                return .eof
            }
            let c = b[i]
            if c == asciiNewline { pos = i + 1; continue }
            if c == asciiHash { return try textComment(b, i) }
            if c == asciiBraceOpen || isMetricNameStart(c) {
                try parseSample(b, i)
                return .sample
            }
            throw ParseFailure(i, "expected a valid start token, got \(got(b, i))")
        }
    }

    /// OpenMetrics 1.0: no blank lines, no free comments, single spaces, `# EOF` last.
    mutating func nextOpenMetrics(_ b: Bytes) throws(ParseFailure) -> ExpositionEntry {
        while true {
            let i = pos
            guard i < b.count else { throw ParseFailure(i, "data does not end with # EOF") }
            let c = b[i]
            if c == asciiHash, i + 1 < b.count, b[i + 1] == asciiSpace {
                let k = i + 2
                if hasPrefix(b, k, "EOF") {
                    var after = k + 3
                    if after < b.count, b[after] == asciiNewline { after += 1 }
                    guard after == b.count else { throw ParseFailure(after, "unexpected data after # EOF") }
                    pos = after
                    finished = true
                    return .eof
                }
                for (word, entry) in [("HELP ", ExpositionEntry.help), ("TYPE ", .type), ("UNIT ", .unit)]
                where hasPrefix(b, k, word) {
                    return try metadata(b, k + 5, entry)
                }
            } else if c == asciiBraceOpen || isMetricNameStart(c) {
                try parseSample(b, i)
                if skipsCreatedSeries && isCreatedSeries(b) { continue }
                return .sample
            }
            throw ParseFailure(i, "expected a valid start token, got \(got(b, i))")
        }
    }

    /// `#` at `i`: `# HELP`/`# TYPE` (blanks after `#` and after the keyword), else a comment.
    private mutating func textComment(_ b: Bytes, _ i: Int) throws(ParseFailure) -> ExpositionEntry {
        var k = i + 1
        if k < b.count, isBlank(b[k]) {
            while k < b.count, isBlank(b[k]) { k += 1 }
            for (word, entry) in [("HELP", ExpositionEntry.help), ("TYPE", .type)]
            where hasPrefix(b, k, word) && k + 4 < b.count && isBlank(b[k + 4]) {
                var start = k + 4
                while start < b.count, isBlank(b[start]) { start += 1 }
                return try metadata(b, start, entry)
            }
        }
        let end = lineEnd(b, k)
        textStart = k
        textEnd = end
        pos = min(end + 1, b.count)
        return .comment
    }

    /// The metric name at `i` and the rest of the line, for HELP, TYPE or UNIT.
    private mutating func metadata(_ b: Bytes, _ i: Int, _ entry: ExpositionEntry) throws(ParseFailure)
        -> ExpositionEntry {
        let keyword = entry == .help ? "HELP" : entry == .type ? "TYPE" : "UNIT"
        let om = format == .openMetrics
        var k = i
        if k < b.count, b[k] == asciiQuote, let end = scanQuoted(b, k, allowNewline: false)?.index {
            nameStart = k + 1
            nameEnd = end - 1
            nameQuoted = true
            try checkQuotedName(b, nameStart, nameEnd, what: "metric name")
            k = end
        } else if k < b.count, isMetricNameStart(b[k]) {
            nameStart = k
            while k < b.count, isMetricNameStart(b[k]) || isDigit(b[k]) { k += 1 }
            nameEnd = k
            nameQuoted = false
        } else {
            throw ParseFailure(k, "expected metric name after \(keyword), got \(got(b, k))")
        }
        let end = lineEnd(b, k)
        if om {
            guard k < b.count, b[k] == asciiSpace else {
                throw ParseFailure(k, "expected text in \(keyword), got \(got(b, k))")
            }
            guard end < b.count else { throw ParseFailure(end, "data does not end with # EOF") }
            k += 1
        } else if k < end {
            // Prometheus drops the one character after the name; only a blank is accepted here.
            guard isBlank(b[k]) else {
                throw ParseFailure(k, "expected text in \(keyword), got \(got(b, k))")
            }
            k += 1
        }
        textStart = k
        textEnd = end
        switch entry {
        case .type:
            guard let type = metricType(b, k, end) else {
                throw ParseFailure(k, "invalid metric type \(goQuote(b, k, end))")
            }
            currentType = type
            familyStart = nameStart
            familyEnd = nameEnd
            familyType = type
        case .help:
            guard isValidUTF8(b, k, end) else {
                throw ParseFailure(k, "help text \(goQuote(b, k, end)) is not a valid utf8 string")
            }
        default:
            let unitLength = end - k
            let nameLength = nameEnd - nameStart
            if unitLength > 0, nameLength < unitLength + 1 || b[nameEnd - unitLength - 1] != UInt8(ascii: "_")
                || !UnsafeBufferPointer(rebasing: b[(nameEnd - unitLength)..<nameEnd])
                .elementsEqual(UnsafeBufferPointer(rebasing: b[k..<end])) {
                throw ParseFailure(k, "unit \(goQuote(b, k, end)) not a suffix of metric \(goQuote(b, nameStart, nameEnd))")
            }
        }
        pos = min(end + 1, b.count)
        return entry
    }

    /// The TYPE word: text 0.0.4 knows five, OpenMetrics eight (`unknown` instead of `untyped`).
    private func metricType(_ b: Bytes, _ start: Int, _ end: Int) -> MetricType? {
        let word = UnsafeBufferPointer(rebasing: b[start..<end])
        let text: [(StaticString, MetricType)] = [
            ("counter", .counter), ("gauge", .gauge), ("histogram", .histogram), ("summary", .summary),
            ("untyped", .unknown),
        ]
        let openMetrics: [(StaticString, MetricType)] = [
            ("counter", .counter), ("gauge", .gauge), ("histogram", .histogram), ("summary", .summary),
            ("gaugehistogram", .gaugehistogram), ("info", .info), ("stateset", .stateset), ("unknown", .unknown),
        ]
        for (name, type) in format == .openMetrics ? openMetrics : text
        where word.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)) {
            return type
        }
        return nil
    }

    /// Whether the sample just parsed is `<family>_created` of a counter, histogram or summary family.
    private func isCreatedSeries(_ b: Bytes) -> Bool {
        switch familyType {
        case .counter?, .histogram?, .summary?: break
        default: return false
        }
        let suffix = "_created".utf8
        let familyLength = familyEnd - familyStart
        guard nameEnd - nameStart == familyLength + suffix.count else { return false }
        return UnsafeBufferPointer(rebasing: b[nameStart..<(nameStart + familyLength)])
            .elementsEqual(UnsafeBufferPointer(rebasing: b[familyStart..<familyEnd]))
            && UnsafeBufferPointer(rebasing: b[(nameStart + familyLength)..<nameEnd]).elementsEqual(suffix)
    }

    func hasPrefix(_ b: Bytes, _ i: Int, _ word: String) -> Bool {
        var k = i
        for byte in word.utf8 {
            guard k < b.count, b[k] == byte else { return false }
            k += 1
        }
        return true
    }

    /// Index of the newline ending the line at `i`, or the end of input.
    func lineEnd(_ b: Bytes, _ i: Int) -> Int {
        var k = i
        while k < b.count, b[k] != asciiNewline { k += 1 }
        return k
    }

    /// The offending input at `i` for a message: a newline, or up to the next blank, `,` or `}`.
    func got(_ b: Bytes, _ i: Int) -> String {
        guard i < b.count else { return format == .openMetrics ? "EOF" : "\"\\n\"" }
        var end = i + 1
        if b[i] != asciiNewline && b[i] != asciiComma && b[i] != asciiBraceClose {
            while end < b.count, end - i < 40, !isBlank(b[end]),
                  b[end] != asciiNewline, b[end] != asciiComma, b[end] != asciiBraceClose { end += 1 }
        }
        return goQuote(b, i, end)
    }
}
