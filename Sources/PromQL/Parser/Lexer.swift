// PromQL tokenizer. Mirrors the token stream of Prometheus 3.x's lexer: same token kinds, same
// positions (UTF-8 byte offsets), same lexical error texts.

/// Kinds of PromQL tokens.
enum TokenKind: Sendable, Equatable {
    case eof, error, comment, identifier, metricIdentifier, string, number, duration
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket, comma, eql, colon
    // Operators.
    case add, sub, mul, div, mod, pow, eqlc, neq, lte, lss, gte, gtr, trimUpper, trimLower
    case eqlRegex, neqRegex, land, lor, lunless, atan2, at
    // Aggregators.
    case avg, bottomk, count, countValues, group, max, min, quantile, stddev, stdvar, sum, topk
    case limitk, limitRatio
    // Keywords.
    case bool, by, groupLeft, groupRight, fill, fillLeft, fillRight, ignoring, offset, smoothed
    case anchored, on, without
    // Preprocessors (start(), end(), step(), range(), max_of(), min_of()).
    case start, end, step, range, maxOf, minOf

    var isOperator: Bool {
        switch self {
        case .add, .sub, .mul, .div, .mod, .pow, .eqlc, .neq, .lte, .lss, .gte, .gtr, .trimUpper,
             .trimLower, .eqlRegex, .neqRegex, .land, .lor, .lunless, .atan2, .at:
            return true
        default: return false
        }
    }

    var isAggregator: Bool {
        switch self {
        case .avg, .bottomk, .count, .countValues, .group, .max, .min, .quantile, .stddev, .stdvar,
             .sum, .topk, .limitk, .limitRatio:
            return true
        default: return false
        }
    }

    var isKeyword: Bool {
        switch self {
        case .bool, .by, .groupLeft, .groupRight, .fill, .fillLeft, .fillRight, .ignoring, .offset,
             .smoothed, .anchored, .on, .without:
            return true
        default: return false
        }
    }

    /// Prometheus's fixed text for the kind, when it has one (its `ItemTypeStr`).
    var fixedText: String? {
        switch self {
        case .leftParen: return "("
        case .rightParen: return ")"
        case .leftBrace: return "{"
        case .rightBrace: return "}"
        case .leftBracket: return "["
        case .rightBracket: return "]"
        case .comma: return ","
        case .eql: return "="
        case .colon: return ":"
        case .sub: return "-"
        case .add: return "+"
        case .mul: return "*"
        case .mod: return "%"
        case .div: return "/"
        case .eqlc: return "=="
        case .neq: return "!="
        case .lte: return "<="
        case .lss: return "<"
        case .gte: return ">="
        case .gtr: return ">"
        case .trimUpper: return "</"
        case .trimLower: return ">/"
        case .eqlRegex: return "=~"
        case .neqRegex: return "!~"
        case .pow: return "^"
        case .at: return "@"
        default:
            for (word, kind) in keywordTable where kind == self { return word }
            return nil
        }
    }
}

let keywordTable: [(String, TokenKind)] = [
    ("and", .land), ("or", .lor), ("unless", .lunless), ("atan2", .atan2),
    ("sum", .sum), ("avg", .avg), ("count", .count), ("min", .min), ("max", .max), ("group", .group),
    ("stddev", .stddev), ("stdvar", .stdvar), ("topk", .topk), ("bottomk", .bottomk),
    ("count_values", .countValues), ("quantile", .quantile), ("limitk", .limitk),
    ("limit_ratio", .limitRatio),
    ("offset", .offset), ("smoothed", .smoothed), ("anchored", .anchored), ("by", .by),
    ("without", .without), ("on", .on), ("ignoring", .ignoring), ("group_left", .groupLeft),
    ("group_right", .groupRight), ("fill", .fill), ("fill_left", .fillLeft),
    ("fill_right", .fillRight), ("bool", .bool),
    ("start", .start), ("end", .end), ("step", .step), ("range", .range), ("max_of", .maxOf),
    ("min_of", .minOf),
]

private let keywordMap: [String: TokenKind] = {
    var map: [String: TokenKind] = [:]
    for (word, kind) in keywordTable { map[word] = kind }
    map["inf"] = .number
    map["nan"] = .number
    return map
}()

private let durationKeywords: [String: TokenKind] = [
    "step": .step, "range": .range, "max_of": .maxOf, "min_of": .minOf,
]

