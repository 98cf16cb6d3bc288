import MetricModel
import PromQL

extension TestScript {
    /// Parses the text of a `.test` file (FORMAT.md §1–§8). `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ScriptError) -> TestScript {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0).trimmingWhitespace()
        }
        var commands: [Command] = []
        var index = 0
        func isBlank(_ line: String) -> Bool { line.isEmpty || line.hasPrefix("#") }
        while index < lines.count {
            let line = lines[index]
            if isBlank(line) { index += 1; continue }
            let lineNumber = index + 1
            let word = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map { String($0).lowercased() } ?? ""
            // `clear` is one line; the next line starts a new command.
            var end = index + 1
            while word != "clear", end < lines.count, !isBlank(lines[end]) { end += 1 }
            let block = Array(lines[index..<end])
            func fail(_ message: String, _ at: Int = lineNumber) -> ScriptError {
                ScriptError(file: file, line: at, message: message)
            }
            if word == "clear" {
                commands.append(.clear)
            } else if word.hasPrefix("load") {
                commands.append(.load(try parseLoad(block, firstLine: lineNumber, fail: fail)))
            } else if word.hasPrefix("eval") {
                commands.append(.eval(try parseEval(block, firstLine: lineNumber, fail: fail)))
            } else {
                throw fail("unknown command \"\(word)\"")
            }
            index = end
        }
        return TestScript(file: file, commands: commands)
    }

    static func words(_ line: String) -> [String] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    static func duration(_ text: String, _ fail: (String, Int) -> ScriptError, _ line: Int) throws(ScriptError) -> Int64 {
        if text == "0" { return 0 }
        guard let ms = try? PrometheusDuration.parse(text) else { throw fail("invalid duration \"\(text)\"", line) }
        return ms
    }

    static func parseLoad(_ block: [String], firstLine: Int, fail: (String, Int) -> ScriptError) throws(ScriptError) -> LoadCommand {
        let header = words(block[0])
        guard header.count == 2, header[0] == "load" || header[0] == "load_with_nhcb" else {
            throw fail("invalid load command \"\(block[0])\"", firstLine)
        }
        let interval = try duration(header[1], fail, firstLine)
        var series: [LoadedSeries] = []
        var positions: [Labels: Int] = [:]
        var pendingStart: Labels?
        for (offset, text) in block.dropFirst().enumerated() {
            let lineNumber = firstLine + 1 + offset
            let parsed: SeriesLine
            do { parsed = try SeriesLine.parse(text) } catch { throw fail(error.message, lineNumber) }
            if parsed.isStartTimestampLine {
                pendingStart = parsed.labels
                continue
            }
            var samples: [(Timestamp, Double)] = []
            var hasHistograms = false
            for (k, item) in parsed.positions.enumerated() {
                switch item {
                case .empty: break
                case let .float(v): samples.append((Int64(k) * interval, v))
                case .histogram: hasHistograms = true
                }
            }
            let loaded = LoadedSeries(labels: parsed.labels, samples: samples, hasHistograms: hasHistograms,
                                      hasStartTimestamps: pendingStart == parsed.labels)
            pendingStart = nil
            if let existing = positions[parsed.labels] {
                series[existing] = loaded
            } else {
                positions[parsed.labels] = series.count
                series.append(loaded)
            }
        }
        return LoadCommand(line: firstLine, interval: interval, withNHCB: header[0] == "load_with_nhcb", series: series)
    }

    static func parseEval(_ block: [String], firstLine: Int, fail: (String, Int) -> ScriptError) throws(ScriptError) -> EvalCase {
        let header = block[0]
        let parts = words(header)
        guard parts.count >= 3 else { throw fail("invalid eval header \"\(header)\"", firstLine) }
        let command = parts[0]
        var evalCase = EvalCase(line: firstLine, query: "", mode: .instant(0))
        let fixed: Int
        switch parts[1] {
        case "instant":
            guard parts.count >= 4, parts[2] == "at" else { throw fail("expected \"at <time>\" in \"\(header)\"", firstLine) }
            evalCase.mode = .instant(try duration(parts[3], fail, firstLine))
            fixed = 4
        case "range":
            guard parts.count >= 8, parts[2] == "from", parts[4] == "to", parts[6] == "step" else {
                throw fail("expected \"from <start> to <end> step <step>\" in \"\(header)\"", firstLine)
            }
            let start = try duration(parts[3], fail, firstLine), end = try duration(parts[5], fail, firstLine)
            let step = try duration(parts[7], fail, firstLine)
            guard end >= start else { throw fail("range end is before its start", firstLine) }
            guard step > 0 else { throw fail("range step must be positive", firstLine) }
            evalCase.mode = .range(start: start, end: end, step: step)
            fixed = 8
        default:
            throw fail("expected \"instant\" or \"range\" after \(command)", firstLine)
        }
        evalCase.query = queryText(header, skipping: fixed)
        switch command {
        case "eval": break
        case "eval_fail": evalCase.expectFail = .any
        case "eval_warn": evalCase.requireWarn = true
        case "eval_info": evalCase.requireInfo = true
        case "eval_ordered": evalCase.ordered = true
        default: throw fail("unknown eval command \"\(command)\"", firstLine)
        }
        var sawScalar = false
        for (offset, text) in block.dropFirst().enumerated() {
            let lineNumber = firstLine + 1 + offset
            if sawScalar { throw fail("nothing may follow an expected scalar", lineNumber) }
            if command == "eval_fail", text.hasPrefix("expected_fail_message ") {
                evalCase.expectFail = .exact(String(text.dropFirst("expected_fail_message ".count)).trimmingWhitespace())
                continue
            }
            if command == "eval_fail", text.hasPrefix("expected_fail_regexp ") {
                evalCase.expectFail = .regex(String(text.dropFirst("expected_fail_regexp ".count)).trimmingWhitespace())
                continue
            }
            if text.hasPrefix("expect range vector ") {
                let w = words(text)
                guard w.count == 9, w[3] == "from", w[5] == "to", w[7] == "step" else {
                    throw fail("invalid \"expect range vector\" line", lineNumber)
                }
                evalCase.rangeVector = (try duration(w[4], fail, lineNumber), try duration(w[6], fail, lineNumber),
                                        try duration(w[8], fail, lineNumber))
                continue
            }
            if text.hasPrefix("expect string ") {
                let quoted = String(text.dropFirst("expect string ".count)).trimmingWhitespace()
                guard let value = unquotePromQLString(quoted) else { throw fail("invalid expected string", lineNumber) }
                evalCase.expectString = value
                continue
            }
            if text.split(separator: " ").first == "expect" {
                try parseExpectLine(text, into: &evalCase, fail: { fail($0, lineNumber) })
                continue
            }
            if let number = parseTestNumber(text) {
                evalCase.scalar = number
                sawScalar = true
                continue
            }
            let parsed: SeriesLine
            do { parsed = try SeriesLine.parse(text) } catch { throw fail(error.message, lineNumber) }
            var values: [Double?] = []
            var hasHistograms = false
            for item in parsed.positions {
                switch item {
                case .empty: values.append(nil)
                case let .float(v): values.append(v)
                case .histogram: hasHistograms = true; values.append(nil)
                }
            }
            if case .instant = evalCase.mode, evalCase.rangeVector == nil, values.count != 1 {
                throw fail("an instant query expects exactly one value per series", lineNumber)
            }
            if case let .range(start, end, step) = evalCase.mode, values.count > Int((end - start) / step) + 1 {
                throw fail("more values than the range has steps", lineNumber)
            }
            evalCase.series.append(ExpectedSeries(labels: parsed.labels, values: values, hasHistograms: hasHistograms))
        }
        if evalCase.noWarn && !evalCase.expectWarn.isEmpty { throw fail("both warn and no_warn", firstLine) }
        if evalCase.noInfo && !evalCase.expectInfo.isEmpty { throw fail("both info and no_info", firstLine) }
        return evalCase
    }

    static func parseExpectLine(_ text: String, into evalCase: inout EvalCase, fail: (String) -> ScriptError) throws(ScriptError) {
        var rest = Substring(text.dropFirst("expect".count)).drop(while: { $0 == " " || $0 == "\t" })
        let kind = String(rest.prefix(while: { $0 != " " && $0 != "\t" }))
        rest = rest.dropFirst(kind.count).drop(while: { $0 == " " || $0 == "\t" })
        var check = MessageCheck.any
        if rest.hasPrefix("msg:") {
            check = .exact(String(rest.dropFirst(4)).trimmingWhitespace())
        } else if rest.hasPrefix("regex:") {
            check = .regex(String(rest.dropFirst(6)).trimmingWhitespace())
        } else if !rest.isEmpty {
            throw fail("invalid expect line \"\(text)\"")
        }
        switch kind {
        case "fail":
            if evalCase.expectFail != nil { throw fail("two \"expect fail\" lines") }
            evalCase.expectFail = check
        case "warn": evalCase.expectWarn.append(check)
        case "info": evalCase.expectInfo.append(check)
        case "no_warn": evalCase.noWarn = true
        case "no_info": evalCase.noInfo = true
        case "ordered": evalCase.ordered = true
        default: throw fail("unknown expectation \"\(kind)\"")
        }
    }

    /// The expression of a header: everything after the first `fixed` words, verbatim.
    static func queryText(_ header: String, skipping fixed: Int) -> String {
        var rest = Substring(header)
        for _ in 0..<fixed {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            rest = rest.drop(while: { $0 != " " && $0 != "\t" })
        }
        return String(rest).trimmingWhitespace()
    }
}

/// A number as the test language writes it: decimal or float, optional sign, `Inf`/`NaN` in any
/// case, `_` digit separators. Nil when `text` is not one.
func parseTestNumber(_ text: String) -> Double? {
    guard !text.isEmpty, !text.contains(" "), !text.contains("\t") else { return nil }
    let lower = text.lowercased()
    if lower.hasPrefix("0x") || lower.hasPrefix("+0x") || lower.hasPrefix("-0x") {
        let sign: Double = lower.hasPrefix("-") ? -1 : 1
        let digits = lower.drop(while: { $0 == "+" || $0 == "-" }).dropFirst(2)
        return Int64(digits, radix: 16).map { sign * Double($0) }
    }
    let cleaned = text.replacingOccurrences(of: "_", with: "")
    switch cleaned.lowercased() {
    case "inf", "+inf": return .infinity
    case "-inf": return -.infinity
    case "nan", "+nan", "-nan": return .nan
    default: break
    }
    guard cleaned.allSatisfy({ $0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-" }) else { return nil }
    return Double(cleaned)
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }

    func replacingOccurrences(of target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
