import MetricModel

// Sample lines: series (name and label block), value, timestamp, OpenMetrics exemplar.
extension ExpositionParser {
    /// Parses the sample line starting at `start` (a name character or `{`) and moves past it.
    mutating func parseSample(_ b: Bytes, _ start: Int) throws(ParseFailure) {
        let om = format == .openMetrics
        var i = start
        var hasName = false
        nameQuoted = false
        if isMetricNameStart(b[i]) {
            while i < b.count, isMetricNameStart(b[i]) || isDigit(b[i]) { i += 1 }
            nameStart = start
            nameEnd = i
            hasName = true
        }
        var k = i
        if !om { k = skipBlanks(b, k) }
        if k < b.count, b[k] == asciiBraceOpen {
            i = try labelBlock(b, k + 1, exemplar: false, hasName: &hasName)
        }
        guard hasName else {
            throw ParseFailure(start, "metric name not set while parsing: \(goQuote(b, start, i))")
        }
        seriesStart = start
        seriesEnd = i
        currentTimestamp = nil
        if om { try openMetricsSuffix(b, i) } else { try textSuffix(b, i) }
    }

    /// Text: value (blanks before it optional), optional integer milliseconds, end of line.
    private mutating func textSuffix(_ b: Bytes, _ from: Int) throws(ParseFailure) {
        var i = skipBlanks(b, from)
        let valueStart = i
        while i < b.count, !isBlank(b[i]), b[i] != asciiNewline, b[i] != asciiBraceOpen { i += 1 }
        guard i > valueStart else {
            throw ParseFailure(valueStart, "expected value after metric, got \(got(b, valueStart))")
        }
        currentValue = try parseValue(b, valueStart, i)
        i = skipBlanks(b, i)
        if i < b.count, b[i] != asciiNewline {
            guard isDigit(b[i]) else {
                throw ParseFailure(i, "expected timestamp or new record, got \(got(b, i))")
            }
            let tsStart = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            guard let ms = NumberText.parseMilliseconds(b, tsStart, i) else {
                throw ParseFailure(tsStart, "timestamp \(goQuote(b, tsStart, i)) out of range")
            }
            currentTimestamp = ms
            i = skipBlanks(b, i)
            guard i >= b.count || b[i] == asciiNewline else {
                throw ParseFailure(i, "expected next entry after timestamp, got \(got(b, i))")
            }
        }
        pos = min(i + 1, b.count)
    }

    /// OpenMetrics: ` value`, optional ` seconds`, optional ` # {labels} value [seconds]`, newline.
    private mutating func openMetricsSuffix(_ b: Bytes, _ from: Int) throws(ParseFailure) {
        guard from < b.count else { throw ParseFailure(from, "data does not end with # EOF") }
        let valueEnd = spaceToken(b, from)
        guard valueEnd > from + 1 else {
            throw ParseFailure(from, "expected value after metric, got \(got(b, from))")
        }
        currentValue = try parseValue(b, from + 1, valueEnd)
        var i = valueEnd
        if startsExemplar(b, i) {
            i = try exemplar(b, i + 3)
        } else if i < b.count, b[i] == asciiSpace {
            let tsEnd = spaceToken(b, i)
            guard tsEnd > i + 1, b[i + 1] != UInt8(ascii: "c") else {
                throw ParseFailure(i, "expected timestamp or new record, got \(got(b, i))")
            }
            currentTimestamp = try parseSeconds(b, i + 1, tsEnd, what: "timestamp")
            i = tsEnd
            if startsExemplar(b, i) {
                i = try exemplar(b, i + 3)
            } else if i < b.count, b[i] != asciiNewline {
                throw ParseFailure(i, "expected next entry after timestamp, got \(got(b, i))")
            }
        }
        guard i < b.count else { throw ParseFailure(i, "data does not end with # EOF") }
        pos = i + 1
    }

    /// Checks an exemplar's `{labels} value [timestamp]` at `i` (the `{`); returns the newline index.
    private mutating func exemplar(_ b: Bytes, _ i: Int) throws(ParseFailure) -> Int {
        var ignored = true
        var k = try labelBlock(b, i + 1, exemplar: true, hasName: &ignored)
        guard k < b.count else { throw ParseFailure(k, "data does not end with # EOF") }
        let valueEnd = spaceToken(b, k)
        guard valueEnd > k + 1 else {
            throw ParseFailure(k, "expected value after exemplar labels, got \(got(b, k))")
        }
        _ = try parseValue(b, k + 1, valueEnd)
        k = valueEnd
        if k < b.count, b[k] == asciiSpace {
            let tsEnd = spaceToken(b, k)
            guard tsEnd > k + 1 else { throw ParseFailure(k, "expected timestamp or comment, got \(got(b, k))") }
            _ = try parseSeconds(b, k + 1, tsEnd, what: "exemplar timestamp")
            k = tsEnd
            guard k >= b.count || b[k] == asciiNewline else {
                throw ParseFailure(k, "expected next entry after exemplar timestamp, got \(got(b, k))")
            }
        }
        guard k < b.count else { throw ParseFailure(k, "data does not end with # EOF") }
        return k
    }