/// One lexed token. `text` is the exact source text (for `.error`, the error message).
struct Token: Sendable {
    var kind: TokenKind
    var pos: Int
    var text: String
    /// For `.error`: the end of the error's position range.
    var errorEnd: Int = 0

    var end: Int { pos + text.utf8.count }

    /// Prometheus's `Item.String()`.
    var itemString: String {
        switch kind {
        case .eof: return "EOF"
        case .error: return text
        case .identifier, .metricIdentifier: return goQuote(text)
        default: break
        }
        if kind.isKeyword { return "<\(text)>" }
        if kind.isOperator { return "<op:\(text)>" }
        if kind.isAggregator { return "<aggr:\(text)>" }
        if text.unicodeScalars.count > 10 {
            return goQuote(String(String.UnicodeScalarView(text.unicodeScalars.prefix(10)))) + "..."
        }
        return goQuote(text)
    }

    /// Prometheus's `Item.desc()`, as used in "unexpected ..." messages.
    var desc: String {
        if kind.fixedText != nil { return itemString }
        switch kind {
        case .eof: return "end of input"
        case .error: return "error \(itemString)"
        case .comment: return "comment \(itemString)"
        case .identifier: return "identifier \(itemString)"
        case .metricIdentifier: return "metric identifier \(itemString)"
        case .string: return "string \(itemString)"
        case .number: return "number \(itemString)"
        case .duration: return "duration \(itemString)"
        default: return itemString
        }
    }
}

/// The lexer state machine. `lexAll` produces the token list up to and including EOF or the
/// first error token.
struct Lexer {
    let input: [UInt8]
    let source: String
    var pos = 0
    var start = 0
    var width = 0
    var parenDepth = 0
    var braceOpen = false
    var bracketOpen = false
    var gotColon = false
    var gotDuration = false
    var stringOpen: Int32 = 0

    enum State { case statements, insideBraces, durationExpr, string, rawString }
    var state: State = .statements
    var tokens: [Token] = []
    var done = false

    static let eofRune: Int32 = -1
    static let runeError: Int32 = 0xFFFD

    init(_ source: String) {
        self.source = source
        self.input = Array(source.utf8)
    }

    static func lexAll(_ source: String) -> [Token] {
        var lexer = Lexer(source)
        while !lexer.done { lexer.step() }
        return lexer.tokens
    }

    // MARK: primitives

    mutating func next() -> Int32 {
        if pos >= input.count { width = 0; return Lexer.eofRune }
        let (rune, w) = decodeRune(input, pos)
        width = w
        pos += w
        return rune
    }

    mutating func peek() -> Int32 {
        let r = next()
        backup()
        return r
    }

    mutating func backup() { pos -= width }

    func text(_ from: Int, _ to: Int) -> String {
        String(decoding: input[from..<to], as: UTF8.self)
    }

    mutating func emit(_ kind: TokenKind) {
        tokens.append(Token(kind: kind, pos: start, text: text(start, pos)))
        start = pos
    }

    mutating func ignore() { start = pos }

    mutating func accept(_ valid: String) -> Bool {
        let r = next()
        if r >= 0, valid.unicodeScalars.contains(where: { Int32($0.value) == r }) { return true }
        backup()
        return false
    }

    mutating func isNext(_ valid: String) -> Bool {
        let r = peek()
        return r >= 0 && valid.unicodeScalars.contains(where: { Int32($0.value) == r })
    }

    mutating func acceptRun(_ valid: String) {
        while accept(valid) {}
    }

    /// Records a lexical error; lexing stops.
    mutating func errorf(_ message: String) {
        tokens.append(Token(kind: .error, pos: start, text: message, errorEnd: input.count))
        done = true
    }

    // MARK: states

    mutating func step() {
        switch state {
        case .statements: lexStatements()
        case .insideBraces: lexInsideBraces()
        case .durationExpr: lexDurationExpr()
        case .string: lexString()
        case .rawString: lexRawString()
        }
    }

    func hasPrefix(_ c: UInt8) -> Bool { pos < input.count && input[pos] == c }

