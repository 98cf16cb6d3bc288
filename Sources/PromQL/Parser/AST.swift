import Foundation
import MetricModel

/// A span of the query text, in UTF-8 byte offsets from the start of the query (start inclusive,
/// end exclusive), as Prometheus's `posrange.PositionRange`.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
    public var start: Int
    public var end: Int
    public init(start: Int, end: Int) { self.start = start; self.end = end }
    public var description: String { "\(start)..<\(end)" }
}

/// Wraps a value that takes no part in its owner's `==`: node equality compares the query's
/// meaning, not where in the text it was written.
@propertyWrapper
public struct EqualityIgnored<Value: Sendable>: Sendable, Equatable {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
    public static func == (lhs: Self, rhs: Self) -> Bool { true }
}

/// Equality of floats as PromQL literals: NaN equals NaN, otherwise IEEE equality.
@inline(__always) func sameFloat(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

/// The type an expression evaluates to. `rawValue` is Prometheus's internal name; `documentedName`
/// the one its error messages use ("instant vector", "range vector").
public enum ValueType: String, Sendable, Hashable {
    case scalar, vector, matrix, string

    public var documentedName: String {
        switch self {
        case .vector: return "instant vector"
        case .matrix: return "range vector"
        default: return rawValue
        }
    }
}

/// The `@` modifier of a selector or subquery. Contract: a timestamp is in milliseconds since the
/// epoch (Prometheus rounds the written seconds to the nearest millisecond); `start`/`end` are
/// resolved by the evaluator to the query's start and end time.
public enum AtModifier: Sendable, Hashable {
    case timestamp(Int64)
    case start
    case end
}

/// A number literal. Contract: `value` is the number (for a duration literal such as `5m`, its
/// length in seconds, and `isDuration` is set so it prints back as a duration).
public struct NumberLiteral: Sendable, Equatable {
    public var value: Double
    public var isDuration: Bool
    @EqualityIgnored public var position: SourceRange

    public init(value: Double, isDuration: Bool = false, position: SourceRange = SourceRange(start: 0, end: 0)) {
        self.value = value
        self.isDuration = isDuration
        self._position = EqualityIgnored(wrappedValue: position)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        sameFloat(lhs.value, rhs.value) && lhs.isDuration == rhs.isDuration
    }
}

/// A string literal. Contract: `value` is the unquoted text.
public struct StringLiteral: Sendable, Equatable {
    public var value: String
    @EqualityIgnored public var position: SourceRange

    public init(value: String, position: SourceRange = SourceRange(start: 0, end: 0)) {
        self.value = value
        self._position = EqualityIgnored(wrappedValue: position)
    }
}

/// Operators of duration expressions (the arithmetic allowed inside `[...]` and after `offset`).
public enum DurationOperator: String, Sendable, Hashable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^"
}

/// A duration expression (Prometheus 3.x, `--enable-feature=promql-duration-expr`), such as
/// `[5m * 2]`, `[step() + 1m]` or `offset min_of(step(), 1m)`.
///
/// Contract: numbers are seconds; `.paren` marks parentheses the user wrote (kept so the
/// expression prints back as written, never nested directly inside another `.paren`);
/// `.negate` is a unary minus on a non-literal (a minus on a literal is folded into the number).
/// Evaluate with `seconds(step:range:)`.
public indirect enum DurationExpr: Sendable, Equatable, CustomStringConvertible {
    case number(Double, isDuration: Bool)
    case step
    case range
    case minOf(DurationExpr, DurationExpr)
    case maxOf(DurationExpr, DurationExpr)
    case negate(DurationExpr)
    case binary(DurationOperator, DurationExpr, DurationExpr)
    case paren(DurationExpr)

    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case let (.number(a, d1), .number(b, d2)): return sameFloat(a, b) && d1 == d2
        case (.step, .step), (.range, .range): return true
        case let (.minOf(a1, b1), .minOf(a2, b2)), let (.maxOf(a1, b1), .maxOf(a2, b2)):
            return a1 == a2 && b1 == b2
        case let (.negate(a), .negate(b)), let (.paren(a), .paren(b)): return a == b
        case let (.binary(o1, a1, b1), .binary(o2, a2, b2)): return o1 == o2 && a1 == a2 && b1 == b2
        default: return false
        }
    }

    /// The value in seconds, given the query step and range (both in seconds; `range` is the
    /// query's end minus start, 0 for instant queries). Arithmetic follows Prometheus: `%` is the
    /// float remainder, `^` is `pow`.
    public func seconds(step: Double, range: Double) -> Double {
        switch self {
        case let .number(v, _): return v
        case .step: return step
        case .range: return range
        case let .minOf(a, b): return Swift.min(a.seconds(step: step, range: range), b.seconds(step: step, range: range))
        case let .maxOf(a, b): return Swift.max(a.seconds(step: step, range: range), b.seconds(step: step, range: range))
        case let .negate(e): return -e.seconds(step: step, range: range)
        case let .paren(e): return e.seconds(step: step, range: range)
        case let .binary(op, a, b):
            let l = a.seconds(step: step, range: range), r = b.seconds(step: step, range: range)
            switch op {
            case .add: return l + r
            case .sub: return l - r
            case .mul: return l * r
            case .div: return l / r
            case .mod: return l.truncatingRemainder(dividingBy: r)
            case .pow: return pow(l, r)
            }
        }
    }
}

