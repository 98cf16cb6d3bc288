import Foundation
import MetricModel

/// A PromQL parse or type error, reported like Prometheus's `ParseErr`.
///
/// Contract: `position` is the offending span in UTF-8 byte offsets; `message` is Prometheus's
/// message text; `description` is `"<line>:<column>: parse error: <message>"` with a 1-based line
/// and a 1-based byte column, exactly as Prometheus prints it (`unknown position` for an empty query).
public struct PromQLParseError: Error, Equatable, CustomStringConvertible {
    public var position: SourceRange
    public var message: String
    public var query: String

    public init(position: SourceRange, message: String, query: String) {
        self.position = position
        self.message = message
        self.query = query
    }

    /// `line:column` of the start of `position`, as Prometheus computes it.
    public var lineColumn: String {
        if query.isEmpty { return "unknown position" }
        let bytes = Array(query.utf8)
        let pos = position.start
        if pos < 0 || pos > bytes.count { return "invalid position" }
        var lastLineBreak = -1
        var line = 1
        for i in 0..<pos where bytes[i] == 10 {
            lastLineBreak = i
            line += 1
        }
        return "\(line):\(pos - lastLineBreak)"
    }

    public var description: String { "\(lineColumn): parse error: \(message)" }
}

/// Parser switches for Prometheus's experimental syntax.
///
/// Contract: `.all` (the default of `parsePromQL`) enables everything, as the Prometheus test
/// corpus does; `.prometheusDefaults` mirrors a Prometheus server started without feature flags
/// (the gated constructs then fail with Prometheus's "not enabled" messages).
public struct PromQLParseOptions: Sendable, Equatable {
    public var enableExperimentalFunctions: Bool
    public var enableDurationExpressions: Bool
    public var enableExtendedRangeSelectors: Bool
    public var enableBinopFillModifiers: Bool

    public init(enableExperimentalFunctions: Bool = true, enableDurationExpressions: Bool = true,
                enableExtendedRangeSelectors: Bool = true, enableBinopFillModifiers: Bool = true) {
        self.enableExperimentalFunctions = enableExperimentalFunctions
        self.enableDurationExpressions = enableDurationExpressions
        self.enableExtendedRangeSelectors = enableExtendedRangeSelectors
        self.enableBinopFillModifiers = enableBinopFillModifiers
    }

    public static let all = PromQLParseOptions()
    public static let prometheusDefaults = PromQLParseOptions(
        enableExperimentalFunctions: false, enableDurationExpressions: false,
        enableExtendedRangeSelectors: false, enableBinopFillModifiers: false)
}

/// Parses and type-checks a PromQL expression with every Prometheus 3.x feature enabled.
/// Throws the first error Prometheus would report.
public func parsePromQL(_ input: String) throws(PromQLParseError) -> Expr {
    try parsePromQL(input, options: .all)
}

/// Parses and type-checks a PromQL expression with the given feature switches.
public func parsePromQL(_ input: String, options: PromQLParseOptions) throws(PromQLParseError) -> Expr {
    var parser = Parser(input, options: options)
    let expr = try parser.parseTop()
    var checker = Checker(parser: parser)
    return try checker.check(expr).0
}

// MARK: - Parser

struct Parser {
    let source: String
    let bytes: [UInt8]
    let tokens: [Token]
    let options: PromQLParseOptions
    var index = 0
    /// Innermost-last stack of yacc error contexts ("in aggregation", "in offset", ...).
    var contexts: [(String, String)] = []

    init(_ source: String, options: PromQLParseOptions) {
        self.source = source
        self.bytes = Array(source.utf8)
        self.tokens = Lexer.lexAll(source).filter { $0.kind != .comment }
        self.options = options
    }

    // MARK: token access and errors

    func error(_ range: SourceRange, _ message: String) -> PromQLParseError {
        PromQLParseError(position: range, message: message, query: source)
    }

    func range(_ t: Token) -> SourceRange { SourceRange(start: t.pos, end: t.end) }

    /// The next token; a lexical error token is reported as soon as it is reached.
    func peek() throws(PromQLParseError) -> Token {
        let t = tokens[index]
        if t.kind == .error { throw error(SourceRange(start: t.pos, end: t.errorEnd), t.text) }
        return t
    }

    func peekKind(_ offset: Int = 0) -> TokenKind {
        let i = index + offset
        return i < tokens.count ? tokens[i].kind : .eof
    }

    mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    /// "unexpected <token>" with the innermost error context.
    func unexpected(_ t: Token) -> PromQLParseError {
        if let (context, expected) = contexts.last { return unexpected(t, context, expected) }
        return unexpected(t, "", "")
    }

    func unexpected(_ t: Token, _ context: String, _ expected: String) -> PromQLParseError {
        var message = "unexpected " + t.desc
        if !context.isEmpty { message += " in " + context }
        if !expected.isEmpty { message += ", expected " + expected }
        return error(range(t), message)
    }

    mutating func expect(_ kind: TokenKind) throws(PromQLParseError) -> Token {
        let t = try peek()
        guard t.kind == kind else { throw unexpected(t) }
        return advance()
    }

    // MARK: top level

    mutating func parseTop() throws(PromQLParseError) -> Expr {
        let first = try peek()
        if first.kind == .eof {
            throw error(SourceRange(start: 0, end: 0), "no expression found in input")
        }
        let expr = try parseExpression(0)
        let t = try peek()
        if t.kind != .eof { throw unexpected(t) }
        return expr
    }

    // MARK: expressions

    static func binaryOperator(_ kind: TokenKind) -> BinaryOperator? {
        switch kind {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .mod: return .mod
        case .pow: return .pow
        case .atan2: return .atan2
        case .eqlc: return .eql
        case .neq: return .neq
        case .gtr: return .gtr
        case .lss: return .lss
        case .gte: return .gte
        case .lte: return .lte
        case .land: return .and
        case .lor: return .or
        case .lunless: return .unless
        case .trimUpper: return .trimUpper
        case .trimLower: return .trimLower
        default: return nil
        }
    }

    mutating func parseExpression(_ minPrecedence: Int) throws(PromQLParseError) -> Expr {
        var lhs = try parseUnary()
        while true {
            let t = try peek()
            guard let op = Parser.binaryOperator(t.kind), op.precedence >= minPrecedence else { break }
            _ = advance()
            let (returnBool, matching) = try parseBinaryModifiers()
            let rhs = try parseExpression(op.isRightAssociative ? op.precedence : op.precedence + 1)
            var m = matching
            if op.isSetOperator, m.cardinality == .oneToOne { m.cardinality = .manyToMany }
            lhs = .binary(BinaryExpr(op: op, lhs: lhs, rhs: rhs, returnBool: returnBool, matching: m))
        }
        return lhs
    }

    mutating func parseUnary() throws(PromQLParseError) -> Expr {
        let t = try peek()
        if t.kind == .add || t.kind == .sub {
            _ = advance()
            let operand = try parseExpression(BinaryOperator.pow.precedence)
            if case var .number(n) = operand {
                if t.kind == .sub { n.value = -n.value }
                n.position = SourceRange(start: t.pos, end: n.position.end)
                return .number(n)
            }
            return .unary(UnaryExpr(op: t.kind == .sub ? .minus : .plus, expr: operand,
                                    position: SourceRange(start: t.pos, end: operand.position.end)))
        }
        let primary = try parsePrimary()
        return try parsePostfix(primary)
    }

    /// Token kinds Prometheus's grammar accepts as a metric name (`metric_identifier`).
    static func isMetricIdentifier(_ kind: TokenKind) -> Bool {
        switch kind {
        case .avg, .bottomk, .by, .count, .countValues, .fill, .fillLeft, .fillRight, .group, .identifier,
             .land, .lor, .lunless, .max, .metricIdentifier, .min, .offset, .quantile, .stddev, .stdvar,
             .sum, .topk, .without, .start, .end, .limitk, .limitRatio, .step, .range, .anchored,
             .smoothed, .maxOf, .minOf:
            return true
        default: return false
        }
    }

    /// Token kinds usable as a label name in grouping lists (`maybe_label`).
    static func isMaybeLabel(_ kind: TokenKind) -> Bool {
        switch kind {
        case .avg, .bool, .bottomk, .by, .count, .countValues, .group, .groupLeft, .groupRight, .fill,
             .fillLeft, .fillRight, .identifier, .ignoring, .land, .lor, .lunless, .max, .metricIdentifier,
             .min, .offset, .on, .quantile, .stddev, .stdvar, .sum, .topk, .start, .end, .atan2, .limitk,
             .limitRatio, .step, .range, .anchored, .smoothed, .maxOf, .minOf:
            return true
        default: return false
        }
    }