    mutating func lexStatements() {
        if braceOpen { state = .insideBraces; return }
        if hasPrefix(UInt8(ascii: "#")) { lexLineComment(); return }
        let r = next()
        switch r {
        case Lexer.eofRune:
            if parenDepth != 0 { errorf("unclosed left parenthesis"); return }
            if bracketOpen { errorf("unclosed left bracket"); return }
            emit(.eof)
            done = true
        case c(","): emit(.comma)
        case _ where isSpace(r): lexSpace()
        case c("*"): emit(.mul)
        case c("/"): emit(.div)
        case c("%"): emit(.mod)
        case c("+"): emit(.add)
        case c("-"): emit(.sub)
        case c("^"): emit(.pow)
        case c("="):
            let t = peek()
            if t == c("=") { _ = next(); emit(.eqlc) }
            else if t == c("~") { errorf("unexpected character after '=': \(goQuoteRune(t))") }
            else { emit(.eql) }
        case c("!"):
            let t = next()
            if t != c("=") { errorf("unexpected character after '!': \(goQuoteRune(t))"); return }
            emit(.neq)
        case c("<"):
            let t = peek()
            if t == c("=") { _ = next(); emit(.lte) }
            else if t == c("/") { _ = next(); emit(.trimUpper) }
            else { emit(.lss) }
        case c(">"):
            let t = peek()
            if t == c("=") { _ = next(); emit(.gte) }
            else if t == c("/") { _ = next(); emit(.trimLower) }
            else { emit(.gtr) }
        case _ where isDigit(r) || (r == c(".") && isDigit(peek())):
            backup()
            lexNumberOrDuration()
        case c("\""), c("'"):
            stringOpen = r
            state = .string
        case c("`"):
            stringOpen = r
            state = .rawString
        case _ where isAlpha(r) || r == c(":"):
            if !bracketOpen {
                backup()
                lexKeywordOrIdentifier()
                return
            }
            if r == c(":") {
                if gotColon { errorf("unexpected colon \(goQuoteRune(r))"); return }
                emit(.colon)
                gotColon = true
                return
            }
            if isDurationKeywordStart(r), scanDurationKeyword() { return }
            errorf("unexpected character: \(goQuoteRune(r)), expected ':'")
        case c("("):
            emit(.leftParen)
            parenDepth += 1
        case c(")"):
            emit(.rightParen)
            parenDepth -= 1
            if parenDepth < 0 { tokens.removeLast(); errorf("unexpected right parenthesis \(goQuoteRune(r))") }
        case c("{"):
            emit(.leftBrace)
            braceOpen = true
            state = .insideBraces
        case c("["):
            if bracketOpen { errorf("unexpected left bracket \(goQuoteRune(r))"); return }
            gotColon = false
            emit(.leftBracket)
            if isSpace(peek()) { skipSpaces() }
            bracketOpen = true
            state = .durationExpr
        case c("]"):
            if !bracketOpen { errorf("unexpected right bracket \(goQuoteRune(r))"); return }
            emit(.rightBracket)
            bracketOpen = false
        case c("@"):
            emit(.at)
        default:
            errorf("unexpected character: \(goQuoteRune(r))")
        }
    }

    mutating func lexInsideBraces() {
        if hasPrefix(UInt8(ascii: "#")) { lexLineComment(); return }
        let r = next()
        switch r {
        case Lexer.eofRune:
            errorf("unexpected end of input inside braces")
        case _ where isSpace(r):
            lexSpace()
            if braceOpen { state = .insideBraces }
        case _ where isAlpha(r):
            backup()
            while isAlphaNumeric(next()) {}
            backup()
            emit(.identifier)
        case c(","): emit(.comma)
        case c("\""), c("'"):
            stringOpen = r
            state = .string
        case c("`"):
            stringOpen = r
            state = .rawString
        case c("="):
            if next() == c("~") { emit(.eqlRegex) } else { backup(); emit(.eql) }
        case c("!"):
            let nr = next()
            if nr == c("~") { emit(.neqRegex) }
            else if nr == c("=") { emit(.neq) }
            else { errorf("unexpected character after '!' inside braces: \(goQuoteRune(nr))") }
        case c("{"):
            errorf("unexpected left brace \(goQuoteRune(r))")
        case c("}"):
            emit(.rightBrace)
            braceOpen = false
            state = .statements
        default:
            errorf("unexpected character inside braces: \(goQuoteRune(r))")
        }
    }