    /// The label block after `{` at `start`; returns the index after `}`. A quoted string followed
    /// by `,` or `}` is the metric name (not in exemplars). Text allows blanks between tokens and
    /// no comma between pairs (as Prometheus does); OpenMetrics allows neither.
    mutating func labelBlock(_ b: Bytes, _ start: Int, exemplar: Bool, hasName: inout Bool) throws(ParseFailure) -> Int {
        let om = format == .openMetrics
        var i = start
        while true {
            if !om { i = skipBlanks(b, i) }
            guard i < b.count else { throw ParseFailure(i, "expected label name, got \(got(b, i))") }
            let nameAt = i
            if b[i] == asciiBraceClose { return i + 1 }
            var quoted = false
            if isLabelNameStart(b[i]) {
                while i < b.count, isLabelNameStart(b[i]) || isDigit(b[i]) { i += 1 }
            } else if b[i] == asciiQuote, let end = scanQuoted(b, i, allowNewline: false)?.index {
                quoted = true
                i = end
            } else {
                throw ParseFailure(i, "expected label name, got \(got(b, i))")
            }
            let nameAfter = i
            if !om { i = skipBlanks(b, i) }
            if quoted, !exemplar, i < b.count, b[i] == asciiComma || b[i] == asciiBraceClose {
                guard !hasName else {
                    throw ParseFailure(nameAt, "metric name already set, got \(goQuote(b, nameAt, nameAfter))")
                }
                try checkQuotedName(b, nameAt + 1, nameAfter - 1, what: "metric name")
                nameStart = nameAt + 1
                nameEnd = nameAfter - 1
                nameQuoted = true
                hasName = true
                if b[i] == asciiComma { i += 1 }
                continue
            }
            if quoted { try checkQuotedName(b, nameAt + 1, nameAfter - 1, what: "label name") }
            guard i < b.count, b[i] == asciiEqual else { throw ParseFailure(i, "expected equal, got \(got(b, i))") }
            i += 1
            if !om { i = skipBlanks(b, i) }
            guard i < b.count, b[i] == asciiQuote, let end = scanQuoted(b, i, allowNewline: !om) else {
                throw ParseFailure(i, "expected label value, got \(got(b, i))")
            }
            if end.highBytes, !isValidUTF8(b, i + 1, end.index - 1) {
                throw ParseFailure(i, "invalid UTF-8 label value: \(goQuote(b, i, end.index))")
            }
            i = end.index
            if !om { i = skipBlanks(b, i) }
            if i < b.count, b[i] == asciiComma {
                i += 1
            } else if om, !(i < b.count && b[i] == asciiBraceClose) {
                throw ParseFailure(i, "expected comma or brace close, got \(got(b, i))")
            }
        }
    }

    /// A `"…"` string at `i`: the index after its closing quote and whether it holds bytes ≥ 0x80;
    /// nil if unterminated, or broken by a newline (allowed raw only in text label values).
    func scanQuoted(_ b: Bytes, _ i: Int, allowNewline: Bool) -> (index: Int, highBytes: Bool)? {
        var k = i + 1
        var high = false
        while k < b.count {
            let c = b[k]
            if c == asciiQuote { return (k + 1, high) }
            if c == asciiBackslash {
                k += 1
                guard k < b.count, b[k] != asciiNewline else { return nil }
            } else if c == asciiNewline, !allowNewline {
                return nil
            }
            if b[k] >= 0x80 { high = true }
            k += 1
        }
        return nil
    }

    /// A quoted metric or label name must be non-empty UTF-8.
    func checkQuotedName(_ b: Bytes, _ start: Int, _ end: Int, what: String) throws(ParseFailure) {
        guard start < end else { throw ParseFailure(start - 1, "empty \(what) \"\"") }
        guard isValidUTF8(b, start, end) else {
            throw ParseFailure(start - 1, "invalid UTF-8 \(what): \(goQuote(b, start - 1, end + 1))")
        }
    }

    private func parseValue(_ b: Bytes, _ start: Int, _ end: Int) throws(ParseFailure) -> Double {
        switch NumberText.parseFloat(b, start, end) {
        case let .value(v): return v
        case .outOfRange: throw ParseFailure(start, "value \(goQuote(b, start, end)) out of range")
        case .invalid:
            let crlf = b[end - 1] == 13 ? " (\\r\\n line endings are not supported)" : ""
            throw ParseFailure(start, "invalid value \(goQuote(b, start, end))\(crlf)")
        }
    }

    private func parseSeconds(_ b: Bytes, _ start: Int, _ end: Int, what: String) throws(ParseFailure) -> Int64 {
        guard case let .value(seconds) = NumberText.parseFloat(b, start, end),
              let ms = NumberText.secondsToMilliseconds(seconds) else {
            throw ParseFailure(start, "invalid \(what) \(goQuote(b, start, end))")
        }
        return ms
    }

    /// End of an OpenMetrics ` token` starting with the space at `i`: next space, newline or end.
    private func spaceToken(_ b: Bytes, _ i: Int) -> Int {
        guard i < b.count, b[i] == asciiSpace else { return i }
        var k = i + 1
        while k < b.count, b[k] != asciiSpace, b[k] != asciiNewline { k += 1 }
        return k
    }

    private func startsExemplar(_ b: Bytes, _ i: Int) -> Bool {
        i + 3 < b.count && b[i] == asciiSpace && b[i + 1] == asciiHash && b[i + 2] == asciiSpace
            && b[i + 3] == asciiBraceOpen
    }

    func skipBlanks(_ b: Bytes, _ i: Int) -> Int {
        var k = i
        while k < b.count, isBlank(b[k]) { k += 1 }
        return k
    }
}