/// An instant vector selector: `name{matchers} @ t offset d`.
///
/// Contract: `matchers` holds every matcher; when the name is written outside the braces,
/// `name` is set and an equality matcher on `__name__` is the LAST element of `matchers` (as in
/// Prometheus). `offset` is in milliseconds (negative allowed) and is 0 when `offsetExpr` is set.
/// Matcher order does not affect `==`.
public struct VectorSelector: Sendable, Equatable {
    public var name: String?
    public var matchers: [LabelMatcher]
    public var offset: Int64
    public var offsetExpr: DurationExpr?
    public var at: AtModifier?
    /// Prometheus 3.x extended range selectors (`anchored` / `smoothed`).
    public var anchored: Bool
    public var smoothed: Bool
    @EqualityIgnored public var position: SourceRange

    public init(name: String?, matchers: [LabelMatcher], offset: Int64 = 0, offsetExpr: DurationExpr? = nil,
                at: AtModifier? = nil, anchored: Bool = false, smoothed: Bool = false,
                position: SourceRange = SourceRange(start: 0, end: 0)) {
        self.name = name
        self.matchers = matchers
        self.offset = offset
        self.offsetExpr = offsetExpr
        self.at = at
        self.anchored = anchored
        self.smoothed = smoothed
        self._position = EqualityIgnored(wrappedValue: position)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.offset == rhs.offset && lhs.offsetExpr == rhs.offsetExpr
            && lhs.at == rhs.at && lhs.anchored == rhs.anchored && lhs.smoothed == rhs.smoothed
            && lhs.matchers.map(\.description).sorted() == rhs.matchers.map(\.description).sorted()
    }
}

/// A range vector selector `selector[range]`. Contract: `range` is in milliseconds and is 0
/// when `rangeExpr` (a duration expression) is set instead. Offset and `@` live on the inner
/// selector.
public struct MatrixSelector: Sendable, Equatable {
    public var selector: VectorSelector
    public var range: Int64
    public var rangeExpr: DurationExpr?
    @EqualityIgnored public var position: SourceRange

    public init(selector: VectorSelector, range: Int64, rangeExpr: DurationExpr? = nil,
                position: SourceRange = SourceRange(start: 0, end: 0)) {
        self.selector = selector
        self.range = range
        self.rangeExpr = rangeExpr
        self._position = EqualityIgnored(wrappedValue: position)
    }
}

/// A subquery `expr[range:step] @ t offset d`. Contract: durations in milliseconds; `step` is 0
/// when not written (the evaluator then uses the default resolution) or when `stepExpr` is set;
/// `range` is 0 when `rangeExpr` is set; `offset` is 0 when `offsetExpr` is set.
public struct SubqueryExpr: Sendable, Equatable {
    public var expr: Expr
    public var range: Int64
    public var rangeExpr: DurationExpr?
    public var step: Int64
    public var stepExpr: DurationExpr?
    public var offset: Int64
    public var offsetExpr: DurationExpr?
    public var at: AtModifier?
    @EqualityIgnored public var position: SourceRange

    public init(expr: Expr, range: Int64, rangeExpr: DurationExpr? = nil, step: Int64 = 0,
                stepExpr: DurationExpr? = nil, offset: Int64 = 0, offsetExpr: DurationExpr? = nil,
                at: AtModifier? = nil, position: SourceRange = SourceRange(start: 0, end: 0)) {
        self.expr = expr
        self.range = range
        self.rangeExpr = rangeExpr
        self.step = step
        self.stepExpr = stepExpr
        self.offset = offset
        self.offsetExpr = offsetExpr
        self.at = at
        self._position = EqualityIgnored(wrappedValue: position)
    }
}