    static func startsExpression(_ kind: TokenKind) -> Bool {
        switch kind {
        case .number, .duration, .string, .leftParen, .leftBrace, .add, .sub: return true
        default: return isMetricIdentifier(kind)
        }
    }

    static func aggregateOperator(_ kind: TokenKind) -> AggregateOperator? {
        switch kind {
        case .sum: return .sum
        case .avg: return .avg
        case .count: return .count
        case .min: return .min
        case .max: return .max
        case .group: return .group
        case .stddev: return .stddev
        case .stdvar: return .stdvar
        case .topk: return .topk
        case .bottomk: return .bottomk
        case .countValues: return .countValues
        case .quantile: return .quantile
        case .limitk: return .limitk
        case .limitRatio: return .limitRatio
        default: return nil
        }
    }

    mutating func parsePrimary() throws(PromQLParseError) -> Expr {
        let t = try peek()
        switch t.kind {
        case .number, .duration:
            _ = advance()
            return .number(try numberLiteral(t))
        case .string:
            _ = advance()
            return .string(StringLiteral(value: try unquote(t), position: range(t)))
        case .leftParen:
            _ = advance()
            let inner = try parseExpression(0)
            let close = try expect(.rightParen)
            return .paren(ParenExpr(expr: inner, position: SourceRange(start: t.pos, end: close.end)))
        case .leftBrace:
            return .vectorSelector(try parseVectorSelector(nameToken: nil))
        default:
            break
        }
        if let op = Parser.aggregateOperator(t.kind) {
            let next = peekKind(1)
            if next == .leftParen || next == .by || next == .without {
                return try parseAggregation(op, t)
            }
        }
        switch t.kind {
        case .identifier, .start, .end, .step, .range, .maxOf, .minOf:
            if peekKind(1) == .leftParen { return try parseCall(t) }
        default: break
        }
        if Parser.isMetricIdentifier(t.kind) {
            _ = advance()
            return .vectorSelector(try parseVectorSelector(nameToken: t))
        }
        throw unexpected(t)
    }

    // MARK: literals

    func numberLiteral(_ t: Token) throws(PromQLParseError) -> NumberLiteral {
        if t.kind == .duration {
            let ns = try durationNanoseconds(t)
            return NumberLiteral(value: goDurationSeconds(ns), isDuration: true, position: range(t))
        }
        switch goParseNumber(t.text) {
        case let .success(v): return NumberLiteral(value: v, position: range(t))
        case let .failure(message): throw error(range(t), "error parsing number: " + message.text)
        }
    }

    func durationNanoseconds(_ t: Token) throws(PromQLParseError) -> Int64 {
        switch goParseDuration(t.text) {
        case let .success(ns): return ns
        case let .failure(message): throw error(range(t), message.text)
        }
    }

    func unquote(_ t: Token) throws(PromQLParseError) -> String {
        guard let s = goUnquote(t.text) else {
            throw error(range(t), "error unquoting string \(goQuote(t.text)): invalid syntax")
        }
        return s
    }

    // MARK: selectors

    mutating func parseVectorSelector(nameToken: Token?) throws(PromQLParseError) -> VectorSelector {
        var matchers: [LabelMatcher] = []
        var start = nameToken?.pos ?? 0
        var end = nameToken?.end ?? 0
        if try peek().kind == .leftBrace {
            let open = advance()
            if nameToken == nil { start = open.pos }
            end = try parseMatchers(into: &matchers)
        }
        if let nameToken {
            matchers.append(try! LabelMatcher(.equal, Labels.metricName, nameToken.text))
        }
        return VectorSelector(name: nameToken?.text, matchers: matchers, position: SourceRange(start: start, end: end))
    }

    static func matchKind(_ kind: TokenKind) -> LabelMatcher.Kind? {
        switch kind {
        case .eql: return .equal
        case .neq: return .notEqual
        case .eqlRegex: return .regexMatch
        case .neqRegex: return .regexNoMatch
        default: return nil
        }
    }

