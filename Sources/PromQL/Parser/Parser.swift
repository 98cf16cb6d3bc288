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
}