/// A parenthesised expression; kept in the tree so the printer reproduces the parentheses.
public struct ParenExpr: Sendable, Equatable {
    public var expr: Expr
    @EqualityIgnored public var position: SourceRange

    public init(expr: Expr, position: SourceRange = SourceRange(start: 0, end: 0)) {
        self.expr = expr
        self._position = EqualityIgnored(wrappedValue: position)
    }
}

/// Unary operators.
public enum UnaryOperator: String, Sendable, Hashable { case plus = "+", minus = "-" }

/// A unary expression `-expr` / `+expr`. Contract: never wraps a number literal (the parser folds
/// the sign into the literal, as Prometheus does).
public struct UnaryExpr: Sendable, Equatable {
    public var op: UnaryOperator
    public var expr: Expr
    @EqualityIgnored public var position: SourceRange

    public init(op: UnaryOperator, expr: Expr, position: SourceRange = SourceRange(start: 0, end: 0)) {
        self.op = op
        self.expr = expr
        self._position = EqualityIgnored(wrappedValue: position)
    }
}

/// Binary operators, with Prometheus's spelling as raw value.
public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    case and, or, unless
    /// Prometheus 3.x trim operators (`</`, `>/`), parsed with comparison precedence.
    case trimUpper = "</", trimLower = ">/"

    /// `==`, `!=`, `>`, `<`, `>=`, `<=`.
    public var isComparison: Bool {
        switch self {
        case .eql, .neq, .gtr, .lss, .gte, .lte: return true
        default: return false
        }
    }

    /// `and`, `or`, `unless`.
    public var isSetOperator: Bool { self == .and || self == .or || self == .unless }

    /// Binding strength: `or` 1, `and`/`unless` 2, comparisons 3, `+ -` 4, `* / % atan2` 5, `^` 6.
    public var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eql, .neq, .gtr, .lss, .gte, .lte, .trimUpper, .trimLower: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }

    /// Only `^` is right-associative.
    public var isRightAssociative: Bool { self == .pow }
}

/// Cardinality of vector matching.
public enum VectorMatchCardinality: String, Sendable, Hashable {
    case oneToOne = "one-to-one", manyToOne = "many-to-one", oneToMany = "one-to-many"
    case manyToMany = "many-to-many"
}

/// Values from the Prometheus 3.x `fill()`, `fill_left()`, `fill_right()` binary modifiers: the
/// value used for a missing series on that side. NaN equals NaN here.
public struct FillValues: Sendable, Equatable {
    public var lhs: Double?
    public var rhs: Double?
    public init(lhs: Double? = nil, rhs: Double? = nil) { self.lhs = lhs; self.rhs = rhs }

    public static func == (a: Self, b: Self) -> Bool {
        func same(_ x: Double?, _ y: Double?) -> Bool {
            switch (x, y) {
            case (nil, nil): return true
            case let (x?, y?): return sameFloat(x, y)
            default: return false
            }
        }
        return same(a.lhs, b.lhs) && same(a.rhs, b.rhs)
    }

    public var isEmpty: Bool { lhs == nil && rhs == nil }
}

/// How the two sides of a vector/vector binary operation are matched.
///
/// Contract: `matchingLabels` are the `on(...)` labels when `on` is true, else the `ignoring(...)`
/// labels; `include` holds the `group_left(...)`/`group_right(...)` labels. Set operators always
/// have `.manyToMany`.
public struct VectorMatching: Sendable, Equatable {
    public var cardinality: VectorMatchCardinality
    public var on: Bool
    public var matchingLabels: [String]
    public var include: [String]
    public var fill: FillValues

    public init(cardinality: VectorMatchCardinality = .oneToOne, on: Bool = false, matchingLabels: [String] = [],
                include: [String] = [], fill: FillValues = FillValues()) {
        self.cardinality = cardinality
        self.on = on
        self.matchingLabels = matchingLabels
        self.include = include
        self.fill = fill
    }
}

/// A binary expression. Contract: `matching` is non-nil exactly when both sides are instant
/// vectors (after type checking, as in Prometheus); `returnBool` only on comparisons.
public struct BinaryExpr: Sendable, Equatable {
    public var op: BinaryOperator
    public var lhs: Expr
    public var rhs: Expr
    public var returnBool: Bool
    public var matching: VectorMatching?