    /// Parses the matchers after `{`; returns the end offset of the closing `}`.
    mutating func parseMatchers(into matchers: inout [LabelMatcher]) throws(PromQLParseError) -> Int {
        if try peek().kind == .rightBrace { return advance().end }
        while true {
            let t = try peek()
            switch t.kind {
            case .identifier, .string:
                _ = advance()
                let name = t.kind == .string ? try unquote(t) : t.text
                let opToken = try peek()
                if let kind = Parser.matchKind(opToken.kind) {
                    _ = advance()
                    let valueToken = try peek()
                    guard valueToken.kind == .string else {
                        throw unexpected(valueToken, "label matching", "string")
                    }
                    _ = advance()
                    let value = try unquote(valueToken)
                    do {
                        matchers.append(try LabelMatcher(kind, name, value))
                    } catch let e {
                        throw error(SourceRange(start: t.pos, end: valueToken.end), "\(e)")
                    }
                } else if t.kind == .string {
                    matchers.append(try! LabelMatcher(.equal, Labels.metricName, name))
                } else {
                    throw unexpected(opToken, "label matching", "label matching operator")
                }
            default:
                throw unexpected(t, "label matching", "identifier or \"}\"")
            }
            let sep = try peek()
            if sep.kind == .comma {
                _ = advance()
                if try peek().kind == .rightBrace { return advance().end }
                continue
            }
            if sep.kind == .rightBrace { return advance().end }
            throw unexpected(sep, "label matching", "\",\" or \"}\"")
        }
    }

    // MARK: calls and aggregations

    /// Parses `( args )`; returns the arguments and the closing parenthesis.
    mutating func parseCallBody() throws(PromQLParseError) -> ([Expr], Token) {
        let open = try peek()
        guard open.kind == .leftParen else { throw unexpected(open) }
        _ = advance()
        var args: [Expr] = []
        if try peek().kind == .rightParen { return (args, advance()) }
        while true {
            args.append(try parseExpression(0))
            let t = try peek()
            if t.kind == .comma {
                _ = advance()
                // Prometheus reduces `args ,` (reporting the trailing comma) only before `,` or `)`;
                // any other token that cannot start an expression is a syntax error.
                let after = try peek()
                if after.kind == .comma || after.kind == .rightParen {
                    throw error(range(t), "trailing commas not allowed in function call args")
                }
                if !Parser.startsExpression(after.kind) { throw unexpected(after) }
                continue
            }
            if t.kind == .rightParen { return (args, advance()) }
            throw unexpected(t)
        }
    }

    mutating func parseCall(_ nameToken: Token) throws(PromQLParseError) -> Expr {
        _ = advance()
        let (args, close) = try parseCallBody()
        guard let function = Function.named(nameToken.text) else {
            throw error(range(nameToken), "unknown function with name \(goQuote(nameToken.text))")
        }
        if function.experimental && !options.enableExperimentalFunctions {
            throw error(range(nameToken), "function \(goQuote(nameToken.text)) is not enabled")
        }
        return .call(Call(function: function, args: args, position: SourceRange(start: nameToken.pos, end: close.end)))
    }

    mutating func parseGroupingLabels() throws(PromQLParseError) -> ([String], Token) {
        let open = try peek()
        guard open.kind == .leftParen else { throw unexpected(open, "grouping opts", "\"(\"") }
        _ = advance()
        var labels: [String] = []
        if try peek().kind == .rightParen { return (labels, advance()) }
        while true {
            let t = try peek()
            if Parser.isMaybeLabel(t.kind) {
                _ = advance()
                labels.append(t.text)
            } else if t.kind == .string {
                _ = advance()
                let name = try unquote(t)
                if name.isEmpty {
                    throw error(range(t), "invalid label name for grouping: \(goQuote(name))")
                }
                labels.append(name)
            } else {
                throw unexpected(t, "grouping opts", "label")
            }
            let sep = try peek()
            if sep.kind == .comma {
                _ = advance()
                if try peek().kind == .rightParen { return (labels, advance()) }
                continue
            }
            if sep.kind == .rightParen { return (labels, advance()) }
            throw unexpected(sep, "grouping opts", "\",\" or \")\"")
        }
    }

