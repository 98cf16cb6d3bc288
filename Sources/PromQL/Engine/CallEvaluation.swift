import Foundation
import MetricModel

/// Function calls: dispatch to range functions (per series of the range argument) or to
/// instant-vector and scalar functions.
extension Evaluator {
    func evalCall(_ call: Call, _ args: [Node], at t: Timestamp) throws(QueryError) -> EvalValue {
        let name = call.function.name
        if let matrixIndex = call.args.firstIndex(where: { $0.type == .matrix }) {
            return .vector(try evalRangeCall(call, args, matrixIndex: matrixIndex, at: t))
        }
        switch name {
        case "time": return .scalar(Double(t) / 1000)
        case "pi": return .scalar(Double.pi)
        case "start": return .scalar(Double(start) / 1000)
        case "end": return .scalar(Double(end) / 1000)
        case "range": return .scalar(Double(end - start) / 1000)
        case "step": return .scalar(Double(step) / 1000)
        case "max_of", "min_of":
            let a = try eval(args[0], at: t).scalar, b = try eval(args[1], at: t).scalar
            if a.isNaN || b.isNaN { return .scalar(.nan) }
            return .scalar(name == "max_of" ? max(a, b) : min(a, b))
        case "scalar":
            let v = try eval(args[0], at: t).vector
            return .scalar(v.count == 1 ? v[0].value : .nan)
        case "vector":
            return .vector([Element(labels: .empty, value: try eval(args[0], at: t).scalar, timestamp: t, dropName: false)])
        case "label_replace": return .vector(try labelReplace(args, at: t))
        case "label_join": return .vector(try labelJoin(args, at: t))
        case "info": return .vector(try evalInfo(call, args, at: t))
        default:
            break
        }
        var scalars: [Double] = []
        var strings: [String] = []
        var vector: [Element] = []
        for (i, arg) in args.enumerated() {
            switch try eval(arg, at: t) {
            case let .scalar(v): scalars.append(v)
            case let .string(s): strings.append(s)
            case let .vector(v) where i == 0 || call.function.argTypes.first != .vector: vector = v
            case let .vector(v): vector = v
            case .matrix: break
            }
        }
        if name == "timestamp" {
            let useSampleTime: Bool
            if case .selector = args[0] { useSampleTime = true } else { useSampleTime = false }
            let out = vector.map { Element(labels: $0.labels, value: Double(useSampleTime ? $0.timestamp : t) / 1000,
                                           timestamp: t, dropName: true) }
            return .vector(out)
        }
        let out = try InstantFunctions.apply(name, vector, scalars: scalars, strings: strings, argCount: args.count,
                                             call: call, at: t, self)
        if checkDuplicatesPerStep { try checkUnique(out) }
        return .vector(out)
    }

    func evalRangeCall(_ call: Call, _ args: [Node], matrixIndex: Int, at t: Timestamp) throws(QueryError) -> [Element] {
        let name = call.function.name
        var scalars: [Double] = []
        for (i, arg) in args.enumerated() where i != matrixIndex {
            scalars.append(try eval(arg, at: t).scalar)
        }
        let series: [RangeSeries]
        var window = RangeWindow(start: t, end: t, seconds: 0)
        var extended: (anchored: Bool, smoothed: Bool) = (false, false)
        switch args[matrixIndex] {
        case let .matrix(selector):
            if selector.anchored, !ExtendedRange.anchoredFunctions.contains(name) {
                throw .execution("anchored modifier can only be used with: \(ExtendedRange.anchoredFunctions.sorted().joined(separator: ", ")) - not with \(name)")
            }
            if selector.smoothed, !ExtendedRange.smoothedFunctions.contains(name) {
                throw .execution("smoothed modifier can only be used with: \(ExtendedRange.smoothedFunctions.sorted().joined(separator: ", ")) - not with \(name)")
            }
            extended = (selector.anchored, selector.smoothed)
            series = try selectRange(selector, at: t)
            let base = (selector.at ?? t) - selector.offset
            window = RangeWindow(start: base - selector.range, end: base, seconds: Double(selector.range) / 1000)
        case let .subquery(subquery):
            series = try evalSubquery(subquery, at: t)
            let base = (subquery.at ?? t) - subquery.offset
            window = RangeWindow(start: base - subquery.range, end: base, seconds: Double(subquery.range) / 1000)
        default:
            if case let .matrix(m) = try eval(args[matrixIndex], at: t) { series = m } else { series = [] }
        }
        if name == "absent_over_time" {
            guard series.isEmpty else { return [] }
            return [Element(labels: absentLabels(call.args[matrixIndex]), value: 1, timestamp: t, dropName: true)]
        }
        let keepsName = name == "last_over_time" || name == "first_over_time"
        var out: [Element] = []
        for s in series {
            let result: Double?
            if extended.anchored || extended.smoothed {
                result = ExtendedRange.apply(name, s, window, smoothed: extended.smoothed)
            } else {
                result = try RangeFunctions.apply(name, s, window, scalars, at: t, self)
            }
            guard let value = result else { continue }
            if name == "rate" || name == "increase", let metric = s.labels.metricName,
               !["_total", "_sum", "_count", "_bucket"].contains(where: { metric.hasSuffix($0) }) {
                info("metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(goQuote(metric))")
            }
            out.append(Element(labels: s.labels, value: value, timestamp: t, dropName: !keepsName || s.dropName))
        }
        try account(out.count)
        return out
    }