    public init(op: BinaryOperator, lhs: Expr, rhs: Expr, returnBool: Bool = false, matching: VectorMatching? = nil) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        self.returnBool = returnBool
        self.matching = matching
    }

    public var position: SourceRange { SourceRange(start: lhs.position.start, end: rhs.position.end) }
}

/// Aggregation operators.
public enum AggregateOperator: String, Sendable, Hashable, CaseIterable {
    case sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk
    case countValues = "count_values", quantile
    /// Experimental in Prometheus 3.x.
    case limitk, limitRatio = "limit_ratio"

    /// Whether the operator takes a first parameter (`topk(3, x)`).
    public var takesParameter: Bool {
        switch self {
        case .topk, .bottomk, .countValues, .quantile, .limitk, .limitRatio: return true
        default: return false
        }
    }

    public var isExperimental: Bool { self == .limitk || self == .limitRatio }
}

/// An aggregation `op by|without (labels) (param, expr)`. Contract: `param` is set exactly when
/// `op.takesParameter`; `grouping` lists the `by` labels, or the `without` labels when `without`.
public struct AggregateExpr: Sendable, Equatable {
    public var op: AggregateOperator
    public var expr: Expr
    public var param: Expr?
    public var grouping: [String]
    public var without: Bool
    @EqualityIgnored public var position: SourceRange

    public init(op: AggregateOperator, expr: Expr, param: Expr? = nil, grouping: [String] = [], without: Bool = false,
                position: SourceRange = SourceRange(start: 0, end: 0)) {
        self.op = op
        self.expr = expr
        self.param = param
        self.grouping = grouping
        self.without = without
        self._position = EqualityIgnored(wrappedValue: position)
    }
}

/// A function call. Contract: `function` is an entry of `Function.all`; argument count and types
/// have been checked against it.
public struct Call: Sendable, Equatable {
    public var function: Function
    public var args: [Expr]
    @EqualityIgnored public var position: SourceRange

    public init(function: Function, args: [Expr], position: SourceRange = SourceRange(start: 0, end: 0)) {
        self.function = function
        self.args = args
        self._position = EqualityIgnored(wrappedValue: position)
    }
}

/// A parsed and type-checked PromQL expression.
///
/// Contract: produced by `parsePromQL`; `==` compares meaning (node kinds, values, modifiers),
/// not source positions; `description` is the canonical text Prometheus's printer gives
/// (`sum by (job) (rate(x[5m]))`), and parsing it yields an equal expression.
public indirect enum Expr: Sendable, Equatable, CustomStringConvertible {
    case number(NumberLiteral)
    case string(StringLiteral)
    case vectorSelector(VectorSelector)
    case matrixSelector(MatrixSelector)
    case subquery(SubqueryExpr)
    case paren(ParenExpr)
    case unary(UnaryExpr)
    case binary(BinaryExpr)
    case aggregate(AggregateExpr)
    case call(Call)

    /// The type the expression evaluates to (Prometheus's `Type()`).
    public var type: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vectorSelector: return .vector
        case .matrixSelector, .subquery: return .matrix
        case let .paren(p): return p.expr.type
        case let .unary(u): return u.expr.type
        case let .binary(b): return b.lhs.type == .scalar && b.rhs.type == .scalar ? .scalar : .vector
        case .aggregate: return .vector
        case let .call(c): return c.function.returnType
        }
    }

    /// Where the expression was written in the query text.
    public var position: SourceRange {
        switch self {
        case let .number(n): return n.position
        case let .string(s): return s.position
        case let .vectorSelector(v): return v.position
        case let .matrixSelector(m): return m.position
        case let .subquery(s): return s.position
        case let .paren(p): return p.position
        case let .unary(u): return u.position
        case let .binary(b): return b.position
        case let .aggregate(a): return a.position
        case let .call(c): return c.position
        }
    }

    /// Direct sub-expressions, in source order (the aggregation parameter before its body).
    public var children: [Expr] {
        switch self {
        case .number, .string, .vectorSelector, .matrixSelector: return []
        case let .subquery(s): return [s.expr]
        case let .paren(p): return [p.expr]
        case let .unary(u): return [u.expr]
        case let .binary(b): return [b.lhs, b.rhs]
        case let .aggregate(a): return (a.param.map { [$0] } ?? []) + [a.expr]
        case let .call(c): return c.args
        }
    }
}
