import MetricModel

/// Parses a series selector such as the HTTP API's `match[]` (`up`, `{job="api"}`,
/// `http_requests_total{code=~"5.."}`) and returns its matchers, as Prometheus's
/// `ParseMetricSelector` does.
///
/// Contract: the whole input must be one vector selector without modifiers; anything else fails
/// with Prometheus's message for the first offending token (`1:3: parse error: unexpected <op:+>`).
/// When the name is written outside the braces its `__name__` matcher comes last. Unlike a full
/// query, no "at least one non-empty matcher" check is made here: the API makes its own.
public func parseMetricSelector(_ input: String) throws(PromQLParseError) -> [LabelMatcher] {
    var parser = Parser(input, options: .all)
    return try parser.parseMetricSelectorTop()
}

extension Parser {
    mutating func parseMetricSelectorTop() throws(PromQLParseError) -> [LabelMatcher] {
        let first = try peek()
        let selector: VectorSelector
        if first.kind == .leftBrace {
            selector = try parseVectorSelector(nameToken: nil)
        } else if Parser.isMetricIdentifier(first.kind) {
            _ = advance()
            selector = try parseVectorSelector(nameToken: first)
        } else {
            throw unexpected(first, "", "")
        }
        let rest = try peek()
        if rest.kind != .eof { throw unexpected(rest, "", "") }
        return selector.matchers
    }
}