    mutating func lexDurationExpr() {
        let r = next()
        switch r {
        case Lexer.eofRune:
            errorf("unexpected end of input in duration expression")
        case c("]"):
            emit(.rightBracket)
            bracketOpen = false
            gotColon = false
            state = .statements
        case c(":"):
            emit(.colon)
            if !gotDuration { tokens.removeLast(); errorf("unexpected colon before duration in duration expression"); return }
            if gotColon { tokens.removeLast(); errorf("unexpected repeated colon in duration expression"); return }
            gotColon = true
        case c("("):
            emit(.leftParen)
            parenDepth += 1
        case c(")"):
            emit(.rightParen)
            parenDepth -= 1
            if parenDepth < 0 { tokens.removeLast(); errorf("unexpected right parenthesis \(goQuoteRune(r))") }
        case _ where isSpace(r):
            skipSpaces()
        case c("+"): emit(.add)
        case c("-"): emit(.sub)
        case c("*"): emit(.mul)
        case c("/"): emit(.div)
        case c("%"): emit(.mod)
        case c("^"): emit(.pow)
        case c(","): emit(.comma)
        case _ where isDurationKeywordStart(r):
            if scanDurationKeyword() { return }
            errorf("unexpected character in duration expression: \(goQuoteRune(r))")
        case _ where isDigit(r) || (r == c(".") && isDigit(peek())):
            backup()
            gotDuration = true
            state = .statements
            lexNumberOrDuration()
        default:
            errorf("unexpected character in duration expression: \(goQuoteRune(r))")
        }
    }

    mutating func lexString() {
        while true {
            let r = next()
            if r == c("\\") {
                if !lexEscape() { return }
                continue
            }
            if r == Lexer.runeError { errorf("invalid UTF-8 rune"); return }
            if r == Lexer.eofRune || r == c("\n") { errorf("unterminated quoted string"); return }
            if r == stringOpen { break }
        }
        emit(.string)
        state = braceOpen ? .insideBraces : .statements
    }

    mutating func lexRawString() {
        while true {
            let r = next()
            if r == Lexer.runeError { errorf("invalid UTF-8 rune"); return }
            if r == Lexer.eofRune { errorf("unterminated raw string"); return }
            if r == stringOpen { break }
        }
        emit(.string)
        state = braceOpen ? .insideBraces : .statements
    }

    /// Scans an escape after `\`; false when it recorded an error.
    mutating func lexEscape() -> Bool {
        var ch = next()
        var n = 0
        var base: UInt32 = 0
        var maxVal: UInt32 = 0
        switch ch {
        case c("a"), c("b"), c("f"), c("n"), c("r"), c("t"), c("v"), c("\\"), stringOpen:
            return true
        case c("0")...c("7"):
            n = 3; base = 8; maxVal = 255
        case c("x"):
            ch = next(); n = 2; base = 16; maxVal = 255
        case c("u"):
            ch = next(); n = 4; base = 16; maxVal = 0x10FFFF
        case c("U"):
            ch = next(); n = 8; base = 16; maxVal = 0x10FFFF
        case Lexer.eofRune:
            errorf("escape sequence not terminated"); return false
        default:
            errorf("unknown escape sequence \(goUnicodeFormat(ch))"); return false
        }
        var x: UInt32 = 0
        while n > 0 {
            let d = UInt32(digitVal(ch))
            if d >= base {
                if ch == Lexer.eofRune { errorf("escape sequence not terminated"); return false }
                errorf("illegal character \(goUnicodeFormat(ch)) in escape sequence")
                return false
            }
            x = x &* base &+ d
            n -= 1
            if n > 0 { ch = next() }
        }
        if x > maxVal || (0xD800 <= x && x < 0xE000) {
            errorf("escape sequence is an invalid Unicode code point")
            return false
        }
        return true
    }

    mutating func lexSpace() {
        while isSpace(peek()) { _ = next() }
        ignore()
    }

    mutating func skipSpaces() {
        while isSpace(peek()) { _ = next() }
        ignore()
    }

    mutating func lexLineComment() {
        pos += 1
        var r = next()
        while !(r == c("\r") || r == c("\n")) && r != Lexer.eofRune { r = next() }
        backup()
        emit(.comment)
    }

    mutating func scanDurationKeyword() -> Bool {
        while true {
            let r = next()
            if isAlpha(r) { continue }
            backup()
            let word = text(start, pos).lowercased()
            if let kind = durationKeywords[word] {
                emit(kind)
                return true
            }
            return false
        }
    }

    mutating func lexNumberOrDuration() {
        if scanNumber() { emit(.number); return }
        if acceptRemainingDuration() {
            backup()
            emit(.duration)
            return
        }
        errorf("bad number or duration syntax: \(goQuote(text(start, pos)))")
    }

    mutating func acceptRemainingDuration() -> Bool {
        if !accept("smhdwy") { return false }
        _ = accept("s")
        while accept("0123456789") {
            while accept("0123456789") {}
            if !accept("smhdw") { return false }
            _ = accept("s")
        }
        return !isAlphaNumeric(next())
    }