    mutating func parseAggregation(_ op: AggregateOperator, _ opToken: Token) throws(PromQLParseError) -> Expr {
        _ = advance()
        contexts.append(("aggregation", ""))
        var grouping: [String] = []
        var without = false
        var args: [Expr]
        var close: Token
        let t = try peek()
        if t.kind == .by || t.kind == .without {
            _ = advance()
            without = t.kind == .without
            (grouping, _) = try parseGroupingLabels()
            (args, close) = try parseCallBody()
        } else {
            (args, close) = try parseCallBody()
            let m = try peek()
            if m.kind == .by || m.kind == .without {
                _ = advance()
                without = m.kind == .without
                (grouping, close) = try parseGroupingLabels()
            }
        }
        contexts.removeLast()
        let position = SourceRange(start: opToken.pos, end: close.end)
        if args.isEmpty { throw error(position, "no arguments for aggregate expression provided") }
        var desired = 1
        var param: Expr?
        if op.takesParameter {
            if op.isExperimental && !options.enableExperimentalFunctions {
                throw error(position, "\(op.rawValue)() is experimental and must be enabled with --enable-feature=promql-experimental-functions")
            }
            desired = 2
            param = args[0]
        }
        if args.count != desired {
            throw error(position, "wrong number of arguments for aggregate expression provided, expected \(desired), got \(args.count)")
        }
        return .aggregate(AggregateExpr(op: op, expr: args[desired - 1], param: param, grouping: grouping,
                                        without: without, position: position))
    }

    // MARK: binary modifiers

    mutating func parseBinaryModifiers() throws(PromQLParseError) -> (Bool, VectorMatching) {
        var matching = VectorMatching()
        var returnBool = false
        let first = try peek()
        var start = first.pos
        if first.kind == .bool { _ = advance(); returnBool = true }
        let t = try peek()
        if t.kind == .on || t.kind == .ignoring {
            _ = advance()
            matching.on = t.kind == .on
            (matching.matchingLabels, _) = try parseGroupingLabels()
            let g = try peek()
            if g.kind == .groupLeft || g.kind == .groupRight {
                _ = advance()
                matching.cardinality = g.kind == .groupLeft ? .manyToOne : .oneToMany
                let next = try peek()
                if next.kind == .leftParen {
                    (matching.include, _) = try parseGroupingLabels()
                } else if !Parser.startsExpression(next.kind) && next.kind != .fill && next.kind != .fillLeft
                            && next.kind != .fillRight {
                    throw unexpected(next, "grouping opts", "\"(\"")
                }
            }
        }
        let f = try peek()
        if f.kind == .fill || f.kind == .fillLeft || f.kind == .fillRight {
            start = f.pos
            _ = advance()
            let v = try parseFillValue()
            switch f.kind {
            case .fill: matching.fill = FillValues(lhs: v, rhs: v)
            case .fillLeft:
                matching.fill.lhs = v
                if try peek().kind == .fillRight { _ = advance(); matching.fill.rhs = try parseFillValue() }
            default:
                matching.fill.rhs = v
                if try peek().kind == .fillLeft { _ = advance(); matching.fill.lhs = try parseFillValue() }
            }
            if !options.enableBinopFillModifiers {
                throw error(SourceRange(start: start, end: start), "binop fill modifiers are experimental and not enabled")
            }
        }
        return (returnBool, matching)
    }

    mutating func parseFillValue() throws(PromQLParseError) -> Double {
        _ = try expect(.leftParen)
        var sign = 1.0
        let t = try peek()
        if t.kind == .add || t.kind == .sub { _ = advance(); if t.kind == .sub { sign = -1 } }
        let n = try peek()
        guard n.kind == .number || n.kind == .duration else { throw unexpected(n) }
        _ = advance()
        let literal = try numberLiteral(n)
        _ = try expect(.rightParen)
        return sign * literal.value
    }

    // MARK: postfix modifiers

    mutating func parsePostfix(_ base: Expr) throws(PromQLParseError) -> Expr {
        var expr = base
        while true {
            let t = try peek()
            switch t.kind {
            case .leftBracket: expr = try parseRangeOrSubquery(expr)
            case .offset: expr = try parseOffset(expr)
            case .at: expr = try parseAt(expr)
            case .anchored, .smoothed: expr = try parseExtendedModifier(expr)
            default: return expr
            }
        }
    }

    func milliseconds(fromSeconds seconds: Double) -> Int64 {
        let ns = (seconds * 1e9).rounded()
        if !(ns.magnitude < 9.2e18) { return 0 }
        return Int64(ns) / 1_000_000
    }

