import Hummingbird
import MetricModel
import Storage

/// `/api/v1/labels`, `/api/v1/label/<name>/values` and `/api/v1/series`, with Prometheus's
/// parameters (`match[]`, `start`, `end`, `limit`), defaults and messages.
///
/// Contract: results are sorted and unique, an empty result is `[]`; several `match[]` give the
/// union; `limit` > 0 keeps the first `limit` entries and adds the warning
/// "results truncated due to limit" only when something was dropped.
enum LabelHandlers {
    static let truncated = "results truncated due to limit"

    static func labelNames(_ params: APIParameters, queryable: any Queryable) -> Response {
        respond { () throws(APIError) in
            let limit = try params.limit()
            let start = try params.time("start", default: APIParameters.minTime)
            let end = try params.time("end", default: APIParameters.maxTime)
            let sets = try params.matcherSets()
            let names = try storageCall(APIError.Kind.execution) {
                let querier = try queryable.querier(mint: start, maxt: end)
                if sets.count <= 1 { return try querier.labelNames(matchers: sets.first ?? []) }
                var union = Set<String>()
                for set in sets { union.formUnion(try querier.labelNames(matchers: set)) }
                return union.sorted()
            }
            return truncate(names, limit)
        }
    }

    static func labelValues(rawName: Substring, _ params: APIParameters, queryable: any Queryable) -> Response {
        respond { () throws(APIError) in
            let name = try labelName(fromPath: rawName)
            let limit = try params.limit()
            let start = try params.time("start", default: APIParameters.minTime)
            let end = try params.time("end", default: APIParameters.maxTime)
            let sets = try params.matcherSets()
            let values = try storageCall(APIError.Kind.execution) {
                let querier = try queryable.querier(mint: start, maxt: end)
                if sets.count <= 1 { return try querier.labelValues(name: name, matchers: sets.first ?? []).sorted() }
                var union = Set<String>()
                for set in sets { union.formUnion(try querier.labelValues(name: name, matchers: set)) }
                return union.sorted()
            }
            return truncate(values, limit)
        }
    }

    static func series(_ params: APIParameters, queryable: any Queryable) -> Response {
        if params.all("match[]").isEmpty { return APIResponse.badData("no match[] parameter provided") }
        let result: Result<([Labels], [String]), APIError> = Result { () throws(APIError) in
            let limit = try params.limit()
            let start = try params.time("start", default: APIParameters.minTime)
            let end = try params.time("end", default: APIParameters.maxTime)
            let sets = try params.matcherSets(invalidParameterName: "match[]")
            let found = try storageCall(APIError.Kind.execution) {
                let querier = try queryable.querier(mint: start, maxt: end)
                var unique = Set<Labels>()
                let hints = SelectHints(start: start, end: end, labelsOnly: true)
                for set in sets {
                    let series = try querier.select(sorted: false, hints: hints, matchers: set)
                    while let one = try series.next() { unique.insert(one.labels) }
                }
                return unique.sorted()
            }
            if limit > 0, found.count > limit { return (Array(found.prefix(limit)), [truncated]) }
            return (found, [])
        }
        switch result {
        case let .failure(error): return APIResponse.error(error)
        case let .success((series, warnings)):
            return APIResponse.success(warnings: warnings) { json in
                json.raw("[")
                for (index, labels) in series.enumerated() {
                    if index > 0 { json.raw(",") }
                    json.labels(labels)
                }
                json.raw("]")
            }
        }
    }

    /// The `<name>` path segment: percent-decoded, `U__`-unescaped, and valid UTF-8 and non-empty
    /// (Prometheus 3's label-name rule), else `invalid label name: "<name>"`.
    static func labelName(fromPath raw: Substring) throws(APIError) -> String {
        let bytes = PercentDecoding.decode(raw.utf8, plusIsSpace: false).bytes
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .badData("invalid label name: \(goQuoted(bytes: bytes))")
        }
        let name = decoded.hasPrefix("U__") ? unescapeLabelName(decoded) : decoded
        if name.isEmpty { throw .badData("invalid label name: \"\"") }
        return name
    }

    /// Prometheus's value-encoding escaping undone: after `U__`, `__` is `_` and `_<hex>_` is
    /// that code point. A malformed escape leaves the name as it was.
    static func unescapeLabelName(_ name: String) -> String {
        let body = Array(name.utf8.dropFirst(3))
        var out = ""
        var index = 0
        while index < body.count {
            let byte = body[index]
            if byte != UInt8(ascii: "_") {
                // Non-escape bytes pass through; collect a whole UTF-8 sequence at once.
                var end = index + 1
                while end < body.count, body[end] & 0xC0 == 0x80 { end += 1 }
                out += String(decoding: body[index..<end], as: UTF8.self)
                index = end
                continue
            }
            index += 1
            guard index < body.count else { return name }
            if body[index] == UInt8(ascii: "_") {
                out += "_"
                index += 1
                continue
            }
            var code: UInt32 = 0
            var digits = 0
            while true {
                // As upstream: at most five hex digits before the closing underscore.
                guard index < body.count, digits < 6 else { return name }
                if body[index] == UInt8(ascii: "_") {
                    guard let scalar = Unicode.Scalar(code) else { return name }
                    out.unicodeScalars.append(scalar)
                    index += 1
                    break
                }
                guard let digit = UInt32(String(UnicodeScalar(body[index])).lowercased(), radix: 16) else { return name }
                code = code * 16 + digit
                digits += 1
                index += 1
            }
        }
        return out
    }

    static func truncate(_ items: [String], _ limit: Int) -> ([String], [String]) {
        if limit > 0, items.count > limit { return (Array(items.prefix(limit)), [truncated]) }
        return (items, [])
    }

    static func respond(_ body: () throws(APIError) -> ([String], [String])) -> Response {
        do {
            let (items, warnings) = try body()
            return APIResponse.success(warnings: warnings) { $0.stringArray(items) }
        } catch {
            return APIResponse.error(error)
        }
    }
}

/// Runs a storage call, turning any error into an API error of `kind` carrying its text.
func storageCall<T>(_ kind: APIError.Kind, _ body: () throws -> T) throws(APIError) -> T {
    do { return try body() } catch let error as APIError { throw error } catch { throw APIError(kind, "\(error)") }
}