    mutating func scanNumber() -> Bool {
        let initialPos = pos
        var digitPattern = "0123456789"
        if accept("0") && accept("xX") {
            _ = accept("_")
            digitPattern = "0123456789abcdefABCDEF"
        }
        _ = accept(".")
        _ = accept(digitPattern)
        var dotConsumed = false
        var exponentConsumed = false
        while isNext(digitPattern + "._eE") {
            if isNext("."), dotConsumed { _ = accept("."); return false }
            if isNext("eE"), exponentConsumed { _ = accept("eE"); return false }
            if accept(".") {
                dotConsumed = true
                if accept("_.") { return false }
                if digitPattern.count > 10 { return false }
                continue
            }
            if accept("eE") {
                exponentConsumed = true
                _ = accept("+-")
                if accept("._eE") || peek() == Lexer.eofRune { return false }
                continue
            }
            if accept("_") {
                if accept("._eE") || peek() == Lexer.eofRune { return false }
                continue
            }
            acceptRun(digitPattern)
        }
        if pos == initialPos { return false }
        return !isAlphaNumeric(peek())
    }

    mutating func lexKeywordOrIdentifier() {
        while true {
            let r = next()
            if isAlphaNumeric(r) || r == c(":") { continue }
            backup()
            let word = text(start, pos)
            if let kind = keywordMap[word.lowercased()] {
                if kind == .fill || kind == .fillLeft || kind == .fillRight, !followedByLeftParen() {
                    emit(.identifier)
                } else {
                    emit(kind)
                }
            } else if !word.contains(":") {
                emit(.identifier)
            } else {
                emit(.metricIdentifier)
            }
            return
        }
    }

    func followedByLeftParen() -> Bool {
        var p = pos
        while p < input.count {
            let b = input[p]
            if b == 32 || b == 9 || b == 10 || b == 13 { p += 1; continue }
            return b == UInt8(ascii: "(")
        }
        return false
    }
}

// MARK: character helpers

@inline(__always) func c(_ s: Unicode.Scalar) -> Int32 { Int32(s.value) }

func isSpace(_ r: Int32) -> Bool { r == 32 || r == 9 || r == 10 || r == 13 }
func isDigit(_ r: Int32) -> Bool { r >= 48 && r <= 57 }
func isAlpha(_ r: Int32) -> Bool { r == 95 || (r >= 97 && r <= 122) || (r >= 65 && r <= 90) }
func isAlphaNumeric(_ r: Int32) -> Bool { isAlpha(r) || isDigit(r) }
func isDurationKeywordStart(_ r: Int32) -> Bool {
    guard r >= 0, let s = Unicode.Scalar(UInt32(r)) else { return false }
    let lower = String(s).lowercased()
    return lower == "s" || lower == "r" || lower == "m"
}

func digitVal(_ ch: Int32) -> Int {
    if ch >= c("0") && ch <= c("9") { return Int(ch - c("0")) }
    if ch >= c("a") && ch <= c("f") { return Int(ch - c("a") + 10) }
    if ch >= c("A") && ch <= c("F") { return Int(ch - c("A") + 10) }
    return 16
}

/// Decodes one UTF-8 rune like Go's `utf8.DecodeRuneInString` (invalid input gives U+FFFD, width 1).
func decodeRune(_ bytes: [UInt8], _ at: Int) -> (Int32, Int) {
    let b0 = bytes[at]
    if b0 < 0x80 { return (Int32(b0), 1) }
    func cont(_ i: Int) -> UInt32? {
        guard at + i < bytes.count, bytes[at + i] & 0xC0 == 0x80 else { return nil }
        return UInt32(bytes[at + i] & 0x3F)
    }
    if b0 & 0xE0 == 0xC0, let c1 = cont(1) {
        let v = (UInt32(b0 & 0x1F) << 6) | c1
        if v >= 0x80 { return (Int32(v), 2) }
    } else if b0 & 0xF0 == 0xE0, let c1 = cont(1), let c2 = cont(2) {
        let v = (UInt32(b0 & 0x0F) << 12) | (c1 << 6) | c2
        if v >= 0x800 && !(0xD800...0xDFFF).contains(v) { return (Int32(v), 3) }
    } else if b0 & 0xF8 == 0xF0, let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) {
        let v = (UInt32(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
        if v >= 0x10000 && v <= 0x10FFFF { return (Int32(v), 4) }
    }
    return (Lexer.runeError, 1)
}