    /// The labels `absent()` reports: the equality matchers of a selector argument, except a
    /// label matched more than once.
    func absentLabels(_ expr: Expr) -> Labels {
        var matchers: [LabelMatcher] = []
        switch expr {
        case let .vectorSelector(vs): matchers = vs.matchers
        case let .matrixSelector(ms): matchers = ms.selector.matchers
        default: return .empty
        }
        var builder = LabelsBuilder()
        var seen = Set<String>()
        for m in matchers where m.name != Labels.metricName {
            if m.kind == .equal, !seen.contains(m.name) {
                builder.set(m.name, m.value)
                seen.insert(m.name)
            } else {
                builder.delete(m.name)
            }
        }
        return builder.labels
    }

    func labelReplace(_ args: [Node], at t: Timestamp) throws(QueryError) -> [Element] {
        func string(_ i: Int) throws(QueryError) -> String {
            if case let .string(s) = try eval(args[i], at: t) { return s }
            return ""
        }
        let dst = try string(1), replacement = try string(2), src = try string(3), pattern = try string(4)
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: "^(?s:" + pattern + ")$")
        } catch {
            throw .execution("invalid regular expression in label_replace(): \(pattern)")
        }
        guard isValidUTF8LabelName(dst) else { throw .execution("invalid destination label name in label_replace(): \(dst)") }
        var out = try eval(args[0], at: t).vector
        for i in out.indices {
            let value = out[i].labels[src] ?? ""
            let range = NSRange(value.startIndex..., in: value)
            guard let match = regex.firstMatch(in: value, range: range) else { continue }
            let result = expandTemplate(replacement, match: match, in: value, regex: regex)
            out[i].labels = out[i].labels.setting(dst, to: result)
            if dst == Labels.metricName { out[i].dropName = false }
        }
        try checkUnique(out)
        return out
    }

    func labelJoin(_ args: [Node], at t: Timestamp) throws(QueryError) -> [Element] {
        var strings: [String] = []
        for arg in args.dropFirst() {
            if case let .string(s) = try eval(arg, at: t) { strings.append(s) }
        }
        let dst = strings[0], separator = strings[1], sources = Array(strings.dropFirst(2))
        for src in sources where !isValidUTF8LabelName(src) {
            throw .execution("invalid source label name in label_join(): \(src)")
        }
        guard isValidUTF8LabelName(dst) else { throw .execution("invalid destination label name in label_join(): \(dst)") }
        var out = try eval(args[0], at: t).vector
        for i in out.indices {
            let joined = sources.map { out[i].labels[$0] ?? "" }.joined(separator: separator)
            out[i].labels = out[i].labels.setting(dst, to: joined)
            if dst == Labels.metricName { out[i].dropName = false }
        }
        try checkUnique(out)
        return out
    }

    /// Go's `Regexp.ExpandString`: `$1`, `${1}`, `$name`, `${name}` and `$$`; an unknown or
    /// unmatched group expands to nothing.
    func expandTemplate(_ template: String, match: NSTextCheckingResult, in text: String, regex: NSRegularExpression) -> String {
        let chars = Array(template.unicodeScalars)
        var out = ""
        var i = 0
        func group(_ name: String) -> String {
            var range = NSRange(location: NSNotFound, length: 0)
            if let number = Int(name), name.allSatisfy(\.isASCII) {
                if number < match.numberOfRanges { range = match.range(at: number) }
            } else {
                range = match.range(withName: name)
            }
            guard range.location != NSNotFound, let r = Range(range, in: text) else { return "" }
            return String(text[r])
        }
        func isNameChar(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
        }
        while i < chars.count {
            let c = chars[i]
            guard c == "$", i + 1 < chars.count else { out.unicodeScalars.append(c); i += 1; continue }
            let next = chars[i + 1]
            if next == "$" { out += "$"; i += 2; continue }
            if next == "{" {
                var j = i + 2
                var name = ""
                while j < chars.count, isNameChar(chars[j]) { name.unicodeScalars.append(chars[j]); j += 1 }
                if j < chars.count, chars[j] == "}", !name.isEmpty {
                    out += group(name)
                    i = j + 1
                } else {
                    out.unicodeScalars.append(c)
                    i += 1
                }
                continue
            }
            var j = i + 1
            var name = ""
            while j < chars.count, isNameChar(chars[j]) { name.unicodeScalars.append(chars[j]); j += 1 }
            if name.isEmpty {
                out.unicodeScalars.append(c)
                i += 1
            } else {
                out += group(name)
                i = j
            }
        }
        return out
    }
}