    mutating func parseRangeOrSubquery(_ expr: Expr) throws(PromQLParseError) -> Expr {
        let open = advance()
        contexts.append(("subquery or range selector", "number, duration, step(), or range()"))
        let rangeD = try parsePositiveDuration()
        contexts.removeLast()
        let t = try peek()
        if t.kind == .rightBracket {
            let close = advance()
            let errRange = SourceRange(start: open.pos, end: close.end)
            guard case let .vectorSelector(vs) = expr else {
                throw error(errRange, "ranges only allowed for vector selectors")
            }
            if vs.offset != 0 || vs.offsetExpr != nil {
                throw error(errRange, "no offset modifiers allowed before range")
            }
            if vs.at != nil { throw error(errRange, "no @ modifiers allowed before range") }
            let (ms, dexpr) = split(rangeD)
            return .matrixSelector(MatrixSelector(selector: vs, range: ms, rangeExpr: dexpr,
                                                  position: SourceRange(start: vs.position.start, end: close.end)))
        }
        guard t.kind == .colon else { throw unexpected(t, "subquery or range", "\":\" or \"]\"") }
        _ = advance()
        var stepD: DurationExpr?
        if try peek().kind != .rightBracket {
            contexts.append(("subquery selector", "number, duration, step(), range(), or \"]\""))
            stepD = try parsePositiveDuration()
            contexts.removeLast()
        }
        let close = try peek()
        guard close.kind == .rightBracket else { throw unexpected(close, "subquery selector", "\"]\"") }
        _ = advance()
        let (rangeMs, rangeExpr) = split(rangeD)
        var stepMs: Int64 = 0
        var stepExpr: DurationExpr?
        if let stepD { (stepMs, stepExpr) = split(stepD) }
        return .subquery(SubqueryExpr(expr: expr, range: rangeMs, rangeExpr: rangeExpr, step: stepMs, stepExpr: stepExpr,
                                      position: SourceRange(start: expr.position.start, end: close.end)))
    }

    /// A literal duration becomes milliseconds; anything else stays an expression.
    func split(_ d: DurationExpr) -> (Int64, DurationExpr?) {
        if case let .number(v, _) = d { return (milliseconds(fromSeconds: v), nil) }
        return (0, d)
    }

    mutating func parsePositiveDuration() throws(PromQLParseError) -> DurationExpr {
        let startToken = try peek()
        let (d, r) = try parseDurationExpr(0)
        if case let .number(v, _) = d, v <= 0 {
            throw error(r ?? range(startToken), "duration must be greater than 0")
        }
        return d
    }

    func modifierTargetError(_ expr: Expr, _ what: String) -> PromQLParseError {
        error(expr.position, "\(what) modifier must be preceded by an instant vector selector or range vector selector or a subquery")
    }

    mutating func parseOffset(_ expr: Expr) throws(PromQLParseError) -> Expr {
        _ = advance()
        contexts.append(("offset", "number, duration, step(), or range()"))
        let (d, endPos) = try parseOffsetDuration()
        contexts.removeLast()
        var ms: Int64 = 0
        var dexpr: DurationExpr?
        if case let .number(v, _) = d { ms = milliseconds(fromSeconds: v) } else { dexpr = d }
        switch expr {
        case var .vectorSelector(vs):
            if vs.offset != 0 || vs.offsetExpr != nil { throw error(expr.position, "offset may not be set multiple times") }
            vs.offset = ms; vs.offsetExpr = dexpr
            vs.position.end = endPos
            return .vectorSelector(vs)
        case var .matrixSelector(m):
            if m.selector.offset != 0 || m.selector.offsetExpr != nil {
                throw error(expr.position, "offset may not be set multiple times")
            }
            m.selector.offset = ms; m.selector.offsetExpr = dexpr
            m.position.end = endPos
            return .matrixSelector(m)
        case var .subquery(s):
            if s.offset != 0 || s.offsetExpr != nil { throw error(expr.position, "offset may not be set multiple times") }
            s.offset = ms; s.offsetExpr = dexpr
            s.position.end = endPos
            return .subquery(s)
        default:
            throw modifierTargetError(expr, "offset")
        }
    }

    mutating func parseAt(_ expr: Expr) throws(PromQLParseError) -> Expr {
        _ = advance()
        contexts.append(("@", "timestamp"))
        var at: AtModifier
        var endPos: Int
        var t = try peek()
        if t.kind == .start || t.kind == .end {
            _ = advance()
            _ = try expect(.leftParen)
            endPos = try expect(.rightParen).end
            at = t.kind == .start ? .start : .end
        } else {
            var sign = 1.0
            if t.kind == .add || t.kind == .sub {
                _ = advance()
                if t.kind == .sub { sign = -1 }
                t = try peek()
            }
            guard t.kind == .number || t.kind == .duration else { throw unexpected(t) }
            _ = advance()
            endPos = t.end
            let ts = sign * (try numberLiteral(t)).value
            if ts.isNaN || ts.isInfinite || ts >= Double(Int64.max) || ts <= Double(Int64.min) {
                throw error(expr.position, "timestamp out of bounds for @ modifier: \(goFormatF6(ts))")
            }
            at = .timestamp(Int64((ts * 1000).rounded()))
        }
        contexts.removeLast()
        switch expr {
        case var .vectorSelector(vs):
            if vs.at != nil { throw error(expr.position, "@ <timestamp> may not be set multiple times") }
            vs.at = at; vs.position.end = endPos
            return .vectorSelector(vs)
        case var .matrixSelector(m):
            if m.selector.at != nil { throw error(expr.position, "@ <timestamp> may not be set multiple times") }
            m.selector.at = at; m.position.end = endPos
            return .matrixSelector(m)
        case var .subquery(s):
            if s.at != nil { throw error(expr.position, "@ <timestamp> may not be set multiple times") }
            s.at = at; s.position.end = endPos
            return .subquery(s)
        default:
            throw modifierTargetError(expr, "@")
        }
    }

    mutating func parseExtendedModifier(_ expr: Expr) throws(PromQLParseError) -> Expr {
        let t = advance()
        let anchored = t.kind == .anchored
        let word = anchored ? "anchored" : "smoothed"
        if !options.enableExtendedRangeSelectors {
            throw error(expr.position, "\(word) modifier is experimental and not enabled")
        }
        func apply(_ vs: inout VectorSelector) throws(PromQLParseError) {
            if anchored { vs.anchored = true } else { vs.smoothed = true }
            if vs.anchored && vs.smoothed {
                throw error(expr.position, "anchored and smoothed modifiers cannot be used together")
            }
        }
        switch expr {
        case var .vectorSelector(vs):
            try apply(&vs)
            vs.position.end = t.end
            return .vectorSelector(vs)
        case var .matrixSelector(m):
            try apply(&m.selector)
            m.position.end = t.end
            return .matrixSelector(m)
        case .subquery:
            throw error(expr.position, "\(word) modifier is not supported for subqueries")
        default:
            throw error(expr.position, "\(word) modifier not implemented")
        }
    }

    // MARK: duration expressions

    static func durationOperator(_ kind: TokenKind) -> (DurationOperator, Int)? {
        switch kind {
        case .add: return (.add, 1)
        case .sub: return (.sub, 1)
        case .mul: return (.mul, 2)
        case .div: return (.div, 2)
        case .mod: return (.mod, 2)
        case .pow: return (.pow, 3)
        default: return nil
        }
    }

    func requireDurationExpressions(_ at: Int) throws(PromQLParseError) {
        if !options.enableDurationExpressions {
            throw error(SourceRange(start: at, end: at), "experimental duration expression is not enabled")
        }
    }

    /// Parses a duration expression by precedence climbing; also returns the source range of the
    /// result when it is a plain literal (for "duration must be greater than 0").
    mutating func parseDurationExpr(_ minPrecedence: Int) throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        var (lhs, lhsRange) = try parseDurationUnary()
        return try continueDurationExpr(lhs: &lhs, lhsRange: &lhsRange, minPrecedence)
    }

    mutating func continueDurationExpr(lhs: inout DurationExpr, lhsRange: inout SourceRange?, _ minPrecedence: Int)
        throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        while true {
            let t = try peek()
            guard let (op, prec) = Parser.durationOperator(t.kind), prec >= minPrecedence else { break }
            try requireDurationExpressions(lhsRange?.start ?? t.pos)
            _ = advance()
            let (rhs, _) = try parseDurationExpr(op == .pow ? prec : prec + 1)
            if op == .div || op == .mod, case let .number(v, _) = rhs, v == 0 {
                throw error(range(t), op == .div ? "division by zero" : "modulo by zero")
            }
            lhs = .binary(op, lhs, rhs)
            lhsRange = nil
        }
        return (lhs, lhsRange)
    }

    mutating func parseDurationUnary() throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        let t = try peek()
        if t.kind == .add || t.kind == .sub {
            _ = advance()
            let (operand, r) = try parseDurationExpr(3)
            return try applyUnary(t, operand, r)
        }
        return try parseDurationPrimary()
    }

    func applyUnary(_ op: Token, _ operand: DurationExpr, _ r: SourceRange?) throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        if case let .number(v, isDuration) = operand {
            let value = op.kind == .sub ? -v : v
            if durationOutOfRange(value) { throw error(range(op), "duration out of range") }
            return (.number(value, isDuration: isDuration), SourceRange(start: op.pos, end: r?.end ?? op.end))
        }
        return (op.kind == .sub ? .negate(operand) : operand, nil)
    }

    func durationOutOfRange(_ v: Double) -> Bool {
        v > 9223372036.854775807 || v < -9223372036.854775808
    }

    mutating func durationLiteral(_ t: Token) throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        _ = advance()
        let n = try numberLiteral(t)
        if durationOutOfRange(n.value) { throw error(range(t), "duration out of range") }
        return (.number(n.value, isDuration: n.isDuration), range(t))
    }

    mutating func parseDurationPrimary() throws(PromQLParseError) -> (DurationExpr, SourceRange?) {
        let t = try peek()
        switch t.kind {
        case .number, .duration:
            return try durationLiteral(t)
        case .step, .range:
            _ = advance()
            _ = try expect(.leftParen)
            _ = try expect(.rightParen)
            try requireDurationExpressions(t.pos)
            return (t.kind == .step ? .step : .range, nil)
        case .minOf, .maxOf:
            _ = advance()
            _ = try expect(.leftParen)
            let (a, _) = try parseDurationExpr(0)
            _ = try expect(.comma)
            let (b, _) = try parseDurationExpr(0)
            _ = try expect(.rightParen)
            try requireDurationExpressions(t.pos)
            return (t.kind == .minOf ? .minOf(a, b) : .maxOf(a, b), nil)
        case .leftParen:
            _ = advance()
            let (inner, _) = try parseDurationExpr(0)
            _ = try expect(.rightParen)
            try requireDurationExpressions(t.pos)
            return (wrapParen(inner), nil)
        default:
            throw unexpected(t)
        }
    }

    func wrapParen(_ e: DurationExpr) -> DurationExpr {
        if case .paren = e { return e }
        return .paren(e)
    }

    /// The duration after `offset`: a signed literal, `step()`, `range()`, `min_of(..)`, `max_of(..)`
    /// or a parenthesised duration expression (only the last continues with arithmetic, as in
    /// Prometheus's grammar, so `x offset 5m * 2` is `(x offset 5m) * 2`). Returns the end offset.
    mutating func parseOffsetDuration() throws(PromQLParseError) -> (DurationExpr, Int) {
        let t = try peek()
        switch t.kind {
        case .add, .sub:
            _ = advance()
            let n = try peek()
            switch n.kind {
            case .number, .duration:
                _ = advance()
                let lit = try numberLiteral(n)
                let v = t.kind == .sub ? -lit.value : lit.value
                if durationOutOfRange(v) { throw error(range(t), "duration out of range") }
                return (.number(v, isDuration: lit.isDuration), n.end)
            case .step, .range, .minOf, .maxOf:
                let (inner, _) = try parseDurationPrimary()
                return (t.kind == .sub ? .negate(inner) : inner, tokens[index - 1].end)
            case .leftParen:
                let (inner, _) = try parseDurationPrimary()
                let wrapped = wrapParen(inner)
                return (t.kind == .sub ? .negate(wrapped) : wrapped, tokens[index - 1].end)
            default:
                // `unary_op duration_expr`: a sign applied to a whole duration expression.
                let (operand, r) = try parseDurationExpr(3)
                let (d, _) = try applyUnary(t, operand, r)
                return (d, tokens[index - 1].end)
            }
        case .number, .duration, .step, .range, .minOf, .maxOf:
            let (d, _) = try parseDurationPrimary()
            return (d, tokens[index - 1].end)
        case .leftParen:
            var (d, r) = try parseDurationPrimary()
            let (result, _) = try continueDurationExpr(lhs: &d, lhsRange: &r, 0)
            return (result, tokens[index - 1].end)
        default:
            throw unexpected(t)
        }
    }
}

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
